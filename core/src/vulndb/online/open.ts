import { UserError } from "../../errors.js";
import type { InventoryPackage, OsInfo } from "../../inventory/types.js";
import type { RetryOptions } from "../../registry/retry.js";
import { TOOL } from "../../version.js";
import { type DatabaseMetadata, SCHEMA_VERSION } from "../db/format.js";
import type { VulnerabilityDatabase } from "../db/open.js";
import { countInvalid, normaliseOsvRecord } from "../osv/normalise.js";
import { RECORD_LIMIT } from "../osv/sources.js";
import { type Advisory, emptyIngestStats, type IngestStats } from "../types.js";
import { DEFAULT_OSV_API_ENDPOINT, OsvApiClient } from "./client.js";
import { forEachConcurrently } from "./pool.js";
import { planQueries } from "./queries.js";
import { vulnerabilityIds } from "./querybatch.js";
import { AdvisoryStore } from "./store.js";

export interface OnlineDatabaseOptions {
  /** The API's base URL (default https://api.osv.dev). */
  endpoint?: string;
  /** Vulnerability records fetched at once (default 8). */
  concurrency?: number;
  /** Retries of 429, 5xx and broken connections (fetchWithRetry's defaults otherwise). */
  retry?: RetryOptions;
}

const DEFAULT_CONCURRENCY = 8;

/**
 * The OSV API as a vulnerability database for `packages`: the package versions the matcher
 * will look up are asked with `POST /v1/querybatch`, every vulnerability listed is fetched once
 * with `GET /v1/vulns/{id}` and normalised as `portcullis db build` normalises records, and
 * lookups are answered from memory in the offline database's shapes. Only the packages given
 * here can be looked up. A request that still fails after its retries is a UserError.
 */
export async function openOnlineDatabase(
  packages: readonly InventoryPackage[],
  os: OsInfo | undefined,
  options: OnlineDatabaseOptions = {},
): Promise<VulnerabilityDatabase> {
  const client = new OsvApiClient(options.endpoint ?? DEFAULT_OSV_API_ENDPOINT, options.retry);
  const concurrency = checkedConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  const plan = planQueries(packages, os);
  const ids = await vulnerabilityIds(client, plan.queries);
  const store = new AdvisoryStore(plan.queries);
  const stats = emptyIngestStats();
  let timestamp: string | undefined;
  await forEachConcurrently(ids, concurrency, async (id) => {
    const advisory = await fetchAdvisory(client, id, stats);
    if (advisory === undefined) return;
    store.add(advisory);
    if (timestamp === undefined || Date.parse(advisory.modified) > Date.parse(timestamp)) timestamp = advisory.modified;
  });
  const metadata: DatabaseMetadata = {
    schemaVersion: SCHEMA_VERSION,
    builtAt: new Date().toISOString(),
    builtBy: `${TOOL.name} ${TOOL.version}`,
    sources: [{ kind: "osv", path: client.endpoint, ...(timestamp !== undefined && { timestamp }), stats }],
    totals: { advisories: store.advisoryCount(), packages: store.packageCount(), duplicates: 0 },
    ecosystems: store.summaries(plan.ecosystems),
    ingestion: structuredClone(stats),
    // Nothing is on disk to check.
    files: {},
  };
  return databaseOver(store, metadata, client.endpoint);
}

function checkedConcurrency(concurrency: number): number {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new UserError(`OSV API concurrency ${concurrency} is not a whole number of at least 1`);
  return concurrency;
}

/** One record, normalised; undefined (and counted) when it is missing, another record, or unusable. */
async function fetchAdvisory(client: OsvApiClient, id: string, stats: IngestStats): Promise<Advisory | undefined> {
  const path = `/v1/vulns/${encodeURIComponent(id)}`;
  const origin = `${client.endpoint}${path}`;
  const record = await client.get(path, RECORD_LIMIT);
  stats.read++;
  if (record === undefined) {
    countInvalid(stats, origin, "not found, though a query listed it");
    return undefined;
  }
  const answered = (record as { id?: unknown } | null)?.id;
  if (answered !== id) {
    countInvalid(stats, origin, `answered with record ${JSON.stringify(answered)?.slice(0, 80)}`);
    return undefined;
  }
  return normaliseOsvRecord(record, origin, stats);
}

/** The store behind the database interface; `dir` is the endpoint, as nothing is on disk. */
function databaseOver(store: AdvisoryStore, metadata: DatabaseMetadata, endpoint: string): VulnerabilityDatabase {
  let open = true;
  return {
    metadata,
    dir: endpoint,
    advisoriesFor(ecosystem, name) {
      if (!open) throw new Error(`vulnerability database ${endpoint} is closed`);
      return store.advisoriesFor(ecosystem, name);
    },
    ecosystems: () => Object.keys(metadata.ecosystems).sort(),
    close() {
      open = false;
      store.clear();
    },
  };
}
