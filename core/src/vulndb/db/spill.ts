/**
 * Bounded memory for a build of any size: records are spilled to disk in buckets by a hash
 * of their key, then read back one bucket at a time, so that every record of one key is in
 * the same bucket and at most one bucket (about 1/BUCKETS of the input) is in memory.
 */
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";

const BUCKETS = 128;
/** Lines waiting in memory per bucket before they are written: at most BUCKETS × this in all. */
const FLUSH_BYTES = 32 * 1024;

/** One spilled record read back: the key it is grouped by, and its text's bytes (a view of the bucket, not a copy). */
export interface SpilledLine {
  key: string;
  text: Buffer;
}

export class BucketSpill {
  private readonly files: number[] = [];
  private readonly pending: string[][] = [];
  private readonly pendingBytes: number[] = [];

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      this.files.push(openSync(this.path(bucket), "w"));
      this.pending.push([]);
      this.pendingBytes.push(0);
    }
  }

  /** `key` must hold no tab, `text` no newline (JSON text never does). */
  add(key: string, text: string): void {
    const bucket = crc32(key) % BUCKETS;
    const line = `${key}\t${text}\n`;
    (this.pending[bucket] as string[]).push(line);
    this.pendingBytes[bucket] = (this.pendingBytes[bucket] as number) + line.length;
    if ((this.pendingBytes[bucket] as number) >= FLUSH_BYTES) this.flush(bucket);
  }

  /** Each bucket's lines in turn, its file deleted once read; the spill directory is gone at the end. */
  *buckets(): Generator<SpilledLine[]> {
    for (let bucket = 0; bucket < BUCKETS; bucket++) this.flush(bucket);
    this.close();
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const bytes = readFileSync(this.path(bucket));
      rmSync(this.path(bucket));
      yield linesOf(bytes);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Closes the files (idempotent); the caller removes the directory when a build fails. */
  close(): void {
    for (const file of this.files.splice(0)) closeSync(file);
  }

  private flush(bucket: number): void {
    const lines = this.pending[bucket] as string[];
    if (lines.length === 0) return;
    appendFileSync(this.files[bucket] as number, lines.join(""));
    this.pending[bucket] = [];
    this.pendingBytes[bucket] = 0;
  }

  private path(bucket: number): string {
    return join(this.dir, `bucket-${bucket}`);
  }
}

/** Split line by line from the bytes, the texts left as bytes: they are only ever copied into chunks. */
function linesOf(bytes: Buffer): SpilledLine[] {
  const lines: SpilledLine[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0x0a, start);
    const tab = bytes.indexOf(0x09, start);
    lines.push({ key: bytes.toString("utf8", start, tab), text: bytes.subarray(tab + 1, end) });
    start = end + 1;
  }
  return lines;
}
