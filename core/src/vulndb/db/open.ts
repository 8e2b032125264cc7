import { createHash } from "node:crypto";
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../errors.js";
import type { Advisory } from "../types.js";
import { decompressChunk } from "./chunks.js";
import {
  CHECKSUMMED_FILES,
  type DatabaseMetadata,
  DICTIONARY_FILE,
  damaged,
  INDEX_FILE,
  METADATA_FILE,
  METADATA_LIMIT,
  PACKAGES_FILE,
  parseMetadata,
} from "./format.js";
import { IndexSection } from "./index-file.js";
import { packageKey } from "./package-key.js";

/** An opened database. Lookups are synchronous: after opening, answering is a read and an inflate. */
export interface VulnerabilityDatabase {
  metadata: DatabaseMetadata;
  /** The directory it was opened from. */
  dir: string;
  /**
   * The advisories of one package in one ecosystem, by the exact ecosystem string (`Debian:12`,
   * `PyPI`) and the name as an inventory spells it (normalised by `packageKey`). Each advisory's
   * `affected` holds only this package's entries. Sorted by id; [] when none.
   */
  advisoriesFor(ecosystem: string, name: string): Advisory[];
  /** The ecosystems the database holds, sorted. */
  ecosystems(): string[];
  /** Releases the open file; lookups fail afterwards. */
  close(): void;
}

/** metadata.json, checked; `label` names the database in messages (its directory unless said otherwise). */
async function readMetadata(dir: string, label = dir): Promise<DatabaseMetadata> {
  const path = join(dir, METADATA_FILE);
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    const dirInfo = await stat(dir).catch(() => undefined);
    if (!dirInfo?.isDirectory()) throw new UserError(`vulnerability database ${label} does not exist or is not a directory`);
    throw damaged(label, METADATA_FILE, "is missing");
  }
  if (!info.isFile() || info.size > METADATA_LIMIT) throw damaged(label, METADATA_FILE, "is not a metadata file");
  return parseMetadata(await readFile(path), label);
}

/** Every checksummed file exists with the size metadata gives: a truncated or missing file is caught at open. */
async function checkSizes(dir: string, metadata: DatabaseMetadata, label = dir): Promise<void> {
  for (const name of CHECKSUMMED_FILES) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (!info?.isFile()) throw damaged(label, name, "is missing");
    const expected = metadata.files[name]?.size;
    if (info.size !== expected)
      throw damaged(label, name, `has ${info.size} bytes, metadata.json says ${expected}: it is truncated or damaged`);
  }
}

/** A small file read whole and checked against its SHA-256. */
async function readVerified(dir: string, name: string, metadata: DatabaseMetadata): Promise<Buffer> {
  const bytes = await readFile(join(dir, name));
  if (createHash("sha256").update(bytes).digest("hex") !== metadata.files[name]?.sha256)
    throw damaged(dir, name, "does not match its checksum in metadata.json");
  return bytes;
}

/** Streams a file through SHA-256. */
async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Checks a whole database: metadata, every file's size and SHA-256. Opening checks all but
 * packages.bin's SHA-256 (its chunks are checked one by one as lookups read them); this is
 * for a database about to be shipped or cached. Returns the metadata.
 */
export async function verifyDatabase(dir: string, label = dir): Promise<DatabaseMetadata> {
  const metadata = await readMetadata(dir, label);
  await checkSizes(dir, metadata, label);
  for (const name of CHECKSUMMED_FILES) {
    if ((await fileSha256(join(dir, name))) !== metadata.files[name]?.sha256)
      throw damaged(label, name, "does not match its checksum in metadata.json");
  }
  return metadata;
}

/**
 * Opens a database directory: reads and checks metadata.json (a newer schema is refused),
 * checks every file's size, and the index's and dictionary's SHA-256. A lookup binary-searches
 * its ecosystem's index section, then reads and inflates that one package's chunk.
 */
export async function openDatabase(dir: string): Promise<VulnerabilityDatabase> {
  const metadata = await readMetadata(dir);
  await checkSizes(dir, metadata);
  const index = await readVerified(dir, INDEX_FILE, metadata);
  const dictionary = await readVerified(dir, DICTIONARY_FILE, metadata);
  const packagesSize = metadata.files[PACKAGES_FILE]?.size ?? 0;
  let file: number | undefined = openSync(join(dir, PACKAGES_FILE), "r");
  const sections = new Map<string, IndexSection>();

  function section(ecosystem: string): IndexSection | undefined {
    if (!Object.hasOwn(metadata.ecosystems, ecosystem)) return undefined;
    const { offset, length } = (metadata.ecosystems[ecosystem] as DatabaseMetadata["ecosystems"][string]).index;
    if (offset + length > index.length)
      throw damaged(dir, INDEX_FILE, `is shorter than the section of ecosystem ${ecosystem} metadata.json gives`);
    const found = sections.get(ecosystem) ?? new IndexSection(index.subarray(offset, offset + length));
    sections.set(ecosystem, found);
    return found;
  }

  function readChunk(ecosystem: string, name: string, offset: number, length: number): Advisory[] {
    if (file === undefined) throw new Error(`vulnerability database ${dir} is closed`);
    const bytes = Buffer.alloc(length);
    if (readSync(file, bytes, 0, length, offset) !== length) throw damaged(dir, PACKAGES_FILE, "ends early");
    try {
      return JSON.parse(decompressChunk(bytes, dictionary)) as Advisory[];
    } catch (error) {
      throw damaged(dir, PACKAGES_FILE, `has a damaged entry for ${ecosystem} ${name} (${(error as Error).message})`);
    }
  }

  return {
    metadata,
    dir,
    advisoriesFor(ecosystem, name) {
      const location = section(ecosystem)?.find(packageKey(ecosystem, name));
      if (location === undefined) return [];
      if (location === "malformed") throw damaged(dir, INDEX_FILE, `has a malformed line in the section of ecosystem ${ecosystem}`);
      const [offset, length] = location;
      if (length === 0 || offset + length > packagesSize)
        throw damaged(dir, INDEX_FILE, `gives ${ecosystem} ${name} a location outside ${PACKAGES_FILE}`);
      return readChunk(ecosystem, name, offset, length);
    },
    ecosystems: () => Object.keys(metadata.ecosystems).sort(),
    close() {
      if (file !== undefined) closeSync(file);
      file = undefined;
    },
  };
}
