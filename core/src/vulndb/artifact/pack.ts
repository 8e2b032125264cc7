import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { pack } from "tar-stream";
import { CHECKSUMMED_FILES, type DatabaseMetadata, METADATA_FILE } from "../db/format.js";

/** metadata.json first, so that an unpacker can refuse a newer schema before the big files. */
export const ARCHIVE_ORDER = [METADATA_FILE, ...CHECKSUMMED_FILES] as const;

/**
 * The database directory as the artifact's layer: a tar+gzip of its files at the archive
 * root, in a fixed order with fixed owners, modes and times (the build time), so the same
 * database always gives the same layer digest.
 */
export async function packDatabase(dir: string, metadata: DatabaseMetadata): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const collected = pipeline(archive, createGzip({ level: 9 }), async (compressed: AsyncIterable<Buffer>) => {
    for await (const chunk of compressed) chunks.push(chunk);
  });
  const mtime = new Date(metadata.builtAt);
  for (const name of ARCHIVE_ORDER) {
    const path = join(dir, name);
    const entry = archive.entry({ name, size: (await stat(path)).size, mode: 0o644, mtime, uid: 0, gid: 0, uname: "", gname: "" });
    await pipeline(createReadStream(path), entry);
  }
  archive.finalize();
  await collected;
  return Buffer.concat(chunks);
}
