/**
 * rpm's header blob, as rpm databases store it (the header without its lead magic): a
 * big-endian index count and data length, the index entries (tag, type, offset, count; 16
 * bytes each) and the data store the offsets point into.
 */

/** rpm's own limits on a header (hdrIndexMax, hdrDataMax): beyond them a blob is not a header. */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA_LENGTH = 0x0fffffff;
const INDEX_ENTRY_SIZE = 16;
const PREAMBLE_SIZE = 8;

const TAG = { name: 1000, version: 1001, release: 1002, epoch: 1003, arch: 1022, sourceRpm: 1044 } as const;
const TYPE_INT32 = 4;
const TYPE_STRING = 6;

/** The fields of one installed package that identify it. */
export interface RpmHeader {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  arch?: string;
  /** `name-version-release.src.rpm`; absent on source packages and gpg-pubkey entries. */
  sourceRpm?: string;
}

/** Reads a header blob; throws an Error saying what is wrong when it is not a well-formed header. */
export function readHeader(blob: Buffer): RpmHeader {
  if (blob.length < PREAMBLE_SIZE) throw new Error(`a header of ${blob.length} bytes is too short`);
  const indexCount = blob.readUInt32BE(0);
  const dataLength = blob.readUInt32BE(4);
  if (indexCount > MAX_INDEX_ENTRIES || dataLength > MAX_DATA_LENGTH) {
    throw new Error(`a header claims ${indexCount} index entries and ${dataLength} data bytes, beyond rpm's limits`);
  }
  const dataStart = PREAMBLE_SIZE + indexCount * INDEX_ENTRY_SIZE;
  if (dataStart + dataLength > blob.length) {
    throw new Error(`a header claims ${dataStart + dataLength} bytes but has ${blob.length}`);
  }
  const data = blob.subarray(dataStart, dataStart + dataLength);
  const values = new Map<number, string | number>();
  for (let entry = PREAMBLE_SIZE; entry < dataStart; entry += INDEX_ENTRY_SIZE) {
    const tag = blob.readUInt32BE(entry);
    if (!Object.values(TAG).includes(tag as never) || values.has(tag)) continue;
    values.set(tag, readValue(data, tag, blob.readUInt32BE(entry + 4), blob.readUInt32BE(entry + 8)));
  }
  const text = (tag: number) => (typeof values.get(tag) === "string" ? (values.get(tag) as string) : undefined);
  const name = text(TAG.name);
  const version = text(TAG.version);
  const release = text(TAG.release);
  if (!name || !version || release === undefined) throw new Error("a header without a name, version or release");
  const epoch = values.get(TAG.epoch);
  return {
    name,
    epoch: typeof epoch === "number" ? epoch : undefined,
    version,
    release,
    arch: text(TAG.arch),
    sourceRpm: text(TAG.sourceRpm),
  };
}

function readValue(data: Buffer, tag: number, type: number, offset: number): string | number {
  if (tag === TAG.epoch) {
    if (type !== TYPE_INT32 || offset + 4 > data.length) throw new Error(`the epoch of a header is not a number inside it`);
    return data.readUInt32BE(offset);
  }
  if (type !== TYPE_STRING) throw new Error(`header tag ${tag} is of type ${type}, not a string`);
  const end = offset < data.length ? data.indexOf(0, offset) : -1;
  if (end < 0) throw new Error(`header tag ${tag} points outside the header's data`);
  return data.toString("utf8", offset, end);
}

/** `name-version-release.src.rpm` → its name and `version-release`; undefined when it is not of that shape. */
export function parseSourceRpm(sourceRpm: string): { name: string; version: string } | undefined {
  const [, name, version, release] = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(sourceRpm) ?? [];
  return name && version && release ? { name, version: `${version}-${release}` } : undefined;
}
