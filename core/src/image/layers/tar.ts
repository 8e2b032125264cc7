/**
 * A streaming reader of tar archives (ustar, PAX and GNU long names), fed synchronously
 * one chunk at a time. It keeps nothing but the current header and the bodies its visitor
 * asks for, so a layer of any size passes through in constant memory.
 */

const BLOCK = 512;
/** PAX and GNU long-name bodies are metadata; anything larger is hostile. */
const MAX_METADATA_BYTES = 1024 * 1024;

export type TarEntryType = "file" | "hardlink" | "symlink" | "directory" | "other";

export interface TarEntry {
  /** The name as stored (PAX `path`, GNU long name or ustar prefix/name), not normalised. */
  name: string;
  type: TarEntryType;
  size: number;
  mode: number;
  /** Target of a hard or symbolic link, as stored. */
  linkName: string;
}

export interface TarVisitor {
  /** Called for each entry; return true to receive its body through `body`. */
  entry(entry: TarEntry): boolean;
  body(entry: TarEntry, content: Buffer): void;
}

/** The archive is not a well-formed tar; the caller names the layer. */
export class TarFormatError extends Error {}

type Metadata = "pax" | "pax-global" | "gnu-long-name" | "gnu-long-link";

interface Pending {
  path?: string;
  linkPath?: string;
  size?: number;
  sparse?: boolean;
}

export class TarReader {
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Body bytes of the current entry still to come, then the padding to the next block. */
  private remaining = 0;
  private padding = 0;
  private entry: TarEntry | undefined;
  private metadata: Metadata | undefined;
  private body: Buffer | undefined;
  private bodyFill = 0;
  private pending: Pending = {};
  /** Bytes of the archive consumed so far, for error messages. */
  private position = 0;
  private finished = false;

  constructor(private readonly visitor: TarVisitor) {}

  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.finished) {
      const start = at;
      if (this.remaining > 0) {
        at += this.takeBody(chunk, at);
      } else if (this.padding > 0) {
        const skip = Math.min(this.padding, chunk.length - at);
        this.padding -= skip;
        at += skip;
      } else if (this.headerFill === 0 && chunk.length - at >= BLOCK) {
        at += BLOCK;
        this.position += BLOCK;
        this.readHeader(chunk.subarray(start, at));
        continue;
      } else {
        const take = Math.min(BLOCK - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + take);
        this.headerFill += take;
        at += take;
        this.position += take;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.readHeader(this.header);
        }
        continue;
      }
      this.position += at - start;
    }
  }

  /** The input is over: an archive cut inside a header or a body is an error. */
  end(): void {
    if (this.remaining > 0) {
      throw new TarFormatError(`truncated: it ends ${this.remaining} bytes before the end of ${this.describeCurrent()}`);
    }
    if (this.headerFill > 0) throw new TarFormatError(`truncated: it ends inside a header at byte ${this.position - this.headerFill}`);
  }

  private takeBody(chunk: Buffer, at: number): number {
    const take = Math.min(this.remaining, chunk.length - at);
    if (this.body) {
      chunk.copy(this.body, this.bodyFill, at, at + take);
      this.bodyFill += take;
    }
    this.remaining -= take;
    if (this.remaining === 0) this.finishBody();
    return take;
  }

  private readHeader(block: Buffer): void {
    if (isZeroBlock(block)) {
      // End of archive; whatever follows is ignored (the caller still drains the stream).
      this.finished = true;
      return;
    }
    verifyChecksum(block, this.position - BLOCK);
    const typeflag = String.fromCharCode(block[156] ?? 0);
    const metadata = metadataKind(typeflag);
    const headerSize = parseNumber(block, 124, 12, "size");
    if (metadata) {
      const size = headerSize;
      if (size > MAX_METADATA_BYTES) throw new TarFormatError(`a ${metadata} header of ${size} bytes (at most ${MAX_METADATA_BYTES})`);
      this.startBody(undefined, metadata, metadata === "pax-global" ? undefined : Buffer.allocUnsafe(size), size);
      return;
    }
    const size = this.pending.size ?? headerSize;
    const entry: TarEntry = {
      name: this.pending.path ?? ustarName(block),
      type: this.pending.sparse ? "other" : entryType(typeflag),
      size,
      mode: parseNumber(block, 100, 8, "mode"),
      linkName: this.pending.linkPath ?? field(block, 157, 100),
    };
    this.pending = {};
    // Links, directories and devices carry no data whatever their size field says.
    const bodySize = entry.type === "file" || entry.type === "other" ? size : 0;
    const wanted = this.visitor.entry(entry);
    this.startBody(entry, undefined, wanted && entry.type === "file" ? Buffer.allocUnsafe(bodySize) : undefined, bodySize);
  }

  private startBody(entry: TarEntry | undefined, metadata: Metadata | undefined, body: Buffer | undefined, size: number): void {
    this.entry = entry;
    this.metadata = metadata;
    this.body = body;
    this.bodyFill = 0;
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.finishBody();
  }

  private finishBody(): void {
    const body = this.body;
    this.body = undefined;
    if (!body) return;
    if (this.metadata === "pax") this.pending = { ...this.pending, ...parsePax(body) };
    else if (this.metadata === "gnu-long-name") this.pending.path = cString(body, 0, body.length);
    else if (this.metadata === "gnu-long-link") this.pending.linkPath = cString(body, 0, body.length);
    else if (this.entry) this.visitor.body(this.entry, body);
  }

  private describeCurrent(): string {
    return this.entry ? `entry ${JSON.stringify(this.entry.name)}` : `a ${this.metadata} header`;
  }
}

function metadataKind(typeflag: string): Metadata | undefined {
  switch (typeflag) {
    case "x":
      return "pax";
    case "g":
      return "pax-global";
    case "L":
      return "gnu-long-name";
    case "K":
      return "gnu-long-link";
    default:
      return undefined;
  }
}

function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case "0":
    case "\0":
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
      return "directory";
    default:
      return "other";
  }
}

function isZeroBlock(block: Buffer): boolean {
  for (let index = 0; index < BLOCK; index++) if (block[index] !== 0) return false;
  return true;
}

/** The checksum is the byte sum of the header with its own field read as spaces. */
function verifyChecksum(block: Buffer, offset: number): void {
  let sum = 8 * 0x20;
  for (let index = 0; index < BLOCK; index++) if (index < 148 || index >= 156) sum += block[index] ?? 0;
  const stored = block
    .toString("latin1", 148, 156)
    .replace(/[\0 ]+$/, "")
    .trim();
  if (!/^[0-7]+$/.test(stored) || Number.parseInt(stored, 8) !== sum)
    throw new TarFormatError(`bad header checksum at byte ${offset} (not a tar archive, or corrupt)`);
}

function ustarName(block: Buffer): string {
  const name = field(block, 0, 100);
  // Only POSIX ustar ("ustar\0") has a prefix field; GNU's "ustar  " uses those bytes for times.
  const posix = block.toString("latin1", 257, 263) === "ustar\0";
  const prefix = posix ? field(block, 345, 155) : "";
  return prefix ? `${prefix}/${name}` : name;
}

function field(block: Buffer, start: number, length: number): string {
  return cString(block, start, start + length);
}

function cString(buffer: Buffer, start: number, end: number): string {
  const nul = buffer.indexOf(0, start);
  return buffer.toString("utf8", start, nul >= 0 && nul < end ? nul : end);
}

/** An octal field, or GNU base-256 (high bit set) for values octal cannot hold. */
function parseNumber(block: Buffer, start: number, length: number, name: string): number {
  const first = block[start] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw new TarFormatError(`a negative ${name} field`);
    let value = first & 0x7f;
    for (let index = start + 1; index < start + length; index++) value = value * 256 + (block[index] ?? 0);
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`a ${name} field too large`);
    return value;
  }
  const text = block
    .toString("latin1", start, start + length)
    .replace(/[\0 ]+$/, "")
    .trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`a ${name} field that is not a number (${JSON.stringify(text)})`);
  return Number.parseInt(text, 8);
}

/** PAX records: `<length> <key>=<value>\n`, the length counting the whole record. */
function parsePax(body: Buffer): Pending {
  const pending: Pending = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const length = space > at ? Number(body.toString("latin1", at, space)) : Number.NaN;
    if (!Number.isInteger(length) || length <= space - at || at + length > body.length || body[at + length - 1] !== 0x0a) {
      throw new TarFormatError(`a malformed PAX record at byte ${at} of its header`);
    }
    const record = body.toString("utf8", space + 1, at + length - 1);
    const equals = record.indexOf("=");
    if (equals <= 0) throw new TarFormatError(`a PAX record without a key at byte ${at} of its header`);
    applyPaxRecord(pending, record.slice(0, equals), record.slice(equals + 1));
    at += length;
  }
  return pending;
}

function applyPaxRecord(pending: Pending, key: string, value: string): void {
  if (key === "path") pending.path = value;
  else if (key === "linkpath") pending.linkPath = value;
  else if (key === "size") {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new TarFormatError(`a PAX size of ${JSON.stringify(value)}`);
    pending.size = Number(value);
  } else if (key.startsWith("GNU.sparse.")) {
    // A sparse file's body is a map plus data, not its content: never hand it out as a file.
    pending.sparse = true;
  }
}
