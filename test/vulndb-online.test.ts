import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { isUserError, type UserError } from "../core/src/errors.js";
import { stdlibVersion } from "../core/src/inventory/analyzers/go-binary.js";
import { pythonAnalyzer } from "../core/src/inventory/analyzers/python.js";
import { packageUrl } from "../core/src/inventory/purl.js";
import type { InventoryPackage, OsInfo } from "../core/src/inventory/types.js";
import { matchPackages } from "../core/src/match/index.js";
import type { RetryOptions } from "../core/src/registry/retry.js";
import { buildDatabase, openDatabase, type VulnerabilityDatabase } from "../core/src/vulndb/db/index.js";
import { openOnlineDatabase } from "../core/src/vulndb/online/index.js";
import { fileViewOfTree } from "./support/file-view.js";
import { tempTree } from "./support/files.js";
import {
  loadOsvApiDescription,
  type OsvApiServer,
  type OsvApiServerOptions,
  readSharedRecords,
  type SharedRecords,
  startOsvApi,
} from "./support/osv-api.js";
import { realPartAvailable } from "./support/real-parts.js";

const VULNDATA = "../shared/vulndata";
const GO = `${VULNDATA}/go/osv`;
const PYPA = `${VULNDATA}/pypa/vulns`;
const LAYER = "sha256:4444444444444444444444444444444444444444444444444444444444444444";
const vulndataHere = realPartAvailable("the shared vulnerability data", PYPA, "check out ../shared beside the repository", "read");
/** Fast retries: the tests that exhaust them should not wait for the real backoff. */
const QUICK: RetryOptions = { attempts: 3, baseDelayMs: 5, maxDelayMs: 50 };
const DEBIAN_12: OsInfo = { family: "debian", version: "12" };

function pkg(name: string, version: string, ecosystem: string, source?: { name: string; version: string }): InventoryPackage {
  return { name, version, ecosystem, purl: `pkg:generic/${name}@${version}`, ...(source && { source }), layer: LAYER, path: "var/lib/x" };
}

/** Go 1.19.8's standard library as the Go binary analyzer lists it. */
function goStdlib(): InventoryPackage {
  const version = stdlibVersion("go1.19.8") as string;
  return {
    name: "stdlib",
    version,
    ecosystem: "Go",
    purl: packageUrl({ type: "golang", name: "stdlib", version }),
    layer: LAYER,
    path: "usr/bin/app",
  };
}

/** urllib3 as the Python analyzer reads Debian 12's python3-urllib3 (test/fixtures/analyzers/python). */
function urllib3(): InventoryPackage {
  const root = resolve("test/fixtures/analyzers/python");
  const files = fileViewOfTree(root, pythonAnalyzer.wants, LAYER);
  const found = pythonAnalyzer.analyze(files, DEBIAN_12).find((each) => each.name === "urllib3") as InventoryPackage;
  expect(found).toMatchObject({ name: "urllib3", version: "1.26.12", ecosystem: "PyPI" });
  return found;
}

/** The UserError `action` fails with (message and hint); anything else fails the test. */
async function userErrorOf(action: () => Promise<unknown>): Promise<UserError> {
  try {
    await action();
  } catch (error) {
    if (isUserError(error)) return error;
    throw error;
  }
  throw new Error("expected a UserError, got success");
}

function expectAdvice(error: UserError, endpoint: string): void {
  expect(error.message).toContain(endpoint);
  expect(error.hint).toMatch(/HTTPS_PROXY/);
  expect(error.hint).toMatch(/offline database \(--db DIR/);
}

describe("the test API's check of requests against the published OSV API description", () => {
  const { checkRequest } = loadOsvApiDescription();
  const post = (body: unknown, contentType = "application/json") =>
    checkRequest({
      method: "POST",
      path: "/v1/querybatch",
      contentType,
      query: new URLSearchParams(),
      body: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
    });
  const query = { package: { name: "urllib3", ecosystem: "PyPI" }, version: "1.26.12" };

  it("accepts querybatch bodies with fields spelled either way protobuf's JSON form allows", () => {
    expect(post({ queries: [query, { ...query, page_token: "abc" }, { ...query, pageToken: "abc" }] })).toEqual([]);
    expect(checkRequest({ method: "GET", path: "/v1/vulns/PYSEC-2023-192", query: new URLSearchParams(), body: Buffer.alloc(0) })).toEqual(
      [],
    );
  });

  it("reports unknown fields, wrong types, wrong media types and operations it does not describe", () => {
    expect(post({ queries: [{ ...query, page: "abc" }] })).toEqual([
      "POST /v1/querybatch: body/queries/0 must NOT have additional properties",
    ]);
    expect(post({ queries: [{ package: { name: 7 } }] })).toEqual(["POST /v1/querybatch: body/queries/0/package/name must be string"]);
    expect(post({ queries: query })).toEqual(["POST /v1/querybatch: body/queries must be array"]);
    expect(post({ queries: [] }, "text/plain")).toEqual(['POST /v1/querybatch: content-type "text/plain" is not one of application/json']);
    expect(post("{")).toEqual(["POST /v1/querybatch: the body is not JSON"]);
    expect(checkRequest({ method: "POST", path: "/v1/vulns/X", query: new URLSearchParams(), body: Buffer.alloc(0) })).toEqual([
      "POST /v1/vulns/X: POST /v1/vulns/{id} is not in the description",
    ]);
    expect(checkRequest({ method: "GET", path: "/v1/vulns/X", query: new URLSearchParams(), body: Buffer.from("{}") })).toEqual([
      "GET /v1/vulns/X: sends a body the operation does not take",
    ]);
  });
});

describe.skipIf(!vulndataHere)("the OSV API as a vulnerability database (a loopback API over the shared PyPA and Go records)", () => {
  let records: SharedRecords;
  let offline: VulnerabilityDatabase;
  const servers: OsvApiServer[] = [];

  beforeAll(async () => {
    let started = performance.now();
    records = readSharedRecords([PYPA, GO]);
    console.log(`test API: ${records.files} records read in ${(performance.now() - started).toFixed(0)} ms`);
    started = performance.now();
    const out = join(tempTree(), "db");
    await buildDatabase({ osv: [GO, PYPA], out });
    offline = await openDatabase(out);
    console.log(`offline database of the same records built in ${(performance.now() - started).toFixed(0)} ms`);
  });

  async function api(options: OsvApiServerOptions = {}): Promise<OsvApiServer> {
    const server = await startOsvApi(records, options);
    servers.push(server);
    return server;
  }

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      // Every request the client sent, whatever the test, follows the published description.
      expect(server.violations).toEqual([]);
      await server.close();
    }
  });

  it("matches urllib3 1.26.12 and Go 1.19.8's stdlib exactly as the offline database built from the same records", async () => {
    const server = await api();
    const packages = [urllib3(), goStdlib()];
    const started = performance.now();
    const online = await openOnlineDatabase(packages, DEBIAN_12, { endpoint: server.endpoint });
    const ms = performance.now() - started;
    const fromApi = matchPackages(packages, DEBIAN_12, online);
    const fromDisk = matchPackages(packages, DEBIAN_12, offline);
    // The key assertion: ids, aliases, fixed versions, severities, everything.
    expect(fromApi).toEqual(fromDisk);
    const count = (name: string) => fromApi.matches.filter((match) => match.package.name === name).length;
    console.log(
      `online: ${count("urllib3")} urllib3 and ${count("stdlib")} stdlib matches from ${server.requests.querybatch} querybatch and ${server.requests.vulns} record requests in ${ms.toFixed(0)} ms`,
    );
    // Each PyPA record listing 1.26.12 is a vulnerability of its own.
    const listing1_26_12 = [...records.byId.values()].filter(
      (record) =>
        record.id.startsWith("PYSEC-") &&
        record.affected?.some((entry) => entry.package?.name === "urllib3" && entry.versions?.includes("1.26.12")),
    );
    expect(count("urllib3")).toBe(listing1_26_12.length);
    expect(count("urllib3")).toBeGreaterThan(1);
    expect(count("stdlib")).toBeGreaterThan(50);
    expect(fromApi.matches.find((match) => match.id === "PYSEC-2023-192")?.fixedVersion).toBe("1.26.17");

    // One batch, each listed record fetched once.
    expect(server.requests.querybatch).toBe(1);
    expect(server.batches[0]?.queries).toEqual([
      { ecosystem: "PyPI", name: "urllib3", version: "1.26.12" },
      { ecosystem: "Go", name: "stdlib", version: "v1.19.8" },
    ]);
    const listed = new Set(server.batches.flatMap((batch) => batch.listed.flatMap((page) => page.ids)));
    expect([...server.vulnRequests.keys()].sort()).toEqual([...listed].sort());
    expect(Math.max(...server.vulnRequests.values())).toBe(1);

    // The same shapes as the offline database: each listed advisory, restricted to the package.
    for (const [ecosystem, name] of [
      ["PyPI", "urllib3"],
      ["Go", "stdlib"],
    ] as const) {
      const fromOnline = online.advisoriesFor(ecosystem, name);
      const stored = new Map(offline.advisoriesFor(ecosystem, name).map((advisory) => [advisory.id, advisory]));
      expect(fromOnline.length).toBeGreaterThan(0);
      for (const advisory of fromOnline) expect(advisory).toEqual(stored.get(advisory.id));
      expect(fromOnline.map((advisory) => advisory.id)).toEqual(fromOnline.map((advisory) => advisory.id).sort());
    }

    expect(online.ecosystems()).toEqual(["Go", "PyPI"]);
    expect(online.dir).toBe(server.endpoint);
    expect(online.metadata.sources).toEqual([
      expect.objectContaining({ kind: "osv", path: server.endpoint, stats: expect.objectContaining({ read: listed.size, invalid: 0 }) }),
    ]);
    expect(online.metadata.totals.advisories).toBe(listed.size);
    expect(online.metadata.totals.packages).toBe(2);
    expect(Date.now() - Date.parse(online.metadata.builtAt)).toBeLessThan(60_000);
    online.close();
    expect(() => online.advisoriesFor("PyPI", "urllib3")).toThrow(/closed/);
  });

  it("sends 2,500 distinct queries in 3 querybatch requests and fetches each vulnerability once, however many packages list it", async () => {
    const server = await api();
    const names = readdirSync(PYPA, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const versions = ["0.1", "0.9", "1.0", "1.1", "2.0", "3.0"];
    const packages = names.flatMap((name) => versions.map((version) => pkg(name, version, "PyPI"))).slice(0, 2500);
    expect(names.length * versions.length).toBeGreaterThanOrEqual(2500);
    const started = performance.now();
    const online = await openOnlineDatabase(packages, undefined, { endpoint: server.endpoint });
    const ms = performance.now() - started;
    expect(server.batches.map((batch) => batch.queries.length)).toEqual([1000, 1000, 500]);
    expect(new Set(server.batches.flatMap((batch) => batch.queries.map((query) => JSON.stringify(query)))).size).toBe(2500);
    const timesListed = new Map<string, number>();
    for (const page of server.batches.flatMap((batch) => batch.listed))
      for (const id of page.ids) timesListed.set(id, (timesListed.get(id) ?? 0) + 1);
    const shared = [...timesListed.values()].filter((times) => times > 1).length;
    console.log(
      `2,500 queries: ${timesListed.size} vulnerabilities listed (${shared} of them by several queries), fetched in ${server.requests.vulns} requests; ${ms.toFixed(0)} ms in all`,
    );
    expect(shared).toBeGreaterThan(10);
    expect(server.requests.vulns).toBe(timesListed.size);
    expect([...server.vulnRequests.values()].every((times) => times === 1)).toBe(true);
    // Across hundreds of real records, each advisory is the offline database's, restricted alike.
    let compared = 0;
    for (const found of packages) {
      const stored = new Map(offline.advisoriesFor("PyPI", found.name).map((advisory) => [advisory.id, advisory]));
      for (const advisory of online.advisoriesFor("PyPI", found.name)) {
        expect(advisory).toEqual(stored.get(advisory.id));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(timesListed.size);
  });

  it("follows next_page_token, asking again only for the queries that have more pages", async () => {
    const paged = await api({ pageSize: 2 });
    const whole = await api();
    const packages = [
      urllib3(),
      goStdlib(),
      pkg("requests", "2.0.0", "PyPI"),
      pkg("Django", "4.2", "PyPI"),
      pkg("no-such-package", "1.0", "PyPI"),
    ];
    const online = await openOnlineDatabase(packages, undefined, { endpoint: paged.endpoint });
    const reference = await openOnlineDatabase(packages, undefined, { endpoint: whole.endpoint });
    expect(whole.requests.querybatch).toBe(1);
    const [first, ...rest] = paged.batches;
    expect(first?.queries).toHaveLength(5);
    expect(first?.queries.every((query) => query.pageToken === undefined)).toBe(true);
    expect(rest.length).toBeGreaterThan(5);
    // Each later round asks exactly the queries whose previous page said there was more, with a token.
    paged.batches.slice(1).forEach((batch, round) => {
      const previous = paged.batches[round] as (typeof paged.batches)[number];
      const continued = previous.queries
        .filter((_, index) => previous.listed[index]?.more)
        .map(({ ecosystem, name, version }) => ({ ecosystem, name, version }));
      expect(batch.queries.map(({ ecosystem, name, version }) => ({ ecosystem, name, version }))).toEqual(continued);
      expect(batch.queries.every((query) => typeof query.pageToken === "string")).toBe(true);
    });
    expect(paged.batches.at(-1)?.listed.every((page) => !page.more)).toBe(true);
    console.log(
      `pagination: ${paged.requests.querybatch} querybatch rounds at 2 vulnerabilities a page for ${paged.requests.vulns} vulnerabilities`,
    );
    expect(paged.requests.vulns).toBe(whole.requests.vulns);
    expect(matchPackages(packages, undefined, online)).toEqual(matchPackages(packages, undefined, reference));
  });

  it("never has more record requests in flight than the concurrency bound", async () => {
    const bounded = await api({ vulnDelayMs: 15 });
    await openOnlineDatabase([goStdlib()], undefined, { endpoint: bounded.endpoint, concurrency: 3 });
    const byDefault = await api({ vulnDelayMs: 15 });
    await openOnlineDatabase([goStdlib()], undefined, { endpoint: byDefault.endpoint });
    console.log(
      `concurrency: at most ${bounded.maxConcurrentVulnRequests} of ${bounded.requests.vulns} requests at once with 3, ${byDefault.maxConcurrentVulnRequests} by default`,
    );
    expect(bounded.requests.vulns).toBeGreaterThan(50);
    // Reached, and never passed.
    expect(bounded.maxConcurrentVulnRequests).toBe(3);
    expect(byDefault.maxConcurrentVulnRequests).toBe(8);
  });

  it("waits as a 429's Retry-After says, then carries on", async () => {
    const server = await api();
    server.inject("querybatch", { kind: "status", status: 429, retryAfter: "1" });
    server.inject("vulns", { kind: "status", status: 503 }, 2);
    const started = performance.now();
    const online = await openOnlineDatabase([urllib3()], undefined, { endpoint: server.endpoint });
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(server.requests.querybatch).toBe(2);
    expect(server.requests.vulns).toBe(server.vulnRequests.size + 2);
    expect(online.advisoriesFor("PyPI", "urllib3").length).toBe(server.vulnRequests.size);
  });

  it("fails with a UserError naming the endpoint and what to do when the API keeps answering 503", async () => {
    const server = await api();
    server.inject("querybatch", { kind: "status", status: 503 }, Number.POSITIVE_INFINITY);
    const error = await userErrorOf(() => openOnlineDatabase([urllib3()], undefined, { endpoint: server.endpoint, retry: QUICK }));
    expect(error.message).toMatch(/POST \/v1\/querybatch\): gave up after 3 attempts; the last answer was 503/);
    expectAdvice(error, server.endpoint);
    expect(server.requests.querybatch).toBe(3);

    const recordServer = await api();
    recordServer.inject("vulns", { kind: "status", status: 503 }, Number.POSITIVE_INFINITY);
    const fetching = await userErrorOf(() => openOnlineDatabase([urllib3()], undefined, { endpoint: recordServer.endpoint, retry: QUICK }));
    expect(fetching.message).toMatch(/\(GET \/v1\/vulns\/PYSEC-[\d-]+\): gave up after 3 attempts/);
    expectAdvice(fetching, recordServer.endpoint);
  });

  it("fails with a UserError when nothing answers at the endpoint", async () => {
    const server = await startOsvApi(records);
    const endpoint = server.endpoint;
    await server.close();
    const error = await userErrorOf(() => openOnlineDatabase([urllib3()], undefined, { endpoint, retry: QUICK }));
    expect(error.message).toMatch(/no answer after 3 attempts \(ECONNREFUSED\)/);
    expectAdvice(error, endpoint);
  });

  it("passes on the API's own explanation of a request it refuses, without retrying", async () => {
    const refusing = await api();
    refusing.inject("querybatch", { kind: "status", status: 400 });
    const refused = await userErrorOf(() => openOnlineDatabase([urllib3()], undefined, { endpoint: refusing.endpoint }));
    expect(refused.message).toMatch(/\(POST \/v1\/querybatch\) answered 400 Bad Request: injected fault$/);
    expect(refusing.requests.querybatch).toBe(1);
  });

  it("refuses truncated and malformed answers with a UserError, never reading them as 'no vulnerabilities'", async () => {
    const cases: Array<[Parameters<OsvApiServer["inject"]>[0], Parameters<OsvApiServer["inject"]>[1], RegExp]> = [
      ["querybatch", { kind: "truncated" }, /\(POST \/v1\/querybatch\): the answer is not valid JSON .*cut short or garbled/],
      ["vulns", { kind: "truncated" }, /\(GET \/v1\/vulns\/PYSEC-[\d-]+\): the answer is not valid JSON/],
      ["querybatch", { kind: "body", body: '{"results":[]}' }, /the answer has 0 results for 1 queries; it is not a querybatch answer/],
      ["querybatch", { kind: "body", body: '{"vulns":[]}' }, /the answer has no results list/],
      [
        "querybatch",
        { kind: "body", body: '{"results":[{"vulns":[{"id":"../../admin"}]}]}' },
        /lists "..\/..\/admin", which is not an OSV id/,
      ],
      ["querybatch", { kind: "body", body: '{"results":[{"vulns":{"id":"PYSEC-1"}}]}' }, /result 0 whose vulns is not a list/],
      ["querybatch", { kind: "body", body: '{"results":[{"next_page_token":7}]}' }, /result 0 with an unusable next_page_token/],
    ];
    for (const [route, fault, expected] of cases) {
      const server = await api();
      server.inject(route, fault);
      const error = await userErrorOf(() => openOnlineDatabase([urllib3()], undefined, { endpoint: server.endpoint }));
      expect(error.message).toMatch(expected);
      expectAdvice(error, server.endpoint);
    }
  });

  it("gives up on a server that never stops paginating", async () => {
    const server = await api();
    server.inject("querybatch", { kind: "body", body: '{"results":[{"next_page_token":"again"}]}' }, Number.POSITIVE_INFINITY);
    const error = await userErrorOf(() => openOnlineDatabase([urllib3()], undefined, { endpoint: server.endpoint }));
    expect(error.message).toBe(`OSV API ${server.endpoint} kept answering with more pages after 100 rounds; giving up on it`);
    expect(server.requests.querybatch).toBe(100);
    expect(server.batches).toEqual([]);
  });

  it("refuses oversized answers without reading them whole", async () => {
    const GIB = 1024 * 1024 * 1024;
    for (const route of ["querybatch", "vulns"] as const) {
      for (const declared of [true, false]) {
        const server = await api();
        server.inject(route, { kind: "oversized", bytes: 4 * GIB, declared });
        const started = performance.now();
        const error = await userErrorOf(() => openOnlineDatabase([urllib3()], undefined, { endpoint: server.endpoint }));
        const ms = performance.now() - started;
        expect(error.message).toMatch(/the answer is larger than \d+ bytes; refusing to read it/);
        expectAdvice(error, server.endpoint);
        console.log(
          `oversized ${route} answer (${declared ? "declared" : "streamed"} 4 GiB): refused after the server wrote ${(server.oversizedBytesSent / 1024 / 1024).toFixed(1)} MiB, ${ms.toFixed(0)} ms`,
        );
        // A declared size is refused before reading; a streamed one soon after the limit (32 MiB at most).
        expect(server.oversizedBytesSent).toBeLessThan(declared ? 16 * 1024 * 1024 : 128 * 1024 * 1024);
      }
    }
  });

  it("counts a listed record the API then cannot find, or answers as another, and carries on", async () => {
    const server = await api();
    server.inject("vulns", { kind: "status", status: 404 });
    server.inject("vulns", { kind: "body", body: JSON.stringify({ id: "PYSEC-0000-1", modified: "2024-01-01T00:00:00Z" }) });
    const online = await openOnlineDatabase([urllib3()], undefined, { endpoint: server.endpoint, concurrency: 1 });
    const stats = online.metadata.ingestion;
    expect(stats.read).toBe(server.vulnRequests.size);
    expect(stats.invalid).toBe(2);
    expect(stats.invalidExamples).toEqual([
      expect.stringMatching(/\/v1\/vulns\/PYSEC-[\d-]+: not found, though a query listed it$/),
      expect.stringMatching(/\/v1\/vulns\/PYSEC-[\d-]+: answered with record "PYSEC-0000-1"$/),
    ]);
    expect(online.advisoriesFor("PyPI", "urllib3")).toHaveLength(server.vulnRequests.size - 2);
  });

  it("asks about the ecosystems a package names outright, and nothing for an empty inventory", async () => {
    const server = await api();
    const empty = await openOnlineDatabase([], undefined, { endpoint: server.endpoint });
    expect(server.requests).toEqual({ querybatch: 0, vulns: 0, other: 0 });
    expect(empty.ecosystems()).toEqual([]);

    const ubuntu: OsInfo = { family: "ubuntu", version: "22.04" };
    const packages = [
      pkg("libssl3", "3.0.2-0ubuntu1.10", "Ubuntu:22.04:LTS", { name: "openssl", version: "3.0.2-0ubuntu1.10" }),
      pkg("openssl", "3.0.2-0ubuntu1.10", "Ubuntu:22.04:LTS", { name: "openssl", version: "3.0.2-0ubuntu1.10" }),
      pkg("left-pad", "1.0.0", "npm"),
      pkg("not-a-real-thing", "1", "Hackage-but-not-OSV"),
    ];
    const online = await openOnlineDatabase(packages, ubuntu, { endpoint: server.endpoint });
    // Ubuntu Pro's fixes count for Ubuntu; two binary packages of one source ask once.
    expect(server.batches[0]?.queries).toEqual([
      { ecosystem: "Ubuntu:22.04:LTS", name: "openssl", version: "3.0.2-0ubuntu1.10" },
      { ecosystem: "Ubuntu:Pro:22.04:LTS", name: "openssl", version: "3.0.2-0ubuntu1.10" },
      { ecosystem: "npm", name: "left-pad", version: "1.0.0" },
    ]);
    expect(online.ecosystems()).toEqual(["Ubuntu:22.04:LTS", "Ubuntu:Pro:22.04:LTS", "npm"]);
    expect(matchPackages(packages, ubuntu, online).notes).toEqual([
      "Hackage-but-not-OSV packages cannot be matched (OSV has no such ecosystem, or Portcullis no version order for it); its package was not checked",
    ]);

    // Red Hat's streams must be picked from a list of ecosystems, which the API does not give: noted, not asked.
    const rhel: OsInfo = { family: "rhel", version: "9.4" };
    const openssl = pkg("openssl-libs", "3.0.7-27.el9", "Red Hat", { name: "openssl", version: "3.0.7-27.el9" });
    const before = server.requests.querybatch;
    const redHat = await openOnlineDatabase([openssl], rhel, { endpoint: server.endpoint });
    expect(server.requests.querybatch).toBe(before);
    expect(matchPackages([openssl], rhel, redHat).notes).toEqual([
      "no advisories for Red Hat:enterprise_linux:9 in the database; its package was not checked",
    ]);
  });

  it("refuses an endpoint that is not an http(s) URL and a concurrency below 1", async () => {
    const error = await userErrorOf(() => openOnlineDatabase([urllib3()], undefined, { endpoint: "file:///etc/passwd" }));
    expect(error.message).toBe('OSV API endpoint "file:///etc/passwd" is not an http(s) URL; give one like https://api.osv.dev');
    const concurrency = await userErrorOf(() =>
      openOnlineDatabase([urllib3()], undefined, { endpoint: "http://127.0.0.1:9", concurrency: 0 }),
    );
    expect(concurrency.message).toMatch(/concurrency 0 is not a whole number of at least 1/);
  });
});
