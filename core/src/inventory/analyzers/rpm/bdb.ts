/**
 * A read-only reader of rpm's BerkeleyDB `Packages` file (a hash database, RHEL ≤ 8,
 * CentOS, Amazon Linux 2): every hash page's key/data pairs, with data too large for a
 * page followed along its chain of overflow pages. Pages are read in the database's byte
 * order (the meta page's magic says which); every page number is checked against the file.
 */

const HASH_MAGIC = 0x061561;
const META_TYPE_HASH = 8;
const PAGE_HEADER_SIZE = 26;
const PAGE_HASH_UNSORTED = 2;
const PAGE_HASH = 13;
const PAGE_OVERFLOW = 7;
const ITEM_KEYDATA = 1;
const ITEM_OFFPAGE = 3;
/** rpm's header limits (index entries and data bytes) bound a header blob. */
const MAX_HEADER_SIZE = 8 + 0xffff * 16 + 0x0fffffff;

/** The header blobs of a `Packages` hash database (the record keyed 0 holds rpm's counter, not a header). */
export function readBdbPackages(file: Buffer): Buffer[] {
  const database = openDatabase(file);
  const blobs: Buffer[] = [];
  for (let number = 1; number < database.pageCount; number += 1) {
    const bytes = pageBytes(database, number);
    const type = bytes.readUInt8(25);
    if (type !== PAGE_HASH && type !== PAGE_HASH_UNSORTED) continue;
    const items = pageItems(database, bytes);
    for (let index = 0; index + 1 < items.length; index += 2) {
      const key = itemValue(database, items[index] as Buffer);
      if (key.length === 4 && database.readUInt32(key, 0) === 0) continue;
      blobs.push(itemValue(database, items[index + 1] as Buffer));
    }
  }
  return blobs;
}

interface Database {
  file: Buffer;
  pageSize: number;
  pageCount: number;
  readUInt32(bytes: Buffer, offset: number): number;
  readUInt16(bytes: Buffer, offset: number): number;
}

function openDatabase(file: Buffer): Database {
  if (file.length < 512) throw new Error("it is too short for a BerkeleyDB database");
  const littleEndian = file.readUInt32LE(12) === HASH_MAGIC;
  if (!littleEndian && file.readUInt32BE(12) !== HASH_MAGIC) {
    throw new Error("it is not a BerkeleyDB hash database (bad magic)");
  }
  const readUInt32 = (bytes: Buffer, offset: number) => (littleEndian ? bytes.readUInt32LE(offset) : bytes.readUInt32BE(offset));
  const readUInt16 = (bytes: Buffer, offset: number) => (littleEndian ? bytes.readUInt16LE(offset) : bytes.readUInt16BE(offset));
  const pageSize = readUInt32(file, 20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new Error(`its page size ${pageSize} is invalid`);
  if (file.readUInt8(25) !== META_TYPE_HASH) throw new Error("its first page is not a hash meta page");
  if (file.readUInt8(24) !== 0) throw new Error("it is encrypted");
  return { file, pageSize, pageCount: Math.floor(file.length / pageSize), readUInt32, readUInt16 };
}

function pageBytes(database: Database, number: number): Buffer {
  if (number < 1 || number >= database.pageCount) {
    throw new Error(`page ${number} is beyond its ${database.pageCount} pages (truncated?)`);
  }
  return database.file.subarray(number * database.pageSize, (number + 1) * database.pageSize);
}

/** A hash page's items: its offset array points at them, packed from the page's end downwards. */
function pageItems(database: Database, bytes: Buffer): Buffer[] {
  const count = database.readUInt16(bytes, 20);
  if (PAGE_HEADER_SIZE + count * 2 > bytes.length) throw new Error("a hash page has more items than fit in it");
  const items: Buffer[] = [];
  let end = bytes.length;
  for (let index = 0; index < count; index += 1) {
    const start = database.readUInt16(bytes, PAGE_HEADER_SIZE + index * 2);
    if (start < PAGE_HEADER_SIZE + count * 2 || start >= end) throw new Error("a hash page's item offsets are out of order");
    items.push(bytes.subarray(start, end));
    end = start;
  }
  return items;
}

/** An item's bytes: stored in place, or on a chain of overflow pages. Duplicate sets are not used by rpm. */
function itemValue(database: Database, item: Buffer): Buffer {
  const type = item.readUInt8(0);
  if (type === ITEM_KEYDATA) return item.subarray(1);
  if (type !== ITEM_OFFPAGE || item.length < 12) throw new Error(`a hash item has the unsupported type ${type}`);
  return overflowValue(database, database.readUInt32(item, 4), database.readUInt32(item, 8));
}

function overflowValue(database: Database, first: number, totalLength: number): Buffer {
  if (totalLength > MAX_HEADER_SIZE) throw new Error(`an item claims ${totalLength} bytes, more than any rpm header`);
  const parts: Buffer[] = [];
  let collected = 0;
  let number = first;
  // Each page adds at least one byte, so the chain cannot loop longer than the file has pages.
  for (let pages = 0; collected < totalLength; pages += 1) {
    if (pages >= database.pageCount) throw new Error("an overflow chain loops");
    const bytes = pageBytes(database, number);
    if (bytes.readUInt8(25) !== PAGE_OVERFLOW) throw new Error(`page ${number} is not an overflow page`);
    const length = Math.min(database.readUInt16(bytes, 22), totalLength - collected);
    if (length === 0 || PAGE_HEADER_SIZE + length > bytes.length) throw new Error(`overflow page ${number} has a bad length`);
    parts.push(bytes.subarray(PAGE_HEADER_SIZE, PAGE_HEADER_SIZE + length));
    collected += length;
    number = database.readUInt32(bytes, 16);
  }
  return Buffer.concat(parts);
}
