import { crc32, inflateRawSync } from "node:zlib";
import { UserError } from "../../../errors.js";

/**
 * A bounded reader of ZIP archives held in memory (jars, wars, ears), written from PKWARE's
 * APPNOTE: the central directory is the index, and only the entries asked for are inflated,
 * each against a byte budget, so a zip bomb costs at most that budget.
 */

/** One file in the central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Where the entry's local header starts, already corrected for bytes prepended to the archive. */
  localHeaderOffset: number;
}

/** Bytes an archive may still hand out; shared by an archive and every archive nested in it. */
export interface ReadBudget {
  remaining: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const END_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_END_SIZE = 56;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA = 0x0001;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;

/** Every entry of the archive's central directory; throws a UserError naming `label` when it is not a readable ZIP. */
export function zipEntries(archive: Buffer, label: string): ZipEntry[] {
  const end = findEnd(archive, label);
  const directory = centralDirectory(archive, end, label);
  // Bytes before the archive proper (a launch script on an executable jar) shift every offset.
  const shift = directory.actualOffset - directory.declaredOffset;
  const entries: ZipEntry[] = [];
  let position = directory.actualOffset;
  for (let index = 0; index < directory.count; index++) {
    const entry = centralEntry(archive, position, directory.actualOffset + directory.size, label);
    entry.entry.localHeaderOffset += shift;
    entries.push(entry.entry);
    position = entry.next;
  }
  return entries;
}

/**
 * The entry's bytes, inflated when deflated. Refuses entries over `cap`, and takes what it
 * reads from `budget`; a declared size that lies, a bad checksum or bounds outside the
 * archive are errors naming `label`.
 */
export function readEntry(archive: Buffer, entry: ZipEntry, cap: number, budget: ReadBudget, label: string): Buffer {
  const where = `${label}!/${entry.name}`;
  if (entry.flags & FLAG_ENCRYPTED) throw new UserError(`${where} is encrypted`);
  const limit = Math.min(cap, budget.remaining);
  if (entry.uncompressedSize > limit) {
    throw new UserError(`${where} is ${entry.uncompressedSize} bytes uncompressed, over the ${limit}-byte limit left for this archive`);
  }
  const start = dataStart(archive, entry, where);
  if (start + entry.compressedSize > archive.length) throw new UserError(`${where}: its data runs past the end of the archive`);
  const content = contentOf(archive.subarray(start, start + entry.compressedSize), entry, where);
  if (content.length !== entry.uncompressedSize) {
    throw new UserError(`${where} is ${content.length} bytes uncompressed, but the directory says ${entry.uncompressedSize}`);
  }
  if (crc32(content) !== entry.crc) throw new UserError(`${where}: the CRC-32 does not match its content`);
  budget.remaining -= content.length;
  return content;
}

function contentOf(stored: Buffer, entry: ZipEntry, where: string): Buffer {
  if (entry.method === METHOD_STORED) return stored;
  if (entry.method !== METHOD_DEFLATED) throw new UserError(`${where} uses compression method ${entry.method}, not stored or deflated`);
  try {
    // The declared size is already within the limit; maxOutputLength stops zlib as soon as the
    // output would pass it, so an entry that lies about its size is never inflated further.
    return inflateRawSync(stored, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw new UserError(`${where} inflates past the ${entry.uncompressedSize} bytes its directory entry declares (a zip bomb?)`);
    }
    throw new UserError(`${where} does not inflate: ${(error as Error).message}`);
  }
}

interface EndRecord {
  position: number;
  count: number;
  size: number;
  offset: number;
}

/** The end of central directory record, searched backwards over the longest possible comment. */
function findEnd(archive: Buffer, label: string): EndRecord {
  const lowest = Math.max(0, archive.length - END_SIZE - MAX_COMMENT);
  for (let position = archive.length - END_SIZE; position >= lowest; position--) {
    if (archive.readUInt32LE(position) !== END_OF_CENTRAL_DIRECTORY) continue;
    if (position + END_SIZE + archive.readUInt16LE(position + 20) !== archive.length) continue;
    return {
      position,
      count: archive.readUInt16LE(position + 10),
      size: archive.readUInt32LE(position + 12),
      offset: archive.readUInt32LE(position + 16),
    };
  }
  throw new UserError(`${label} is not a ZIP archive (no end of central directory record)`);
}

interface Directory {
  count: number;
  size: number;
  declaredOffset: number;
  actualOffset: number;
}

/** Where the central directory is, from the end record or its ZIP64 counterpart, checked against the archive's bounds. */
function centralDirectory(archive: Buffer, end: EndRecord, label: string): Directory {
  let { count, size, offset } = end;
  let directoryEnd = end.position;
  const locator = end.position - ZIP64_LOCATOR_SIZE;
  if (locator >= 0 && archive.readUInt32LE(locator) === ZIP64_END_LOCATOR) {
    const zip64 = archive.readBigUInt64LE(locator + 8);
    // The ZIP64 record sits right before its locator; the locator's absolute offset may be shifted by prepended bytes.
    const position = locator - ZIP64_END_SIZE;
    if (position < 0 || archive.readUInt32LE(position) !== ZIP64_END_OF_CENTRAL_DIRECTORY || zip64 > BigInt(archive.length)) {
      throw new UserError(`${label}: the ZIP64 end of central directory record is missing or out of bounds`);
    }
    count = safeNumber(archive.readBigUInt64LE(position + 32), label);
    size = safeNumber(archive.readBigUInt64LE(position + 40), label);
    offset = safeNumber(archive.readBigUInt64LE(position + 48), label);
    directoryEnd = position;
  }
  const actualOffset = directoryEnd - size;
  if (actualOffset < 0 || offset > actualOffset) {
    throw new UserError(`${label}: the central directory (${size} bytes at offset ${offset}) lies outside the archive`);
  }
  if (count * CENTRAL_HEADER_SIZE > size) {
    throw new UserError(`${label}: the central directory claims ${count} entries, more than its ${size} bytes can hold`);
  }
  return { count, size, declaredOffset: offset, actualOffset };
}

function centralEntry(archive: Buffer, position: number, limit: number, label: string): { entry: ZipEntry; next: number } {
  if (position + CENTRAL_HEADER_SIZE > limit || archive.readUInt32LE(position) !== CENTRAL_HEADER) {
    throw new UserError(`${label}: a central directory entry at offset ${position} is malformed or out of bounds`);
  }
  const flags = archive.readUInt16LE(position + 8);
  const nameLength = archive.readUInt16LE(position + 28);
  const extraLength = archive.readUInt16LE(position + 30);
  const commentLength = archive.readUInt16LE(position + 32);
  const next = position + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
  if (next > limit) throw new UserError(`${label}: a central directory entry at offset ${position} runs past the directory`);
  const nameStart = position + CENTRAL_HEADER_SIZE;
  const name = archive.toString(flags & FLAG_UTF8 ? "utf8" : "latin1", nameStart, nameStart + nameLength);
  const entry: ZipEntry = {
    name,
    flags,
    method: archive.readUInt16LE(position + 10),
    crc: archive.readUInt32LE(position + 16),
    compressedSize: archive.readUInt32LE(position + 20),
    uncompressedSize: archive.readUInt32LE(position + 24),
    localHeaderOffset: archive.readUInt32LE(position + 42),
  };
  applyZip64Extra(entry, archive.subarray(nameStart + nameLength, nameStart + nameLength + extraLength), label);
  return { entry, next };
}

/** APPNOTE 4.5.3: the 64-bit values, in this order, for exactly the fields that hold 0xFFFFFFFF. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer, label: string): void {
  const fields = (["uncompressedSize", "compressedSize", "localHeaderOffset"] as const).filter((field) => entry[field] === 0xffffffff);
  if (fields.length === 0) return;
  for (let position = 0; position + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(position);
    const length = extra.readUInt16LE(position + 2);
    if (id === ZIP64_EXTRA && length >= fields.length * 8 && position + 4 + length <= extra.length) {
      fields.forEach((field, index) => {
        entry[field] = safeNumber(extra.readBigUInt64LE(position + 4 + index * 8), label);
      });
      return;
    }
    position += 4 + length;
  }
  throw new UserError(`${label}!/${entry.name}: sizes or offset need a ZIP64 extra field that is missing`);
}

/** Where the entry's data starts, past its local header (whose name and extra lengths may differ from the directory's). */
function dataStart(archive: Buffer, entry: ZipEntry, where: string): number {
  const header = entry.localHeaderOffset;
  if (header < 0 || header + LOCAL_HEADER_SIZE > archive.length || archive.readUInt32LE(header) !== LOCAL_HEADER) {
    throw new UserError(`${where}: its local header (offset ${header}) is missing or outside the archive`);
  }
  const start = header + LOCAL_HEADER_SIZE + archive.readUInt16LE(header + 26) + archive.readUInt16LE(header + 28);
  if (start > archive.length) throw new UserError(`${where}: its local header runs past the end of the archive`);
  return start;
}

function safeNumber(value: bigint, label: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new UserError(`${label}: a ZIP64 size or offset is impossibly large`);
  return Number(value);
}
