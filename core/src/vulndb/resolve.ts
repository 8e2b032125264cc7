import { join } from "node:path";
import { isUserError, UserError } from "../errors.js";
import { parseDockerReference } from "../image/sources/reference.js";
import { clientOptionsFor, type RegistrySettings } from "../registry/settings.js";
import { cachedDatabases, pruneOlder } from "./artifact/cache.js";
import { pullDatabase } from "./artifact/pull.js";
import { openDatabase, type VulnerabilityDatabase } from "./db/open.js";

/** Where portcullis publishes its database; the tag is the schema version it holds. */
export const DEFAULT_DB_REPOSITORY = "ghcr.io/portcullis-dev/portcullis-db:1";
/** Older than this, a database still serves but earns a warning: feeds publish daily. */
export const STALE_AFTER_HOURS = 24;
const HOUR_MS = 60 * 60 * 1000;

export interface ResolveOptions {
  /** A database directory to use as it is (no registry, no cache). */
  db?: string;
  /** Repositories to pull from, tried in order (a company mirror first). */
  repositories: string[];
  /** The cache root; pulled databases live under `vulndb/` in it. */
  cacheDir: string;
  /** Use the newest cached database without asking any registry. */
  skipUpdate?: boolean;
  /** Refuse a database built longer ago than this. */
  maxAgeHours?: number;
  now?: Date;
  /** Credentials and plain-HTTP registries, applied to each repository's registry. */
  registry?: RegistrySettings;
}

export interface ResolvedDatabase {
  database: VulnerabilityDatabase;
  warnings: string[];
  /** Where it came from: the directory given, `REPOSITORY@DIGEST`, or `cache DIR`. */
  origin: string;
}

/** The directory pulled databases are cached in, below the cache root. */
export function databaseCacheDir(cacheDir: string): string {
  return join(cacheDir, "vulndb");
}

/** The newest cached database that opens, if any. */
async function newestCached(root: string): Promise<ResolvedDatabase | undefined> {
  for (const entry of await cachedDatabases(root)) {
    try {
      return { database: await openDatabase(entry.dir), warnings: [], origin: `cache ${entry.dir}` };
    } catch {
      // A damaged entry: the next one may serve.
    }
  }
  return undefined;
}

const MIRROR_ADVICE =
  "To mirror the database into a registry you can reach: `portcullis db pull REPOSITORY` where the public one is reachable, " +
  "then `portcullis db push YOUR-REGISTRY/REPOSITORY:TAG` (or copy the artifact with `oras copy`), and name that repository first; " +
  "or build one with `portcullis db build` and pass its directory with --db.";

/** Pulls from the first repository that answers; each failure (`REPOSITORY: why`) is returned for messages. */
async function pullFirst(options: ResolveOptions, root: string): Promise<{ resolved?: ResolvedDatabase; failures: string[] }> {
  const failures: string[] = [];
  for (const repository of options.repositories) {
    try {
      const registry = clientOptionsFor(parseDockerReference(repository).registry, options.registry);
      const pulled = await pullDatabase(repository, root, registry);
      const database = await openDatabase(pulled.dir);
      await pruneOlder(root, { dir: pulled.dir, digest: pulled.digest, builtAt: database.metadata.builtAt });
      // The repositories before it were preferred (a mirror): say why they were passed over.
      const warnings = failures.map((failure) => `could not use database repository ${failure}`);
      return { resolved: { database, warnings, origin: `${repository}@${pulled.digest}` }, failures };
    } catch (error) {
      if (!isUserError(error)) throw error;
      failures.push(`${repository}: ${error.message}`);
    }
  }
  return { failures };
}

async function chooseDatabase(options: ResolveOptions): Promise<ResolvedDatabase> {
  if (options.db) return { database: await openDatabase(options.db), warnings: [], origin: options.db };
  const root = databaseCacheDir(options.cacheDir);
  if (options.skipUpdate) {
    const cached = await newestCached(root);
    if (cached) return cached;
    throw new UserError(
      `no cached vulnerability database in ${root} to use without updating; run once without --skip-db-update, or pass a database directory with --db`,
    );
  }
  const { resolved, failures } = await pullFirst(options, root);
  if (resolved) return resolved;
  const cached = await newestCached(root);
  if (!cached) {
    const tried = failures.length > 0 ? failures.map((failure) => `\n  - ${failure}`).join("") : " none (no repository was given)";
    throw new UserError(
      `could not get a vulnerability database, and none is cached in ${root}. Repositories tried:${tried}\n${MIRROR_ADVICE}`,
    );
  }
  cached.warnings.push(
    `could not update the vulnerability database (${failures.join("; ")}); using the cached one built at ${cached.database.metadata.builtAt}`,
  );
  return cached;
}

function hoursSince(time: string, now: Date): number {
  return (now.getTime() - Date.parse(time)) / HOUR_MS;
}

/**
 * The database a scan should use: `db` when given; else the first of `repositories` that
 * answers (a digest already cached is not downloaded again), falling back to the newest
 * cached database with a warning when none answers; `skipUpdate` uses the cache only. A
 * database older than 24 hours earns a warning, older than `maxAgeHours` a UserError.
 */
export async function resolveDatabase(options: ResolveOptions): Promise<ResolvedDatabase> {
  const resolved = await chooseDatabase(options);
  const { builtAt } = resolved.database.metadata;
  const age = hoursSince(builtAt, options.now ?? new Date());
  const described = `the vulnerability database (${resolved.origin}) was built ${Math.floor(age)} hours ago (${builtAt})`;
  if (options.maxAgeHours !== undefined && age > options.maxAgeHours) {
    resolved.database.close();
    const why = resolved.warnings.length > 0 ? ` ${resolved.warnings.join(" ")}.` : "";
    throw new UserError(
      `${described}, more than the ${options.maxAgeHours} hours allowed.${why} Update it (pull or build a newer one) or allow an older database.`,
    );
  }
  if (age > STALE_AFTER_HOURS) resolved.warnings.push(`${described}; advisories published since are missing. Update it.`);
  return resolved;
}
