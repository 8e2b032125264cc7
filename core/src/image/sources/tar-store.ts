import { createReadStream } from "node:fs";
import { open as openFile } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { extract, type Header } from "tar-stream";
import { UserError } from "../../errors.js";
import { type FileStore, safeRelativePath, tooLarge } from "./file-store.js";

/** Small JSON entries (manifests, configs, index.json) are kept from the indexing pass up to this size each… */
const KEPT_ENTRY_LIMIT = 4 * 1024 * 1024;
/** …and this much in all; anything else is read again from the archive when asked for. */
const KEPT_TOTAL_LIMIT = 64 * 1024 * 1024;
const MAX_ENTRIES = 100_000;
const MAX_LINK_HOPS = 16;

interface TarEntry {
  type: Header["type"];
  size: number;
  /** For symbolic links: the path (relative to the archive root) the link points at. */
  target?: string;
  /** Where the entry's data starts in the (uncompressed) archive; also how a second pass over a gzipped archive finds it. */
  offset: number;
  content?: Buffer;
}

async function isGzip(path: string, label: string): Promise<boolean> {
  const handle = await openFile(path, "r").catch(() => {
    throw new UserError(`${label}: the file does not exist or cannot be read`);
  });
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The archive's tar entries, streamed from the file (and inflated when gzipped). */
function entriesOf(path: string, gzipped: boolean) {
  const file = createReadStream(path);
  const extractor = extract();
  const fail = (error: Error) => extractor.destroy(error);
  file.on("error", fail);
  if (gzipped) {
    const gunzip = createGunzip();
    gunzip.on("error", fail);
    file.pipe(gunzip).pipe(extractor);
  } else {
    file.pipe(extractor);
  }
  return { extractor, stop: () => file.destroy() };
}

function unreadable(label: string, error: unknown): UserError {
  if (error instanceof UserError) return error;
  return new UserError(`${label} is not a readable tar archive: ${error instanceof Error ? error.message : String(error)}`);
}

/** Where a symbolic link points, relative to the archive root; never outside the archive. */
function symlinkTarget(name: string, header: Header, label: string): string {
  if (header.linkname.startsWith("/"))
    throw new UserError(`${label}: symbolic link ${name} points outside the archive (${header.linkname})`);
  return safeRelativePath(posix.join(posix.dirname(name), header.linkname), `${label}: symbolic link ${name}`);
}

/** A hard link is the entry it names, which tar requires to come before it. */
function hardLinked(entries: Map<string, TarEntry>, name: string, header: Header, label: string): TarEntry {
  const target = safeRelativePath(header.linkname, `${label}: hard link ${name}`);
  const earlier = entries.get(target);
  if (!earlier) throw new UserError(`${label}: hard link ${name} points to ${target}, which does not come before it`);
  return earlier;
}

function dataOffset(header: Header): number {
  const offset = (header as Header & { byteOffset?: number }).byteOffset;
  if (typeof offset !== "number") throw new Error("tar-stream no longer reports entry offsets (header.byteOffset)");
  return offset;
}

/** The entry's name made safe, or undefined for the archive's root directory (`./`), which names nothing. */
function entryName(header: Header, label: string): string | undefined {
  if (header.type === "directory" && /^(\.\/?)+$/.test(header.name)) return undefined;
  return safeRelativePath(header.name, `${label}: entry`);
}

/** One pass over the archive: every entry's name, type, size and offset, and the small JSON files' contents. */
async function indexArchive(path: string, gzipped: boolean, label: string): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  const { extractor, stop } = entriesOf(path, gzipped);
  let kept = 0;
  try {
    for await (const stream of extractor) {
      const header = stream.header;
      const name = entryName(header, label);
      if (name === undefined) {
        stream.resume();
        continue;
      }
      if (entries.size >= MAX_ENTRIES) throw new UserError(`${label} has more than ${MAX_ENTRIES} entries; it is not an image archive`);
      if (header.type === "link") {
        entries.set(name, hardLinked(entries, name, header, label));
        stream.resume();
        continue;
      }
      const entry: TarEntry = { type: header.type, size: header.size, offset: dataOffset(header) };
      if (header.type === "symlink") entry.target = symlinkTarget(name, header, label);
      const chunks: Buffer[] = [];
      let keep = header.type === "file" && header.size <= KEPT_ENTRY_LIMIT && kept + header.size <= KEPT_TOTAL_LIMIT;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (keep && chunks.length === 0) keep = chunk[0] === 0x7b || chunk[0] === 0x5b; // `{` or `[`: JSON
        if (keep) chunks.push(chunk);
      }
      if (keep) {
        entry.content = Buffer.concat(chunks);
        kept += header.size;
      }
      entries.set(name, entry);
    }
  } catch (error) {
    throw unreadable(label, error);
  } finally {
    stop();
  }
  return entries;
}

/** The chunks of the entry whose data starts at `offset`, found by inflating the archive again up to it. */
async function* gzipEntryChunks(path: string, offset: number, label: string): AsyncGenerator<Buffer> {
  const { extractor, stop } = entriesOf(path, true);
  try {
    for await (const stream of extractor) {
      if (dataOffset(stream.header) !== offset) {
        stream.resume();
        continue;
      }
      for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
      return;
    }
  } catch (error) {
    throw unreadable(label, error);
  } finally {
    stop();
    extractor.destroy();
  }
  throw new UserError(`${label} changed while it was read`);
}

/**
 * A tar or tar.gz archive as a FileStore, indexed in one pass and never unpacked to disk.
 * Entries of a plain tar are then read at their offsets; entries of a gzipped archive are
 * read by inflating the archive again up to the entry (gzip cannot seek), which costs one
 * pass per layer but no disk space and no memory beyond one chunk.
 */
export async function tarStore(archive: string, label: string): Promise<FileStore> {
  const gzipped = await isGzip(archive, label);
  const entries = await indexArchive(archive, gzipped, label);

  function resolve(path: string): TarEntry | undefined {
    let name = safeRelativePath(path, label);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const entry = entries.get(name);
      if (entry?.target === undefined) return entry;
      name = entry.target;
    }
    throw new UserError(`${label}: ${path} is a chain of more than ${MAX_LINK_HOPS} links`);
  }
  function file(path: string): TarEntry {
    const entry = resolve(path);
    if (entry === undefined) throw new UserError(`${label} has no ${path}`);
    if (entry.type !== "file" && entry.type !== "contiguous-file") throw new UserError(`${label}: ${path} is not a regular file`);
    return entry;
  }
  function stream(path: string): Readable {
    const entry = file(path);
    if (entry.content) return Readable.from([entry.content]);
    if (gzipped) return Readable.from(gzipEntryChunks(archive, entry.offset, label), { objectMode: false });
    if (entry.size === 0) return Readable.from([]);
    return createReadStream(archive, { start: entry.offset, end: entry.offset + entry.size - 1 });
  }

  return {
    label,
    exists: async (path) => resolve(path) !== undefined,
    async read(path, limit) {
      const entry = file(path);
      if (entry.size > limit) throw tooLarge(label, path, limit);
      if (entry.content) return entry.content;
      const chunks: Buffer[] = [];
      for await (const chunk of stream(path)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    open: async (path) => stream(path),
  };
}
