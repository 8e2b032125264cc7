import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../../errors.js";
import { TOOL } from "../../version.js";
import { type Advisory, emptyIngestStats, type IngestStats } from "../types.js";
import { type DatabaseMetadata, METADATA_FILE, SCHEMA_VERSION, type SourceSummary } from "./format.js";
import { writeDatabaseFiles } from "./writer.js";

/** As many invalid-record examples as one source keeps. */
const INVALID_EXAMPLES = 10;

export interface WriteOptions {
  /** The database directory to create or replace. */
  out: string;
  now?: Date;
  /** The sources' summaries, asked for once every advisory is read (readers count while streaming). */
  sources?: () => SourceSummary[];
}

/** The advisory sources' statistics added up: every count summed, unknown ecosystems merged, the first examples kept. */
function sumStats(summaries: SourceSummary[]): IngestStats {
  const total = emptyIngestStats();
  const counts = total as unknown as Record<string, unknown>;
  for (const summary of summaries) {
    if (summary.kind !== "osv" && summary.kind !== "oval") continue;
    for (const [field, value] of Object.entries(summary.stats))
      if (typeof value === "number") counts[field] = ((counts[field] as number) ?? 0) + value;
    total.invalidExamples.push(...summary.stats.invalidExamples);
    for (const [ecosystem, count] of Object.entries(summary.stats.unknownEcosystems))
      total.unknownEcosystems[ecosystem] = (total.unknownEcosystems[ecosystem] ?? 0) + count;
  }
  total.invalidExamples = total.invalidExamples.slice(0, INVALID_EXAMPLES);
  return total;
}

/** `out` may be replaced only when it is absent, empty or a database: never some other directory given by mistake. */
async function checkReplaceable(out: string): Promise<boolean> {
  const info = await stat(out).catch(() => undefined);
  if (!info) return false;
  const isDatabase = info.isDirectory() && (await stat(join(out, METADATA_FILE)).catch(() => undefined))?.isFile();
  if (!isDatabase && !(info.isDirectory() && (await readdir(out)).length === 0))
    throw new UserError(`${out} exists and is not a vulnerability database; give a new or empty directory to build into`);
  return true;
}

/** Moves the finished build into place; an existing database is moved aside first and removed after. */
async function replace(out: string, built: string, exists: boolean): Promise<void> {
  if (!exists) return rename(built, out);
  const aside = `${built}-replaced`;
  await rename(out, aside);
  await rename(built, out);
  await rm(aside, { recursive: true, force: true });
}

/**
 * Writes a database of `advisories` into `out`. Everything goes into a temporary directory
 * beside `out`, renamed into place at the end, so `out` is never a half-written database; a
 * failure removes the temporary directory and leaves an existing `out` as it was.
 */
export async function writeDatabase(advisories: AsyncIterable<Advisory>, options: WriteOptions): Promise<DatabaseMetadata> {
  const out = resolve(options.out);
  const exists = await checkReplaceable(out);
  await mkdir(dirname(out), { recursive: true });
  const building = join(dirname(out), `.${basename(out)}.building-${randomUUID().slice(0, 8)}`);
  await mkdir(building);
  try {
    const written = await writeDatabaseFiles(advisories, building);
    const sources = options.sources?.() ?? [];
    const metadata: DatabaseMetadata = {
      schemaVersion: SCHEMA_VERSION,
      builtAt: (options.now ?? new Date()).toISOString(),
      builtBy: `${TOOL.name} ${TOOL.version}`,
      sources,
      totals: written.totals,
      ecosystems: written.ecosystems,
      ingestion: sumStats(sources),
      files: written.files,
    };
    await writeFile(join(building, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
    await replace(out, building, exists);
    return metadata;
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
}
