/**
 * Pulled databases are cached one directory each, named by the manifest digest they came
 * from (`sha256-<hex>`): a digest never changes its content, so a cached entry is reused
 * whenever a registry still serves that digest, and a fresh one is renamed into place whole.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { METADATA_FILE } from "../db/format.js";
import { openDatabase } from "../db/open.js";

const ENTRY = /^(sha256|sha512)-([a-f0-9]{64}|[a-f0-9]{128})$/;

export interface CachedDatabase {
  dir: string;
  /** The manifest digest it was pulled as. */
  digest: string;
  builtAt: string;
}

export function cacheEntryDir(root: string, digest: string): string {
  return join(root, digest.replace(":", "-"));
}

/** Whether a cache entry opens as a database (sizes, index and dictionary checked). */
export async function isIntact(dir: string): Promise<boolean> {
  try {
    (await openDatabase(dir)).close();
    return true;
  } catch {
    return false;
  }
}

async function builtAtOf(dir: string): Promise<string | undefined> {
  try {
    const { builtAt } = JSON.parse(await readFile(join(dir, METADATA_FILE), "utf8")) as { builtAt?: unknown };
    return typeof builtAt === "string" && !Number.isNaN(Date.parse(builtAt)) ? builtAt : undefined;
  } catch {
    return undefined;
  }
}

/** The cache's entries whose metadata can be read, newest build first. */
export async function cachedDatabases(root: string): Promise<CachedDatabase[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const entries: CachedDatabase[] = [];
  for (const name of names) {
    const match = ENTRY.exec(name);
    const builtAt = match ? await builtAtOf(join(root, name)) : undefined;
    if (match && builtAt) entries.push({ dir: join(root, name), digest: `${match[1]}:${match[2]}`, builtAt });
  }
  return entries.sort((a, b) => Date.parse(b.builtAt) - Date.parse(a.builtAt));
}

/**
 * Moves a freshly unpacked database into its entry. When another process got there first
 * (or a damaged entry is in the way), the intact entry wins and the other copy is removed.
 */
export async function storeEntry(unpacked: string, entry: string): Promise<void> {
  if (existsSync(entry) && !(await isIntact(entry))) await rm(entry, { recursive: true, force: true });
  try {
    await rename(unpacked, entry);
  } catch (error) {
    if (!(await isIntact(entry))) throw error;
    await rm(unpacked, { recursive: true, force: true });
  }
}

/** Removes entries built before `keep` (older databases than the one in use); failures only cost disk. */
export async function pruneOlder(root: string, keep: CachedDatabase): Promise<void> {
  for (const entry of await cachedDatabases(root)) {
    if (entry.dir !== keep.dir && Date.parse(entry.builtAt) < Date.parse(keep.builtAt))
      await rm(entry.dir, { recursive: true, force: true }).catch(() => {});
  }
}
