import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import { UserError } from "../../errors.js";

export type Compression = "gzip" | "zstd" | "none";

/** Compression by magic bytes, never by media type: registries and tools mislabel layers. */
export function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/** Receives the uncompressed bytes in order; it may throw to stop the layer. */
export type ChunkSink = (chunk: Buffer) => void;

/**
 * Streams a layer blob to `sink` uncompressed, reading the blob to its end (so that the
 * source can verify its digest and gzip its trailer). Backpressure: the next compressed
 * chunk is read only once the sink has consumed the previous output.
 */
export async function inflate(blob: Readable, layerName: string, sink: ChunkSink): Promise<void> {
  const { head, chunks } = await peek(blob, 4);
  switch (compressionOf(head)) {
    case "gzip":
      return gunzip(chunks, layerName, sink);
    case "zstd":
      return unzstd(chunks, layerName, sink);
    case "none":
      for await (const chunk of chunks) sink(chunk);
  }
}

/** The first bytes of a stream, and all of it (those bytes included) to read on. */
async function peek(blob: Readable, length: number): Promise<{ head: Buffer; chunks: AsyncIterable<Buffer> }> {
  const iterator: AsyncIterator<Buffer> = blob[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let size = 0;
  while (size < length) {
    const next = await iterator.next();
    if (next.done) break;
    first.push(next.value);
    size += next.value.length;
  }
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      yield* first;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  }
  return { head: Buffer.concat(first), chunks: chunks() };
}

async function gunzip(chunks: AsyncIterable<Buffer>, layerName: string, sink: ChunkSink): Promise<void> {
  const inflated = pipeline(Readable.from(chunks), createGunzip({ chunkSize: 64 * 1024 }), () => {});
  try {
    for await (const chunk of inflated) sink(chunk);
  } catch (error) {
    if (isZlibError(error)) throw corrupt(layerName, "gzip", error);
    throw error;
  }
}

async function unzstd(chunks: AsyncIterable<Buffer>, layerName: string, sink: ChunkSink): Promise<void> {
  // fzstd calls back synchronously per block, so the sink sees each block as it is made.
  const decoder = new Decompress((data) => sink(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      decoder.push(chunk, final);
    } catch (error) {
      if (isFzstdError(error)) throw corrupt(layerName, "zstd", error);
      throw error;
    }
  };
  for await (const chunk of chunks) push(chunk, false);
  push(new Uint8Array(0), true);
}

function isZlibError(error: unknown): error is Error {
  const code = errorCode(error);
  return typeof code === "string" && code.startsWith("Z_");
}

/** fzstd's errors carry a numeric ZstdErrorCode. */
function isFzstdError(error: unknown): error is Error {
  return typeof errorCode(error) === "number";
}

function errorCode(error: unknown): unknown {
  return error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
}

function corrupt(layerName: string, format: string, error: Error): UserError {
  return new UserError(`layer ${layerName}: the ${format} data is truncated or corrupt (${error.message})`);
}
