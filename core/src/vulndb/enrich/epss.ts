import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { UserError } from "../../errors.js";
import type { EpssScore } from "../types.js";
import { canonicalCveId } from "./cve-id.js";
import { unreadableFeed } from "./feed-file.js";

/**
 * The daily file is about 10 MB uncompressed (300,000 rows of ~32 bytes); 64 MiB of CSV is
 * two million rows. Counted after decompression, so a gzip bomb stops there.
 */
const EPSS_CAP = 64 * 1024 * 1024;
/** A row is about 32 bytes: a longer line is not EPSS, and must not grow without end. */
const LINE_CAP = 64 * 1024;
const WHAT = "EPSS file";
const FORMAT_HINT =
  "Pass FIRST's daily epss_scores-YYYY-MM-DD.csv.gz (or its .csv): an optional #model_version line, then the header cve,epss,percentile.";

/** One day's EPSS scores as read from FIRST's CSV. */
export interface EpssFile {
  /** The scores' day, `YYYY-MM-DD`: the comment line's `score_date`, else the file name's date. */
  date?: string;
  /** The comment line's `model_version` (`v2025.03.14`), when given. */
  modelVersion?: string;
  scores: Map<string, EpssScore>;
  /** Rows skipped: wrong column count, not a CVE id, a probability outside 0..1, a repeated CVE. */
  malformedRows: number;
  /** The 1-based line of the first skipped row, to show the user. */
  firstMalformedLine?: number;
}

/** Where each column is in a row. */
interface Columns {
  cve: number;
  epss: number;
  percentile: number;
  width: number;
}

/**
 * Streams FIRST's EPSS CSV, plain or gzip (recognised by its magic bytes, whatever the name).
 * A file without the `cve,epss,percentile` header is a UserError; bad rows are counted and skipped.
 */
export async function readEpssScores(path: string): Promise<EpssFile> {
  const reader = new EpssReader(path);
  for await (const lines of lineBatches(await openDecompressed(path), path)) {
    for (const line of lines) reader.add(line);
  }
  return reader.finish();
}

/** Line by line: the optional comment line, the header, then the rows. */
class EpssReader {
  private readonly result: EpssFile = { scores: new Map(), malformedRows: 0 };
  private lineNumber = 0;
  private scoreDate?: string;
  private columns?: Columns;

  constructor(private readonly path: string) {}

  add(line: string): void {
    this.lineNumber += 1;
    if (this.columns) this.addRow(line, this.columns);
    else if (this.lineNumber === 1 && line.startsWith("#")) this.readComment(line);
    else this.columns = this.headerColumns(line);
  }

  finish(): EpssFile {
    if (!this.columns) throw this.noHeader("it is empty");
    return this.result;
  }

  /** `#model_version:v2025.03.14,score_date:2025-03-15T00:00:00+0000`; the date is also each score's. */
  private readComment(line: string): void {
    const field = (name: string) => new RegExp(`[#,]\\s*${name}:([^,]*)`).exec(line)?.[1]?.trim();
    const modelVersion = field("model_version");
    if (modelVersion) this.result.modelVersion = modelVersion;
    this.scoreDate = dayOf(field("score_date"));
  }

  private headerColumns(line: string): Columns {
    const names = line.split(",").map((name) => name.trim().toLowerCase());
    const columns = {
      cve: names.indexOf("cve"),
      epss: names.indexOf("epss"),
      percentile: names.indexOf("percentile"),
      width: names.length,
    };
    if (columns.cve < 0 || columns.epss < 0 || columns.percentile < 0) {
      throw this.noHeader(`line ${this.lineNumber} is "${line.slice(0, 80)}"`);
    }
    const date = this.scoreDate ?? dayOf(/epss_scores-(\d{4}-\d{2}-\d{2})/.exec(basename(this.path))?.[1]);
    if (date) this.result.date = date;
    return columns;
  }

  private addRow(line: string, columns: Columns): void {
    if (line === "") return;
    const score = parseRow(line, columns, this.result.date);
    if (score && !this.result.scores.has(score.cve)) this.result.scores.set(score.cve, score);
    else {
      this.result.malformedRows += 1;
      this.result.firstMalformedLine ??= this.lineNumber;
    }
  }

  private noHeader(found: string): UserError {
    return new UserError(`${WHAT} ${this.path} has no "cve,epss,percentile" header: ${found}.`, FORMAT_HINT);
  }
}

async function openDecompressed(path: string): Promise<Readable> {
  let magic: Buffer;
  try {
    const handle = await open(path);
    try {
      magic = (await handle.read(Buffer.alloc(2), 0, 2, 0)).buffer;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw unreadableFeed(path, WHAT, error);
  }
  const file = createReadStream(path);
  if (magic[0] !== 0x1f || magic[1] !== 0x8b) return file;
  // pipeline destroys every stream on the first error, so reading the last one rejects with it.
  return pipeline(file, createGunzip(), () => {});
}

/**
 * The text's lines, CR stripped, a chunk's worth at a time (an await per line would cost more
 * than parsing it); fails past EPSS_CAP bytes, on a line over LINE_CAP, or on a read error
 * such as a truncated gzip. Only new text is searched for line ends: re-splitting the
 * unfinished line with every chunk would be quadratic.
 */
async function* lineBatches(input: Readable, path: string): AsyncGenerator<string[]> {
  const decoder = new TextDecoder("utf-8");
  let bytes = 0;
  let pending = "";
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > EPSS_CAP) throw tooLarge(path);
      const lines = decoder.decode(chunk, { stream: true }).split("\n");
      lines[0] = pending + lines[0];
      pending = lines.pop() ?? "";
      if (pending.length > LINE_CAP)
        throw new UserError(`${WHAT} ${path} has a line longer than ${LINE_CAP / 1024} KiB: it is not CSV scores.`, FORMAT_HINT);
      yield lines.map(withoutCarriageReturn);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${WHAT} ${path} cannot be read: ${(error as Error).message}; it may be truncated.`, FORMAT_HINT);
  } finally {
    input.destroy();
  }
  pending += decoder.decode();
  if (pending !== "") yield [withoutCarriageReturn(pending)];
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

function tooLarge(path: string): UserError {
  return new UserError(`${WHAT} ${path} holds more than ${EPSS_CAP / 1024 / 1024} MiB of CSV, far more than FIRST publishes.`, FORMAT_HINT);
}

function dayOf(timestamp: string | undefined): string | undefined {
  return /^\d{4}-\d{2}-\d{2}/.exec(timestamp ?? "")?.[0];
}

function parseRow(line: string, columns: Columns, date: string | undefined): EpssScore | undefined {
  const cells = line.split(",");
  if (cells.length !== columns.width) return undefined;
  const cve = canonicalCveId(cells[columns.cve] ?? "");
  const score = probability(cells[columns.epss]);
  const percentile = probability(cells[columns.percentile]);
  if (!cve || score === undefined || percentile === undefined) return undefined;
  return date ? { cve, score, percentile, date } : { cve, score, percentile };
}

/** A number in 0..1 as the CSV writes it (`0.00043`, `1.0`, `4.3e-05`); anything else is undefined. */
function probability(cell: string | undefined): number | undefined {
  const text = cell?.trim() ?? "";
  const value = Number(text);
  return text !== "" && Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
}
