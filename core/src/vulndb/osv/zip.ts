import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { crc32, inflateRawSync } from "node:zlib";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { UserError } from "../../errors.js";
import { recordFormatOf } from "./parse.js";
import type { RawRecord } from "./sources.js";

const MIB = 1024 * 1024;
/**
 * The most an archive may inflate to, as a multiple of its own size: OSV records, each
 * deflated on its own, shrink a few times (Go's 4,291 records: 8.1 MB to 3.4 MB), while
 * entries that overlap or repeat one compressed stream (a "non-recursive" zip bomb) reach
 * thousands to one. Small archives get at least MIN_BUDGET.
 */
const MAX_RATIO = 200;
const MIN_BUDGET = 256 * MIB;
const BOMB_HINT = "An OSV export holds small JSON records: check that this is the file you meant.";
const REFETCH_HINT = "Download the OSV export (<ECOSYSTEM>/all.zip) again, or pass a directory of OSV records instead.";

/**
 * The JSON records of an OSV export (`all.zip`: one `<ID>.json` per advisory), one entry at a
 * time: the archive is never read whole, each entry is inflated only up to what its directory
 * entry declares (at most `recordLimit` bytes) and is checked against its CRC-32.
 * A damaged archive, or one that inflates past the declared sizes or MAX_RATIO, is a
 * UserError naming the file, thrown when the reader reaches the problem.
 */
export async function* zipRecords(path: string, recordLimit: number): AsyncGenerator<RawRecord> {
  const { zip, reader } = await openArchive(path);
  let budgetLeft = Math.max(MIN_BUDGET, zip.fileSize * MAX_RATIO);
  try {
    for await (const entry of zip.eachEntry()) {
      if (recordFormatOf(entry.fileName) !== "json") continue;
      refuseOversized(path, entry, recordLimit, budgetLeft);
      const bytes = await readEntry(zip, reader, entry, path);
      budgetLeft -= bytes.length;
      yield { origin: `${path}!/${entry.fileName}`, format: "json", bytes };
    }
  } catch (error) {
    throw error instanceof UserError ? error : new UserError(`OSV archive ${path} is damaged: ${messageOf(error)}.`, REFETCH_HINT);
  } finally {
    zip.close();
  }
}

/** Checked on the declared size, before a byte is inflated: a bomb is refused at no cost. */
function refuseOversized(path: string, entry: Entry, recordLimit: number, budgetLeft: number): void {
  const where = `OSV archive entry ${path}!/${entry.fileName}`;
  const declared = `declares ${entry.uncompressedSize} bytes uncompressed (${entry.compressedSize} compressed)`;
  // Deflate never needs much more room than the data it packs: a bigger compressed size is no record either.
  if (Math.max(entry.uncompressedSize, entry.compressedSize) > recordLimit) {
    throw new UserError(`${where} ${declared}, over the ${recordLimit / MIB} MiB limit for one record: refused as a zip bomb.`, BOMB_HINT);
  }
  if (entry.uncompressedSize > budgetLeft) {
    throw new UserError(
      `${where} ${declared}, which would take the archive past ${MAX_RATIO} times its own size inflated: refused as a zip bomb.`,
      BOMB_HINT,
    );
  }
}

async function openArchive(path: string): Promise<{ zip: ZipFile; reader: SyncFileReader }> {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const reader = new SyncFileReader(fd, fstatSync(fd).size);
    const zip = await yauzl.fromRandomAccessReaderPromise(reader, reader.size, { lazyEntries: true, autoClose: false });
    return { zip, reader };
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    throw new UserError(`OSV archive ${path} is not a readable zip file (${messageOf(error)}).`, REFETCH_HINT);
  }
}

const STORED = 0;
const DEFLATED = 8;

/**
 * The entry's bytes: its raw data read at once (never more than a record may inflate to) and
 * inflated in one synchronous call that stops the moment the output would pass the declared
 * size. yauzl parses the headers; a stream per entry would wait on the thread pool per chunk.
 */
async function readEntry(zip: ZipFile, reader: SyncFileReader, entry: Entry, path: string): Promise<Buffer> {
  const where = `OSV archive entry ${path}!/${entry.fileName}`;
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    throw new UserError(`${where} uses compression method ${entry.compressionMethod}, not stored or deflated.`, REFETCH_HINT);
  }
  if (entry.isEncrypted()) throw new UserError(`${where} is encrypted.`, REFETCH_HINT);
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  const raw = reader.bytes(fileDataStart, entry.compressedSize, where);
  const bytes = entry.compressionMethod === STORED ? raw : inflated(raw, entry, where);
  if (bytes.length !== entry.uncompressedSize) {
    throw new UserError(`${where} holds ${bytes.length} bytes, but its directory entry declares ${entry.uncompressedSize}.`, REFETCH_HINT);
  }
  if (crc32(bytes) !== entry.crc32) throw new UserError(`${where} fails its CRC-32 check.`, REFETCH_HINT);
  return bytes;
}

function inflated(raw: Buffer, entry: Entry, where: string): Buffer {
  try {
    return inflateRawSync(raw, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new UserError(
        `${where} inflates past the ${entry.uncompressedSize} bytes its directory entry declares: refused as a zip bomb.`,
        BOMB_HINT,
      );
    }
    throw new UserError(`${where} cannot be inflated (${messageOf(error)}).`, REFETCH_HINT);
  }
}

/**
 * yauzl's own file reader sends every header read through the thread pool, which costs more
 * than the read itself for records of a few KiB; this one reads synchronously.
 */
class SyncFileReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {
    super();
  }

  /** `length` bytes at `position`; an entry's data must lie within the file. */
  bytes(position: number, length: number, where: string): Buffer {
    if (position + length > this.size) throw new UserError(`${where}: its data runs past the end of the archive.`, REFETCH_HINT);
    const buffer = Buffer.allocUnsafe(length);
    if (readSync(this.fd, buffer, 0, length, position) < length) throw new UserError(`${where}: the archive ends early.`, REFETCH_HINT);
    return buffer;
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (error: Error | null) => void): void {
    let failure: Error | null = null;
    try {
      if (readSync(this.fd, buffer, offset, length, position) < length) failure = new Error("unexpected end of file");
    } catch (error) {
      failure = error as Error;
    }
    // yauzl expects the callback later, not within this call.
    setImmediate(callback, failure);
  }

  override close(callback: (error: Error | null) => void): void {
    closeSync(this.fd);
    setImmediate(callback, null);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
