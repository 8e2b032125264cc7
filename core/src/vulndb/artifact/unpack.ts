import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { UserError } from "../../errors.js";
import { METADATA_FILE, METADATA_LIMIT, parseMetadata } from "../db/format.js";
import { ARCHIVE_ORDER } from "./pack.js";

/** Far above any real database (the whole of OSV is well under 1 GiB in this format). */
export const MAX_UNPACKED_BYTES = 4 * 1024 * 1024 * 1024;
/**
 * A database's chunks are compressed already, so its layer inflates to about twice its size;
 * more than this many times is a decompression bomb, refused long before it costs minutes.
 */
const MAX_INFLATION_RATIO = 20;
/** A small database's metadata and index may compress better than the ratio allows. */
const INFLATION_FLOOR = 64 * 1024 * 1024;

/** How far a layer of `compressedSize` bytes may inflate. */
export function inflationCap(compressedSize: number): number {
  return Math.min(MAX_UNPACKED_BYTES, INFLATION_FLOOR + compressedSize * MAX_INFLATION_RATIO);
}

/** Fails the stream once more than `limit` bytes came through: gzip of zeros inflates a thousandfold. */
function inflationLimit(limit: number, label: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(new UserError(`${label} inflates to more than ${limit} bytes; refusing it as a decompression bomb`));
      else done(null, chunk);
    },
  });
}

async function readWhole(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

interface EntryHeader {
  name: string;
  type?: string | null;
  size?: number;
}

/** The file an entry may become, or a UserError: only the database's own files, flat, regular, once each, within the budget. */
function checkedName(header: EntryHeader, seen: Set<string>, budget: number, label: string): string {
  const name = header.name.replace(/^\.\//, "");
  const refuse = (why: string) => new UserError(`${label}: archive entry ${JSON.stringify(header.name)} ${why}; refusing the archive`);
  if (!(ARCHIVE_ORDER as readonly string[]).includes(name))
    throw refuse("is not a database file (only plain names such as metadata.json are)");
  if (header.type !== "file") throw refuse(`is a ${header.type ?? "special entry"}, not a regular file`);
  if (seen.has(name)) throw refuse("comes twice");
  if (seen.size === 0 && name !== METADATA_FILE) throw refuse(`comes before ${METADATA_FILE}, which must be first`);
  if ((header.size ?? 0) > budget) throw refuse(`declares ${header.size} bytes, more than the whole layer may inflate to`);
  return name;
}

/**
 * Extracts a database layer (tar+gzip) into the empty directory `into`. Only the database's
 * files are accepted, as regular files at the archive root; links, directories, other names,
 * `..`, absolute paths and oversized entries are refused, and decompression stops at `maxBytes`.
 * metadata.json comes first and is checked before anything else, so a database of a newer
 * schema is refused before its data is written. The caller verifies the files' checksums.
 */
export async function unpackDatabase(source: Readable, into: string, label: string, maxBytes: number): Promise<void> {
  const extractor = extract();
  const flowing = pipeline(source, createGunzip(), inflationLimit(maxBytes, label), extractor);
  // Errors reach the loop below through the extractor; this only keeps them from being unhandled twice.
  flowing.catch(() => {});
  const seen = new Set<string>();
  let budget = maxBytes;
  try {
    for await (const entry of extractor) {
      const name = checkedName(entry.header, seen, budget, label);
      seen.add(name);
      budget -= entry.header.size ?? 0;
      if (name === METADATA_FILE) {
        if ((entry.header.size ?? 0) > METADATA_LIMIT) throw new UserError(`${label}: ${METADATA_FILE} is too large to be metadata`);
        const bytes = await readWhole(entry as AsyncIterable<Buffer>);
        parseMetadata(bytes, label);
        await writeFile(join(into, name), bytes, { flag: "wx" });
      } else {
        await pipeline(entry, createWriteStream(join(into, name), { flags: "wx" }));
      }
    }
    await flowing;
  } catch (error) {
    source.destroy();
    if (error instanceof UserError) throw error;
    throw new UserError(`${label} is not a readable database archive: ${(error as Error).message}`);
  }
}
