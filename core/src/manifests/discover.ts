import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { UserError } from "../errors.js";

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);
/** Folders that never hold a project's own manifests and can be huge. */
const SKIPPED_DIRECTORIES = new Set([".git", "node_modules"]);

export interface DiscoveredFile {
  /** Absolute path. */
  path: string;
  /** The command-line input it was found under. */
  input: string;
}

/**
 * Lists the manifest files under each input. A file named explicitly is always taken;
 * directories are walked for YAML/JSON files. Symbolic links are followed only while
 * they stay inside the input they were found under, and each real path is read once,
 * so link loops end.
 */
export async function discoverManifestFiles(inputs: readonly string[]): Promise<DiscoveredFile[]> {
  const found: DiscoveredFile[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const root = await resolveInput(input);
    const info = await stat(root);
    if (info.isDirectory()) {
      await walk(root, root, input, seen, found);
    } else if (!seen.has(root)) {
      seen.add(root);
      found.push({ path: root, input });
    }
  }
  return found;
}

async function resolveInput(input: string): Promise<string> {
  try {
    return await realpath(input);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? "unknown error"})`;
    throw new UserError(`scan path "${input}" ${problem}.`, "Pass a file or directory that exists, relative to the current directory.");
  }
}

async function walk(dir: string, root: string, input: string, seen: Set<string>, found: DiscoveredFile[]): Promise<void> {
  if (seen.has(dir)) return;
  seen.add(dir);
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `directory "${dir}" cannot be read (${code ?? "unknown error"}).`,
      "Check its permissions, or leave it out of the scan paths.",
    );
  }
  for (const name of entries) {
    if (SKIPPED_DIRECTORIES.has(name)) continue;
    const entryPath = await followWithinRoot(join(dir, name), root);
    if (!entryPath) continue;
    const info = await stat(entryPath).catch(() => undefined);
    if (info?.isDirectory()) {
      await walk(entryPath, root, input, seen, found);
    } else if (info?.isFile() && MANIFEST_EXTENSIONS.has(extname(name).toLowerCase()) && !seen.has(entryPath)) {
      seen.add(entryPath);
      found.push({ path: entryPath, input });
    }
  }
}

/** The real path of an entry, or undefined for a dangling link or one leaving the root. */
async function followWithinRoot(entryPath: string, root: string): Promise<string | undefined> {
  const info = await lstat(entryPath);
  if (!info.isSymbolicLink()) return entryPath;
  const target = await realpath(entryPath).catch(() => undefined);
  if (!target) return undefined;
  const rel = relative(root, target);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep)) ? target : undefined;
}
