/**
 * A read-only reader of just what rpm's `rpmdb.sqlite` needs: the `Packages` table
 * (`hnum INTEGER PRIMARY KEY, blob BLOB`) found through the schema table, walked as the
 * SQLite file format documents its table b-trees, records and overflow pages. Every page
 * number and length is checked against the file, and every page is visited at most once.
 */

const MAGIC = "SQLite format 3\0";
const HEADER_SIZE = 100;
const SCHEMA_ROOT_PAGE = 1;
const PAGE_INTERIOR_TABLE = 5;
const PAGE_LEAF_TABLE = 13;

/** The header blobs of the `Packages` table, in rowid order. */
export function readSqlitePackages(file: Buffer): Buffer[] {
  const database = openDatabase(file);
  const schema = walkTable(database, SCHEMA_ROOT_PAGE).map(readRecord);
  // sqlite_schema columns: type, name, tbl_name, rootpage, sql.
  const packages = schema.find((row) => row[0] === "table" && row[1] === "Packages");
  if (!packages || typeof packages[3] !== "number") throw new Error("it has no Packages table");
  return walkTable(database, packages[3]).map((payload) => {
    const blob = readRecord(payload)[1];
    if (!Buffer.isBuffer(blob)) throw new Error("a Packages row has no blob");
    return blob;
  });
}

interface Database {
  file: Buffer;
  pageSize: number;
  usableSize: number;
  pageCount: number;
  visited: Set<number>;
}

function openDatabase(file: Buffer): Database {
  if (file.length < HEADER_SIZE || file.toString("latin1", 0, MAGIC.length) !== MAGIC) {
    throw new Error("it is not an SQLite 3 database");
  }
  const sizeField = file.readUInt16BE(16);
  const pageSize = sizeField === 1 ? 65536 : sizeField;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw new Error(`its page size ${pageSize} is invalid`);
  if (file.readUInt32BE(56) > 1) throw new Error("its text encoding is not UTF-8");
  return {
    file,
    pageSize,
    usableSize: pageSize - file.readUInt8(20),
    pageCount: Math.floor(file.length / pageSize),
    visited: new Set(),
  };
}

/** A page's bytes, once: a page number outside the file or seen before means corruption (or a loop). */
function page(database: Database, number: number): Buffer {
  if (number < 1 || number > database.pageCount) {
    throw new Error(`page ${number} is beyond its ${database.pageCount} pages (truncated?)`);
  }
  if (database.visited.has(number)) throw new Error(`page ${number} is referenced twice`);
  database.visited.add(number);
  return database.file.subarray((number - 1) * database.pageSize, number * database.pageSize);
}

/** The payloads of every row of the table b-tree rooted at `root`, left to right. */
function walkTable(database: Database, root: number): Buffer[] {
  const payloads: Buffer[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const number = pending.pop() as number;
    const bytes = page(database, number);
    const headerStart = number === 1 ? HEADER_SIZE : 0;
    const type = bytes.readUInt8(headerStart);
    const cellCount = bytes.readUInt16BE(headerStart + 3);
    if (type === PAGE_INTERIOR_TABLE) {
      const children = cellPointers(bytes, headerStart + 12, cellCount).map((cell) => readUInt32(bytes, cell));
      // A stack: push the right-most child first so the left-most is walked first.
      pending.push(bytes.readUInt32BE(headerStart + 8), ...children.reverse());
    } else if (type === PAGE_LEAF_TABLE) {
      for (const cell of cellPointers(bytes, headerStart + 8, cellCount)) payloads.push(leafPayload(database, bytes, cell));
    } else {
      throw new Error(`page ${number} is not a table b-tree page (type ${type})`);
    }
  }
  return payloads;
}

function cellPointers(bytes: Buffer, start: number, count: number): number[] {
  if (start + count * 2 > bytes.length) throw new Error("a page has more cells than fit in it");
  return Array.from({ length: count }, (_, index) => bytes.readUInt16BE(start + index * 2));
}

function readUInt32(bytes: Buffer, offset: number): number {
  if (offset + 4 > bytes.length) throw new Error("a cell runs past the end of its page");
  return bytes.readUInt32BE(offset);
}

/** A table leaf cell: payload size, rowid, the payload's local part and, if it spilled, its overflow chain. */
function leafPayload(database: Database, bytes: Buffer, cell: number): Buffer {
  const [payloadSize, afterSize] = readVarint(bytes, cell);
  const [, payloadStart] = readVarint(bytes, afterSize);
  const local = localPayloadSize(database.usableSize, payloadSize);
  if (payloadStart + local > bytes.length) throw new Error("a cell runs past the end of its page");
  const parts = [bytes.subarray(payloadStart, payloadStart + local)];
  let remaining = payloadSize - local;
  let next = remaining > 0 ? readUInt32(bytes, payloadStart + local) : 0;
  while (remaining > 0) {
    const overflow = page(database, next);
    const length = Math.min(remaining, database.usableSize - 4);
    parts.push(overflow.subarray(4, 4 + length));
    remaining -= length;
    next = overflow.readUInt32BE(0);
  }
  return Buffer.concat(parts);
}

/** How much of a table leaf payload is stored on the page itself (the file format's formula). */
function localPayloadSize(usable: number, payloadSize: number): number {
  const maxLocal = usable - 35;
  if (payloadSize <= maxLocal) return payloadSize;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const local = minLocal + ((payloadSize - minLocal) % (usable - 4));
  return local <= maxLocal ? local : minLocal;
}

/** A big-endian base-128 varint of up to 9 bytes → [value, the offset after it]. */
function readVarint(bytes: Buffer, offset: number): [number, number] {
  let value = 0;
  for (let index = 0; index < 9; index += 1) {
    if (offset + index >= bytes.length) throw new Error("a varint runs past the end of its page");
    const byte = bytes.readUInt8(offset + index);
    if (index === 8) return [value * 256 + byte, offset + 9];
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return [value, offset + index + 1];
  }
  throw new Error("unreachable");
}

type Value = null | number | string | Buffer;

/** A record: a header of serial types, then the values; only the types rpm's tables use are decoded. */
function readRecord(payload: Buffer): Value[] {
  const [headerSize, typesStart] = readVarint(payload, 0);
  if (headerSize > payload.length) throw new Error("a record header is longer than its record");
  const values: Value[] = [];
  let typeOffset = typesStart;
  let valueOffset = headerSize;
  while (typeOffset < headerSize) {
    const [serialType, next] = readVarint(payload, typeOffset);
    typeOffset = next;
    const length = serialLength(serialType);
    if (valueOffset + length > payload.length) throw new Error("a record value runs past the end of its record");
    values.push(decodeValue(payload.subarray(valueOffset, valueOffset + length), serialType));
    valueOffset += length;
  }
  return values;
}

const INTEGER_SIZES = [0, 1, 2, 3, 4, 6, 8];

function serialLength(serialType: number): number {
  if (serialType <= 6) return INTEGER_SIZES[serialType] as number;
  if (serialType === 7) return 8;
  if (serialType < 12) return 0;
  return Math.floor((serialType - (serialType % 2 === 0 ? 12 : 13)) / 2);
}

function decodeValue(bytes: Buffer, serialType: number): Value {
  if (serialType === 0) return null;
  if (serialType <= 6) return bytes.length === 8 ? Number(bytes.readBigInt64BE()) : bytes.readIntBE(0, bytes.length);
  if (serialType === 7) return bytes.readDoubleBE();
  if (serialType === 8 || serialType === 9) return serialType - 8;
  if (serialType < 12) throw new Error(`a record uses the reserved serial type ${serialType}`);
  return serialType % 2 === 0 ? Buffer.from(bytes) : bytes.toString("utf8");
}
