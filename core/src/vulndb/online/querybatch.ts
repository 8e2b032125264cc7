import { UserError } from "../../errors.js";
import { isRecord } from "../../records.js";
import { OSV_API_HINT, type OsvApiClient } from "./client.js";
import type { OsvQuery } from "./queries.js";

/** The API's own limit of queries in one querybatch request. */
export const MAX_BATCH_QUERIES = 1000;
/** A batch answer holds only ids and times (~80 bytes a vulnerability): this is hundreds of thousands. */
const BATCH_ANSWER_LIMIT = 32 * 1024 * 1024;
/** Rounds of `next_page_token`s followed; a server paginating past this is broken or hostile. */
const MAX_PAGES = 100;
/**
 * OSV ids: a database prefix and its entry id (`GHSA-…`, `PYSEC-2021-59`, `RHSA-2023:1234`,
 * `PHSA-2023-4.0-0001`). Anything else is not asked for: it goes into a URL path.
 */
const OSV_ID = /^[A-Za-z][A-Za-z0-9._:+-]{0,127}$/;
const PAGE_TOKEN_LIMIT = 4096;

/** A query as sent: a package version, and where it carries on when its answer had more pages. */
interface PendingQuery {
  query: OsvQuery;
  pageToken?: string;
}

interface BatchResult {
  ids: string[];
  nextPageToken?: string;
}

/**
 * The ids of the vulnerabilities the API lists for `queries`: sent in batches of at most
 * 1,000, then each query whose answer has a `next_page_token` asked again with it (only those),
 * until none has. Returns the distinct ids, sorted.
 */
export async function vulnerabilityIds(client: OsvApiClient, queries: readonly OsvQuery[]): Promise<string[]> {
  const ids = new Set<string>();
  let pending: PendingQuery[] = queries.map((query) => ({ query }));
  for (let round = 0; pending.length > 0; round++) {
    if (round === MAX_PAGES)
      throw new UserError(
        `OSV API ${client.endpoint} kept answering with more pages after ${MAX_PAGES} rounds; giving up on it`,
        OSV_API_HINT,
      );
    const next: PendingQuery[] = [];
    for (let start = 0; start < pending.length; start += MAX_BATCH_QUERIES) {
      const batch = pending.slice(start, start + MAX_BATCH_QUERIES);
      const results = await queryBatch(client, batch);
      results.forEach((result, index) => {
        for (const id of result.ids) ids.add(id);
        if (result.nextPageToken !== undefined) next.push({ query: (batch[index] as PendingQuery).query, pageToken: result.nextPageToken });
      });
    }
    pending = next;
  }
  return [...ids].sort();
}

async function queryBatch(client: OsvApiClient, batch: PendingQuery[]): Promise<BatchResult[]> {
  const answer = await client.post("/v1/querybatch", { queries: batch.map(wireQuery) }, BATCH_ANSWER_LIMIT);
  return batchResults(answer, batch.length, `OSV API ${client.endpoint} (POST /v1/querybatch)`);
}

/** As the API documents a query: the package, its version, and the page token when carrying on. */
function wireQuery({ query, pageToken }: PendingQuery): Record<string, unknown> {
  return {
    package: { name: query.name, ecosystem: query.ecosystem },
    version: query.version,
    ...(pageToken !== undefined && { page_token: pageToken }),
  };
}

/** The answer's results, one per query in order, checked: a garbled answer is an error, never a silent "no vulnerabilities". */
function batchResults(answer: unknown, expected: number, what: string): BatchResult[] {
  const malformed = (problem: string) => new UserError(`${what}: the answer ${problem}; it is not a querybatch answer`, OSV_API_HINT);
  const results = isRecord(answer) ? answer.results : undefined;
  if (!Array.isArray(results)) throw malformed("has no results list");
  if (results.length !== expected) throw malformed(`has ${results.length} results for ${expected} queries`);
  return results.map((result: unknown, index) => {
    if (!isRecord(result)) throw malformed(`has result ${index} that is not an object`);
    const vulns = result.vulns ?? [];
    if (!Array.isArray(vulns)) throw malformed(`has result ${index} whose vulns is not a list`);
    const ids = vulns.map((vuln: unknown) => {
      const id = isRecord(vuln) ? vuln.id : undefined;
      if (typeof id !== "string" || !OSV_ID.test(id)) throw malformed(`lists ${JSON.stringify(id)?.slice(0, 80)}, which is not an OSV id`);
      return id;
    });
    // The API writes proto field names; its OpenAPI description names the same field nextPageToken.
    const token = result.next_page_token ?? result.nextPageToken;
    if (token === undefined || token === "") return { ids };
    if (typeof token !== "string" || token.length > PAGE_TOKEN_LIMIT)
      throw malformed(`has result ${index} with an unusable next_page_token`);
    return { ids, nextPageToken: token };
  });
}
