/**
 * The on-disk format of the vulnerability database (docs/database.md describes it in full):
 *
 * - `metadata.json`: what was built from what, and the size and SHA-256 of every other file;
 * - `index.tsv`: per ecosystem, a section of lines sorted by package key, each giving the
 *   offset and length of that package's chunk in `packages.bin` (see index-file.ts);
 * - `packages.bin`: per package, its advisories as a JSON array, zlib-compressed with the
 *   preset dictionary `dictionary.bin` (zlib's Adler-32 checks each chunk as it is read).
 */
import { UserError } from "../../errors.js";
import { isRecord } from "../../records.js";
import type { IngestStats } from "../types.js";

/** Bumped whenever a reader of the previous version could not read what a writer now writes. */
export const SCHEMA_VERSION = 1;

export const METADATA_FILE = "metadata.json";
export const INDEX_FILE = "index.tsv";
export const PACKAGES_FILE = "packages.bin";
export const DICTIONARY_FILE = "dictionary.bin";
/** The files metadata.json lists with their checksums, in the order an artifact stores them. */
export const CHECKSUMMED_FILES = [DICTIONARY_FILE, INDEX_FILE, PACKAGES_FILE] as const;

/** Far beyond any real metadata (it grows with the number of ecosystems and sources only). */
export const METADATA_LIMIT = 16 * 1024 * 1024;

export interface FileChecksum {
  size: number;
  /** Hex SHA-256 of the file. */
  sha256: string;
}

/** An advisory feed read into the database: OSV files or an OVAL feed. */
export interface AdvisorySourceSummary {
  kind: "osv" | "oval";
  path: string;
  /** The newest `modified` of its advisories; absent when it gave none. */
  timestamp?: string;
  stats: IngestStats;
  /** OVAL: definition shapes the reader did not understand (and skipped), by what. */
  unknownShapes?: Record<string, number>;
}

export interface KevSourceSummary {
  kind: "kev";
  path: string;
  /** The catalog's `dateReleased`. */
  timestamp: string;
  catalogVersion: string;
  entries: number;
  /** Advisories that got a KEV entry. */
  matched: number;
}

export interface EpssSourceSummary {
  kind: "epss";
  path: string;
  /** The scores' day (`score_date`), when the file says. */
  timestamp?: string;
  modelVersion?: string;
  entries: number;
  malformedRows: number;
  /** Advisories that got an EPSS score. */
  matched: number;
}

export type SourceSummary = AdvisorySourceSummary | KevSourceSummary | EpssSourceSummary;

export interface EcosystemSummary {
  /** Distinct advisories with at least one package of this ecosystem. */
  advisories: number;
  packages: number;
  /** Where this ecosystem's section is in index.tsv. */
  index: { offset: number; length: number };
}

export interface DatabaseMetadata {
  schemaVersion: number;
  /** ISO 8601; the age of the database is measured from here. */
  builtAt: string;
  /** `portcullis 0.1.0`. */
  builtBy: string;
  sources: SourceSummary[];
  totals: {
    /** Distinct advisory ids stored. */
    advisories: number;
    /** Index entries: (ecosystem, package) pairs. */
    packages: number;
    /** The same advisory id read twice for one package: the newest `modified` was kept. */
    duplicates: number;
  };
  /** By the exact ecosystem string (`Debian:12`, `PyPI`). */
  ecosystems: Record<string, EcosystemSummary>;
  /** The advisory sources' ingestion statistics summed. */
  ingestion: IngestStats;
  files: Record<string, FileChecksum>;
}

/** The message for any damaged or missing part of a database, and what to do about it. */
export function damaged(dir: string, file: string, problem: string): UserError {
  return new UserError(
    `vulnerability database ${dir}: ${file} ${problem}; rebuild it (portcullis db build) or pull it again (portcullis db pull)`,
  );
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function checkSchemaVersion(value: unknown, dir: string): void {
  if (!Number.isSafeInteger(value)) throw damaged(dir, METADATA_FILE, "has no integer schemaVersion");
  if ((value as number) > SCHEMA_VERSION) {
    throw new UserError(
      `vulnerability database ${dir} was built by a newer portcullis (schema ${value}; this one reads ${SCHEMA_VERSION}): upgrade portcullis`,
    );
  }
  if (value !== SCHEMA_VERSION) {
    throw damaged(dir, METADATA_FILE, `says schema ${value}, an older format this portcullis no longer reads (it reads ${SCHEMA_VERSION})`);
  }
}

function checkFiles(files: unknown, dir: string): void {
  if (!isRecord(files)) throw damaged(dir, METADATA_FILE, "lists no file checksums");
  for (const name of CHECKSUMMED_FILES) {
    const entry = files[name];
    if (!isRecord(entry) || !isCount(entry.size) || typeof entry.sha256 !== "string" || !/^[a-f0-9]{64}$/.test(entry.sha256))
      throw damaged(dir, METADATA_FILE, `has no valid size and sha256 for ${name}`);
  }
}

function checkEcosystems(ecosystems: unknown, dir: string): void {
  if (!isRecord(ecosystems)) throw damaged(dir, METADATA_FILE, "lists no ecosystems");
  for (const [name, summary] of Object.entries(ecosystems)) {
    const index = isRecord(summary) ? summary.index : undefined;
    if (!isRecord(summary) || !isCount(summary.advisories) || !isCount(summary.packages) || !isRecord(index))
      throw damaged(dir, METADATA_FILE, `has a malformed entry for ecosystem ${JSON.stringify(name)}`);
    if (!isCount(index.offset) || !isCount(index.length))
      throw damaged(dir, METADATA_FILE, `has a malformed index location for ecosystem ${JSON.stringify(name)}`);
  }
}

/** metadata.json's bytes as metadata, checked as far as reading the database relies on it. */
export function parseMetadata(bytes: Buffer, dir: string): DatabaseMetadata {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw damaged(dir, METADATA_FILE, `is not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(value)) throw damaged(dir, METADATA_FILE, "is not a JSON object");
  checkSchemaVersion(value.schemaVersion, dir);
  if (typeof value.builtAt !== "string" || Number.isNaN(Date.parse(value.builtAt)))
    throw damaged(dir, METADATA_FILE, "has no valid builtAt time");
  checkFiles(value.files, dir);
  checkEcosystems(value.ecosystems, dir);
  if (!Array.isArray(value.sources) || !isRecord(value.totals) || !isRecord(value.ingestion))
    throw damaged(dir, METADATA_FILE, "lacks its sources, totals or ingestion statistics");
  return value as unknown as DatabaseMetadata;
}
