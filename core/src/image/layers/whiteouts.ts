import { joinPath, splitPath } from "./paths.js";

const PREFIX = ".wh.";
const OPAQUE = ".wh..wh..opq";
/** `.wh..wh.` names other than the opaque marker are aufs bookkeeping (`.wh..wh.plnk`, …). */
const AUFS_META = ".wh..wh.";

/**
 * What a layer entry means under the OCI changeset rules: an ordinary entry, the removal
 * of a lower path, an opaque directory (lower contents hidden), or aufs metadata to skip.
 */
export type EntryMeaning = { kind: "entry" } | { kind: "whiteout"; path: string } | { kind: "opaque"; dir: string } | { kind: "ignored" };

export function meaningOf(path: string): EntryMeaning {
  const { dir, base } = splitPath(path);
  if (!base.startsWith(PREFIX)) return { kind: "entry" };
  if (base === OPAQUE) return { kind: "opaque", dir };
  if (base.startsWith(AUFS_META) || base === PREFIX) return { kind: "ignored" };
  return { kind: "whiteout", path: joinPath(dir, base.slice(PREFIX.length)) };
}
