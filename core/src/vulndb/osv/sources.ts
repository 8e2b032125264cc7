import { type Dirent, readFileSync, type Stats, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../errors.js";
import { compareStrings } from "../../versions/order.js";
import { type RecordFormat, recordFormatOf } from "./parse.js";
import { zipRecords } from "./zip.js";

const MIB = 1024 * 1024;
/** Far beyond any real OSV record (the largest, Ubuntu's kernel CVEs, are a few MiB); a bigger file is not one. */
export const RECORD_LIMIT = 16 * MIB;

/** One record's bytes and where they came from, or why they could not be read. */
export type RawRecord = { origin: string; format: RecordFormat; bytes: Buffer } | { origin: string; problem: string };

const PATH_HINT = "Pass a directory of OSV records (*.json, *.yaml), an OSV export (<ECOSYSTEM>/all.zip) or one record file.";

/**
 * Checks `path` now, so a wrong path fails before any ingestion, and returns the stream of
 * its records: a directory's record files (recursively), a zip archive's JSON entries, or
 * one record file.
 */
export async function recordSource(path: string): Promise<() => AsyncGenerator<RawRecord>> {
  const found = await statOf(path);
  if (found.isDirectory()) return () => directoryRecords(path);
  if (found.isFile() && path.endsWith(".zip")) return () => zipRecords(path, RECORD_LIMIT);
  const format = recordFormatOf(path);
  if (found.isFile() && format) return () => singleRecord({ path, format });
  throw new UserError(`OSV source ${path} is neither a directory, a .zip archive nor a .json/.yaml record.`, PATH_HINT);
}

async function statOf(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? (error as Error).message})`;
    throw new UserError(`OSV source ${path} ${problem}.`, PATH_HINT);
  }
}

async function* singleRecord(file: RecordFile): AsyncGenerator<RawRecord> {
  yield readRecordFile(file);
}

/** The directory's record files in path order. */
async function* directoryRecords(directory: string): AsyncGenerator<RawRecord> {
  for (const file of await recordFiles(directory)) yield readRecordFile(file);
}

interface RecordFile {
  path: string;
  format: RecordFormat;
}

/** Record files in name order, directories depth first; hidden directories (`.git`, `.github`) hold no records. */
async function recordFiles(directory: string): Promise<RecordFile[]> {
  const files: RecordFile[] = [];
  for (const entry of await sortedEntries(directory)) {
    const path = join(directory, entry.name);
    const format = recordFormatOf(entry.name);
    if (entry.isDirectory() && !entry.name.startsWith(".")) files.push(...(await recordFiles(path)));
    else if (entry.isFile() && format) files.push({ path, format });
  }
  return files;
}

async function sortedEntries(directory: string): Promise<Dirent[]> {
  try {
    const entries = await readdir(directory, { withFileTypes: true });
    return entries.sort((a, b) => compareStrings(a.name, b.name));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UserError(`OSV directory ${directory} cannot be listed (${code}).`, "Check its permissions.");
  }
}

/**
 * One file is one record: one too big to be a record is counted, not read, and does not stop
 * the rest. Read synchronously: records are a few KiB, and each asynchronous stat, open, read
 * and close waits on the thread pool longer than the read takes (4,291 Go records: 0.2 s
 * synchronously, 0.8 s with 16 reads in flight).
 */
function readRecordFile({ path, format }: RecordFile): RawRecord {
  try {
    const { size } = statSync(path);
    if (size <= RECORD_LIMIT) return { origin: path, format, bytes: readFileSync(path) };
    return { origin: path, problem: `${(size / MIB).toFixed(1)} MiB, over the ${RECORD_LIMIT / MIB} MiB limit for one record` };
  } catch (error) {
    return { origin: path, problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
}
