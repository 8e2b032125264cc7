import { createHash } from "node:crypto";

/**
 * A stable identity for a finding built from what it is about, never from line numbers,
 * so that code scanning tracks the same alert across unrelated edits.
 */
export function fingerprintOf(parts: ReadonlyArray<string | number | undefined>): string {
  const canonical = parts.map((part) => (part === undefined ? "" : String(part))).join("\u0000");
  return createHash("sha256").update(canonical).digest("hex").slice(0, 32);
}
