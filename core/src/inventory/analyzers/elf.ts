/** Where one section of an ELF file lies in the file. */
export interface ElfSection {
  offset: number;
  size: number;
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const CLASS_32 = 1;
const CLASS_64 = 2;
const LITTLE_ENDIAN = 1;
const BIG_ENDIAN = 2;
/** Section types without file contents: SHT_NULL and SHT_NOBITS (.bss). */
const NO_CONTENT_TYPES = new Set([0, 8]);

export function isElf(content: Buffer): boolean {
  return content.length >= 4 && content.subarray(0, 4).equals(ELF_MAGIC);
}

/**
 * The named section's place in the file, or undefined when the file is not an ELF file, has
 * no such section or is cut short. Every offset is checked against the buffer, so a truncated
 * or forged header never reads out of bounds.
 */
export function elfSection(content: Buffer, name: string): ElfSection | undefined {
  if (!isElf(content) || content.length < 64) return undefined;
  const reader = elfReader(content);
  if (!reader) return undefined;
  const { word, half, is64 } = reader;
  const sectionTable = word(is64 ? 0x28 : 0x20);
  const entrySize = half(is64 ? 0x3a : 0x2e);
  const count = half(is64 ? 0x3c : 0x30);
  const namesIndex = half(is64 ? 0x3e : 0x32);
  if (entrySize < (is64 ? 64 : 40) || namesIndex >= count || !fits(content, sectionTable, entrySize * count)) return undefined;
  const header = (index: number) => {
    const base = sectionTable + index * entrySize;
    return {
      nameOffset: reader.u32(base),
      type: reader.u32(base + 4),
      offset: word(base + (is64 ? 0x18 : 0x10)),
      size: word(base + (is64 ? 0x20 : 0x14)),
    };
  };
  const names = header(namesIndex);
  if (!fits(content, names.offset, names.size)) return undefined;
  const wanted = Buffer.from(`${name}\0`, "latin1");
  for (let index = 0; index < count; index += 1) {
    const section = header(index);
    if (NO_CONTENT_TYPES.has(section.type) || section.nameOffset + wanted.length > names.size) continue;
    const nameStart = names.offset + section.nameOffset;
    if (!content.subarray(nameStart, nameStart + wanted.length).equals(wanted)) continue;
    return fits(content, section.offset, section.size) ? { offset: section.offset, size: section.size } : undefined;
  }
  return undefined;
}

interface ElfReader {
  is64: boolean;
  u32(offset: number): number;
  half(offset: number): number;
  /** An address or offset: 32 or 64 bits by class; beyond 2^53 it is returned as Infinity, which no bound check passes. */
  word(offset: number): number;
}

function elfReader(content: Buffer): ElfReader | undefined {
  const elfClass = content[4];
  const encoding = content[5];
  if ((elfClass !== CLASS_32 && elfClass !== CLASS_64) || (encoding !== LITTLE_ENDIAN && encoding !== BIG_ENDIAN)) return undefined;
  const little = encoding === LITTLE_ENDIAN;
  const is64 = elfClass === CLASS_64;
  const u32 = (offset: number) => (fits(content, offset, 4) ? (little ? content.readUInt32LE(offset) : content.readUInt32BE(offset)) : 0);
  const half = (offset: number) => (fits(content, offset, 2) ? (little ? content.readUInt16LE(offset) : content.readUInt16BE(offset)) : 0);
  const u64 = (offset: number) => {
    if (!fits(content, offset, 8)) return 0;
    const value = little ? content.readBigUInt64LE(offset) : content.readBigUInt64BE(offset);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  };
  return { is64, u32, half, word: is64 ? u64 : u32 };
}

function fits(content: Buffer, offset: number, length: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= content.length;
}
