import { readdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushDatabase } from "../core/src/vulndb/artifact/index.js";
import { writeDatabase } from "../core/src/vulndb/db/index.js";
import { DEFAULT_DB_REPOSITORY, databaseCacheDir, type ResolveOptions, resolveDatabase } from "../core/src/vulndb/resolve.js";
import type { Advisory } from "../core/src/vulndb/types.js";
import { userErrorOf } from "./support/errors.js";
import { tempTree } from "./support/files.js";
import { type FaultProxy, registryPartsAvailable, startFaultProxy, startRegistry, type TestRegistry } from "./support/registry.js";

const registryHere = registryPartsAvailable();
const EMPTY_HOME = { DOCKER_CONFIG: "/nonexistent-portcullis-docker-config", PATH: process.env.PATH };
const QUICK = { env: EMPTY_HOME, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 50 } };
const NOW = new Date("2026-06-10T12:00:00Z");
const HOUR = 60 * 60 * 1000;
const PASSWORD = "db-Pa55word-never-shown";

function advisory(id: string): Advisory {
  return {
    id,
    aliases: [],
    related: [],
    modified: "2026-01-01T00:00:00Z",
    cvss: [],
    references: [],
    affected: [
      { ecosystem: "npm", name: "lodash", ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "4.17.21" }] }], versions: [] },
    ],
    source: "osv",
  };
}

/** A one-advisory database built `hoursAgo` before NOW; the advisory id tells databases apart. */
async function databaseBuilt(hoursAgo: number, id: string): Promise<string> {
  const dir = join(tempTree(), "db");
  await writeDatabase(Readable.from([advisory(id)]), { out: dir, now: new Date(NOW.getTime() - hoursAgo * HOUR) });
  return dir;
}

/** A loopback address where nothing listens: the port of a server that was just closed. */
async function closedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

function idsOf(result: { database: { advisoriesFor(ecosystem: string, name: string): Advisory[] } }): string[] {
  return result.database.advisoriesFor("npm", "lodash").map((item) => item.id);
}

describe("resolving the database without a registry", () => {
  it("opens the directory given, warning when it is more than a day old and refusing it beyond the maximum age", async () => {
    const dir = await databaseBuilt(30, "DIR-1");
    const options: ResolveOptions = { db: dir, repositories: [DEFAULT_DB_REPOSITORY], cacheDir: tempTree(), now: NOW };
    const resolved = await resolveDatabase(options);
    expect([resolved.origin, idsOf(resolved)]).toEqual([dir, ["DIR-1"]]);
    expect(resolved.warnings).toEqual([
      `the vulnerability database (${dir}) was built 30 hours ago (2026-06-09T06:00:00.000Z); advisories published since are missing. Update it.`,
    ]);
    resolved.database.close();
    expect(await userErrorOf(() => resolveDatabase({ ...options, maxAgeHours: 24 }))).toBe(
      `the vulnerability database (${dir}) was built 30 hours ago (2026-06-09T06:00:00.000Z), more than the 24 hours allowed. Update it (pull or build a newer one) or allow an older database.`,
    );
    const fresh = await resolveDatabase({ ...options, db: await databaseBuilt(2, "DIR-2"), maxAgeHours: 24 });
    expect(fresh.warnings).toEqual([]);
    fresh.database.close();
  });

  it("with skipUpdate and an empty cache, says how to get one", async () => {
    const cacheDir = tempTree();
    expect(await userErrorOf(() => resolveDatabase({ repositories: [DEFAULT_DB_REPOSITORY], cacheDir, skipUpdate: true, now: NOW }))).toBe(
      `no cached vulnerability database in ${databaseCacheDir(cacheDir)} to use without updating; run once without --skip-db-update, or pass a database directory with --db`,
    );
  });
});

describe.skipIf(!registryHere)("resolving the database from registries", () => {
  let registry: TestRegistry;
  let locked: TestRegistry;
  let proxy: FaultProxy;
  let unreachable: string;
  beforeAll(async () => {
    registry = await startRegistry();
    locked = await startRegistry({ kind: "htpasswd", username: "robot", password: "the-right-one" });
    proxy = await startFaultProxy(registry.host);
    unreachable = await closedAddress();
    await pushDatabase(await databaseBuilt(2, "FRESH-1"), `${registry.host}/mirror/portcullis-db:1`, QUICK);
    await pushDatabase(await databaseBuilt(30, "STALE-1"), `${registry.host}/stale/portcullis-db:1`, QUICK);
    await pushDatabase(await databaseBuilt(1, "NEWER-1"), `${registry.host}/newer/portcullis-db:1`, QUICK);
  }, 30_000);
  afterAll(async () => {
    await proxy?.stop();
    await locked?.stop();
    await registry?.stop();
  });

  function options(repositories: string[], cacheDir: string, extra: Partial<ResolveOptions> = {}): ResolveOptions {
    return { repositories, cacheDir, now: NOW, registry: QUICK, ...extra };
  }

  it("takes the repositories in order: an unreachable mirror first, then the next that answers, saying why it skipped", async () => {
    const first = `${unreachable}/company/portcullis-db:1`;
    const resolved = await resolveDatabase(options([first, `${registry.host}/mirror/portcullis-db:1`], tempTree()));
    expect(idsOf(resolved)).toEqual(["FRESH-1"]);
    expect(resolved.origin).toMatch(new RegExp(`^${registry.host}/mirror/portcullis-db:1@sha256:[a-f0-9]{64}$`));
    expect(resolved.warnings).toHaveLength(1);
    expect(resolved.warnings[0]).toContain(
      `could not use database repository ${first}: registry ${unreachable}: manifest company/portcullis-db:1`,
    );
    expect(resolved.warnings[0]).toContain("ECONNREFUSED");
    resolved.database.close();
  });

  it("downloads a digest once: a second resolution reads the cache, and skipUpdate asks no registry at all", async () => {
    const cacheDir = tempTree();
    const repository = `${proxy.host}/mirror/portcullis-db:1`;
    const started = Date.now();
    const first = await resolveDatabase(options([repository], cacheDir));
    const second = await resolveDatabase(options([repository], cacheDir));
    expect(second.origin).toBe(first.origin);
    const blobGets = proxy.log.filter((entry) => entry.at >= started && /^GET \/v2\/mirror\/portcullis-db\/blobs\//.test(entry.request));
    expect(blobGets).toHaveLength(1);
    const before = proxy.log.length;
    const offline = await resolveDatabase(options([repository], cacheDir, { skipUpdate: true }));
    expect(proxy.log.length).toBe(before);
    expect([idsOf(offline), offline.warnings]).toEqual([["FRESH-1"], []]);
    expect(offline.origin).toBe(`cache ${join(databaseCacheDir(cacheDir), `sha256-${first.origin.split("@sha256:")[1]}`)}`);
    for (const resolved of [first, second, offline]) resolved.database.close();
  });

  it("falls back to the newest-built (not the last pulled) cached database with a warning naming every failure when no repository answers", async () => {
    const cacheDir = tempTree();
    (await resolveDatabase(options([`${registry.host}/mirror/portcullis-db:1`], cacheDir))).database.close();
    (await resolveDatabase(options([`${registry.host}/stale/portcullis-db:1`], cacheDir))).database.close();
    expect(readdirSync(databaseCacheDir(cacheDir))).toHaveLength(2);
    const repositories = [`${unreachable}/a/portcullis-db:1`, `${registry.host}/missing/portcullis-db:1`];
    const resolved = await resolveDatabase(options(repositories, cacheDir));
    expect(idsOf(resolved)).toEqual(["FRESH-1"]);
    expect(resolved.origin).toMatch(/^cache .*sha256-[a-f0-9]{64}$/);
    expect(resolved.warnings).toHaveLength(1);
    const [warning] = resolved.warnings as [string];
    expect(warning).toMatch(/^could not update the vulnerability database \(/);
    expect(warning).toContain(
      `${repositories[0]}: registry ${unreachable}: manifest a/portcullis-db:1: no answer after 2 attempts (ECONNREFUSED)`,
    );
    expect(warning).toContain(`${repositories[1]}: registry ${registry.host}: manifest missing/portcullis-db:1: not found (404`);
    expect(warning).toContain("using the cached one built at 2026-06-10T10:00:00.000Z");
    resolved.database.close();
  });

  it("warns about a pulled database older than a day and refuses one older than the maximum age", async () => {
    const cacheDir = tempTree();
    const stale = `${registry.host}/stale/portcullis-db:1`;
    const resolved = await resolveDatabase(options([stale], cacheDir));
    expect(idsOf(resolved)).toEqual(["STALE-1"]);
    expect(resolved.warnings).toEqual([
      `the vulnerability database (${resolved.origin}) was built 30 hours ago (2026-06-09T06:00:00.000Z); advisories published since are missing. Update it.`,
    ]);
    resolved.database.close();
    const message = await userErrorOf(() => resolveDatabase(options([stale], cacheDir, { maxAgeHours: 26 })));
    expect(message).toMatch(/was built 30 hours ago \(2026-06-09T06:00:00.000Z\), more than the 26 hours allowed/);
  });

  it("keeps only the newest database in the cache once a newer one is pulled", async () => {
    const cacheDir = tempTree();
    (await resolveDatabase(options([`${registry.host}/mirror/portcullis-db:1`], cacheDir))).database.close();
    const newer = await resolveDatabase(options([`${registry.host}/newer/portcullis-db:1`], cacheDir));
    expect(readdirSync(databaseCacheDir(cacheDir))).toEqual([`sha256-${newer.origin.split("@sha256:")[1]}`]);
    newer.database.close();
  });

  it("with nothing reachable and nothing cached, lists every repository tried and why, without the password, and how to mirror", async () => {
    const cacheDir = tempTree();
    const repositories = [`${unreachable}/company/portcullis-db:1`, `${locked.host}/portcullis-db:1`];
    const message = await userErrorOf(() =>
      resolveDatabase(options(repositories, cacheDir, { registry: { ...QUICK, username: "robot", password: PASSWORD } })),
    );
    expect(message).toContain(
      `could not get a vulnerability database, and none is cached in ${databaseCacheDir(cacheDir)}. Repositories tried:`,
    );
    expect(message).toContain(
      `\n  - ${repositories[0]}: registry ${unreachable}: manifest company/portcullis-db:1: no answer after 2 attempts (ECONNREFUSED)`,
    );
    expect(message).toContain(`\n  - ${repositories[1]}: registry ${locked.host}: manifest portcullis-db:1 was refused (401 Unauthorized)`);
    expect(message).toContain("portcullis db pull");
    expect(message).toContain("portcullis db push");
    expect(message).not.toContain(PASSWORD);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
