/**
 * The per-layer cache: what walking one layer did to the merged tree, recorded as the tar
 * entries that mattered (wanted files with their kept content or excerpt, links, directories, whiteouts,
 * replaced paths) in the layer's own order, so a rescan replays them without reading the blob.
 *
 * An entry is keyed by the layer's chain (the digest and diff ID of it and every layer
 * below, as OCI chain IDs are) and by the wanted-files policy. The chain makes the tree the
 * layer lands on the same as when it was recorded, so unwanted files that replaced nothing
 * need not be stored; blob digests (verified by every source while the walk reads the blob)
 * keep an image that lies about its diff IDs from planting entries for another image.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { isRecord } from "../../records.js";
import type { ImageLayer } from "../types.js";
import type { TarEntry, TarEntryType } from "./tar.js";

/** Bumped whenever the file format or the meaning of a recording changes. */
const FORMAT = "portcullis-layer-cache 2";
/** Entries larger than this are neither written nor read. */
export const MAX_CACHE_ENTRY_BYTES = 128 * 1024 * 1024;
const CHECKSUM_LENGTH = 64;
const ENTRY_TYPES: readonly TarEntryType[] = ["file", "hardlink", "symlink", "directory", "other"];

/** A tar entry as the walk saw it, with what it kept of the body (whole or an excerpt) when it read one. */
export interface RecordedEntry extends TarEntry {
  content?: Buffer;
}

/** One layer's recording: its uncompressed size (for the bomb cap) and the entries that mattered. */
export interface LayerRecording {
  inflatedBytes: number;
  entries: RecordedEntry[];
}

/** `$RUNNER_TOOL_CACHE/portcullis` on GitHub runners, else the XDG cache directory, else `~/.cache/portcullis`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.RUNNER_TOOL_CACHE) return join(env.RUNNER_TOOL_CACHE, "portcullis");
  // The XDG spec says relative values are invalid and must be ignored.
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, "portcullis");
  return join(home, ".cache", "portcullis");
}

export class LayerCache {
  constructor(
    private readonly dir: string,
    private readonly policy: string,
  ) {}

  /** The cache key of each layer: its chain from the base up, under this policy. */
  keys(layers: readonly ImageLayer[]): string[] {
    let chain = "";
    return layers.map((layer) => {
      chain = sha256(`${chain}\n${layer.digest} ${layer.diffId}`);
      return sha256(`${FORMAT}\n${this.policy}\n${chain}`);
    });
  }

  /** The recording under `key`, or undefined when there is none or it is not intact. */
  async read(key: string): Promise<LayerRecording | undefined> {
    try {
      return decode(await readCapped(this.path(key)), key);
    } catch {
      // Missing, unreadable, truncated or tampered with: walk the layer instead.
      return undefined;
    }
  }

  /** Stores a recording atomically (a temporary file renamed into place); failures only cost speed. */
  async write(key: string, recording: LayerRecording): Promise<void> {
    const bytes = encode(recording, key);
    if (bytes === undefined) return;
    const path = this.path(key);
    const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    } catch {
      await rm(temporary, { force: true }).catch(() => {});
    }
  }

  private path(key: string): string {
    return join(this.dir, `layer-${key}`);
  }
}

/**
 * The file: the SHA-256 (hex) of what follows, a newline, a JSON header without the bodies,
 * a newline, then the bodies back to back in entry order.
 */
function encode(recording: LayerRecording, key: string): Buffer[] | undefined {
  const bodies: Buffer[] = [];
  const entries = recording.entries.map(({ content, ...entry }) => {
    if (content) bodies.push(content);
    return { ...entry, ...(content && { contentLength: content.length }) };
  });
  const header = Buffer.from(`${JSON.stringify({ format: FORMAT, key, inflatedBytes: recording.inflatedBytes, entries })}\n`);
  const rest = [header, ...bodies];
  const size = CHECKSUM_LENGTH + 1 + rest.reduce((total, part) => total + part.length, 0);
  if (size > MAX_CACHE_ENTRY_BYTES) return undefined;
  const checksum = createHash("sha256");
  for (const part of rest) checksum.update(part);
  return [Buffer.from(`${checksum.digest("hex")}\n`), ...rest];
}

function decode(bytes: Buffer, key: string): LayerRecording {
  const rest = bytes.subarray(CHECKSUM_LENGTH + 1);
  if (bytes.toString("latin1", 0, CHECKSUM_LENGTH + 1) !== `${sha256(rest)}\n`) throw new Error("checksum mismatch");
  const newline = rest.indexOf(0x0a);
  if (newline < 0) throw new Error("no header");
  const header: unknown = JSON.parse(rest.toString("utf8", 0, newline));
  if (!isRecord(header) || header.format !== FORMAT || header.key !== key) throw new Error("another format or key");
  if (!isCount(header.inflatedBytes) || !Array.isArray(header.entries)) throw new Error("malformed header");
  let offset = newline + 1;
  const entries = header.entries.map((value: unknown): RecordedEntry => {
    const { contentLength, ...entry } = checkEntry(value);
    if (contentLength === undefined) return entry;
    const content = rest.subarray(offset, offset + contentLength);
    offset += contentLength;
    return { ...entry, content };
  });
  if (offset !== rest.length) throw new Error("bodies do not add up");
  return { inflatedBytes: header.inflatedBytes, entries };
}

function checkEntry(value: unknown): TarEntry & { contentLength?: number } {
  if (
    !isRecord(value) ||
    typeof value.name !== "string" ||
    !ENTRY_TYPES.includes(value.type as TarEntryType) ||
    !isCount(value.size) ||
    !isCount(value.mode) ||
    typeof value.linkName !== "string" ||
    !(value.contentLength === undefined || (value.type === "file" && isCount(value.contentLength) && value.contentLength <= value.size))
  ) {
    throw new Error("malformed entry");
  }
  const entry: TarEntry = {
    name: value.name,
    type: value.type as TarEntryType,
    size: value.size,
    mode: value.mode,
    linkName: value.linkName,
  };
  return value.contentLength === undefined ? entry : { ...entry, contentLength: value.contentLength as number };
}

/** Reads a file only when it is within the entry cap, checked on the open file itself. */
async function readCapped(path: string): Promise<Buffer> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    if (size > MAX_CACHE_ENTRY_BYTES) throw new Error("over the cap");
    return await file.readFile();
  } finally {
    await file.close();
  }
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
