import { type EpssFile, enrichAdvisory, type KevCatalog, readEpssScores, readKevCatalog } from "../enrich/index.js";
import { readOsvRecords } from "../osv/index.js";
import { readAzureLinuxOval } from "../oval/index.js";
import { type Advisory, type EpssScore, emptyIngestStats, type KevEntry } from "../types.js";
import type { AdvisorySourceSummary, DatabaseMetadata, EpssSourceSummary, KevSourceSummary, SourceSummary } from "./format.js";
import { writeDatabase } from "./write.js";

export interface BuildOptions {
  /** OSV sources: directories of JSON/YAML records or OSV `all.zip` exports; one source each. */
  osv: string[];
  /** Azure Linux OVAL files. */
  oval?: string[];
  /** CISA's known_exploited_vulnerabilities.json. */
  kev?: string;
  /** FIRST's daily EPSS CSV (plain or gzip). */
  epss?: string;
  /** The database directory to create or replace. */
  out: string;
  now?: Date;
}

/** The KEV and EPSS lookups every advisory is enriched from, and their summaries for metadata. */
interface Enrichment {
  kev: Map<string, KevEntry>;
  epss: Map<string, EpssScore>;
  kevSummary?: KevSourceSummary;
  epssSummary?: EpssSourceSummary;
}

function kevSummary(path: string, catalog: KevCatalog): KevSourceSummary {
  return {
    kind: "kev",
    path,
    timestamp: catalog.dateReleased,
    catalogVersion: catalog.catalogVersion,
    entries: catalog.entries.size,
    matched: 0,
  };
}

function epssSummary(path: string, file: EpssFile): EpssSourceSummary {
  return {
    kind: "epss",
    path,
    ...(file.date && { timestamp: file.date }),
    ...(file.modelVersion && { modelVersion: file.modelVersion }),
    entries: file.scores.size,
    malformedRows: file.malformedRows,
    matched: 0,
  };
}

async function readEnrichment(options: BuildOptions): Promise<Enrichment> {
  const kev = options.kev ? await readKevCatalog(options.kev) : undefined;
  const epss = options.epss ? await readEpssScores(options.epss) : undefined;
  return {
    kev: kev?.entries ?? new Map(),
    epss: epss?.scores ?? new Map(),
    ...(kev && options.kev && { kevSummary: kevSummary(options.kev, kev) }),
    ...(epss && options.epss && { epssSummary: epssSummary(options.epss, epss) }),
  };
}

function newest(a: string | undefined, b: string): string {
  return a === undefined || Date.parse(b) > Date.parse(a) ? b : a;
}

/** Every advisory of every source, enriched; each source's summary is pushed once it is read. */
async function* enrichedAdvisories(options: BuildOptions, enrichment: Enrichment, summaries: SourceSummary[]): AsyncGenerator<Advisory> {
  const enrich = (advisory: Advisory): Advisory => {
    const enriched = enrichAdvisory(advisory, enrichment.kev, enrichment.epss);
    if (enriched.kev && enrichment.kevSummary) enrichment.kevSummary.matched++;
    if (enriched.epss && enrichment.epssSummary) enrichment.epssSummary.matched++;
    return enriched;
  };
  for (const path of options.osv) {
    const summary: AdvisorySourceSummary = { kind: "osv", path, stats: emptyIngestStats() };
    for await (const advisory of readOsvRecords([path], summary.stats)) {
      summary.timestamp = newest(summary.timestamp, advisory.modified);
      yield enrich(advisory);
    }
    summaries.push(summary);
  }
  for (const path of options.oval ?? []) {
    const summary: AdvisorySourceSummary = { kind: "oval", path, stats: emptyIngestStats() };
    const feed = await readAzureLinuxOval(path, summary.stats);
    // The feed's generation time: an OVAL definition carries no modification time of its own.
    summary.timestamp = feed.timestamp;
    if (Object.keys(feed.unknown).length > 0) summary.unknownShapes = feed.unknown;
    for (const advisory of feed.advisories) yield enrich(advisory);
    summaries.push(summary);
  }
}

/**
 * Builds a database from OSV records and OVAL feeds, enriched with KEV and EPSS, into `out`
 * (atomically, as `writeDatabase` does). KEV and EPSS are read first, so a bad file fails
 * the build before the long part.
 */
export async function buildDatabase(options: BuildOptions): Promise<DatabaseMetadata> {
  const enrichment = await readEnrichment(options);
  const summaries: SourceSummary[] = [];
  return writeDatabase(enrichedAdvisories(options, enrichment, summaries), {
    out: options.out,
    ...(options.now && { now: options.now }),
    sources: () => [...summaries, ...[enrichment.kevSummary, enrichment.epssSummary].filter((summary) => summary !== undefined)],
  });
}
