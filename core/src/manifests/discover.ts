import type { Stats } from "node:fs";
import { lstat, readdir, readlink, realpath, stat } from "node:fs/promises";
import { basename, dirname, extname, join, relative, sep } from "node:path";
import { UserError } from "../errors.js";

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);
/** Folders that never hold a project's own manifests and can be huge. */
const SKIPPED_DIRECTORIES = new Set([".git", "node_modules"]);
const OCI_LAYOUT_MARKER = "oci-layout";
/** A Portcullis vulnerability database (`portcullis db build`): its metadata.json is no manifest. */
const VULNERABILITY_DATABASE_MARKERS = ["metadata.json", "index.tsv", "packages.bin"];
/** The names `kustomize build` looks for, in its order. */
export const KUSTOMIZATION_FILE_NAMES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;
export const CHART_FILE_NAME = "Chart.yaml";

export interface DiscoveredFile {
  /** Absolute path. */
  path: string;
  /** The command-line input it was found under. */
  input: string;
}

/** Something found under an input that was not read: a link not followed, a directory that cannot be listed. */
export interface SkippedEntry extends DiscoveredFile {
  reason: string;
  /** Whether the user must fix it (an error) or should only know (a warning). */
  severity: "error" | "warning";
}

export interface Discovery {
  /** YAML and JSON files, each real path once. */
  files: DiscoveredFile[];
  /** Directories holding a kustomization file. */
  kustomizations: DiscoveredFile[];
  /** Directories holding a Chart.yaml. */
  charts: DiscoveredFile[];
  skipped: SkippedEntry[];
}

export interface DiscoveryOptions {
  /** Follow symbolic links that leave the input they were found under (default false). */
  followSymlinks?: boolean;
}

/**
 * Lists the manifest files, kustomizations and charts under each input. A file named
 * explicitly is always taken; directories are walked. Symbolic links are followed only
 * while they stay inside their input (unless `followSymlinks`), each real path is read
 * once so link loops end, and every link not followed is listed in `skipped`.
 */
export async function discoverInputs(inputs: readonly string[], options: DiscoveryOptions = {}): Promise<Discovery> {
  const discovery: Discovery = { files: [], kustomizations: [], charts: [], skipped: [] };
  const walker = new Walker(discovery, options.followSymlinks ?? false);
  for (const input of inputs) {
    const root = await resolveInput(input);
    const info = await stat(root);
    if (info.isDirectory()) await walker.walk(root, root, input);
    else walker.addFile(root, input);
  }
  return discovery;
}

/** The manifest files under each input (see discoverInputs). */
export async function discoverManifestFiles(inputs: readonly string[], options: DiscoveryOptions = {}): Promise<DiscoveredFile[]> {
  return (await discoverInputs(inputs, options)).files;
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

class Walker {
  private readonly seen = new Set<string>();

  constructor(
    private readonly discovery: Discovery,
    private readonly followSymlinks: boolean,
  ) {}

  /** A file named on the command line; a kustomization or Chart.yaml stands for its directory. */
  addFile(path: string, input: string): void {
    if (this.seen.has(path)) return;
    this.seen.add(path);
    const name = basename(path);
    if ((KUSTOMIZATION_FILE_NAMES as readonly string[]).includes(name)) this.discovery.kustomizations.push({ path: dirname(path), input });
    else if (name === CHART_FILE_NAME) this.discovery.charts.push({ path: dirname(path), input });
    else this.discovery.files.push({ path, input });
  }

  async walk(dir: string, root: string, input: string): Promise<void> {
    if (this.seen.has(dir)) return;
    this.seen.add(dir);
    let entries: string[];
    try {
      entries = (await readdir(dir)).sort();
    } catch (error) {
      this.skip(dir, input, `directory cannot be read (${codeOf(error)}); its files were not scanned`, "error");
      return;
    }
    // An OCI image layout holds image metadata, not manifests; images are scanned with --image.
    if (entries.includes(OCI_LAYOUT_MARKER)) return;
    if (VULNERABILITY_DATABASE_MARKERS.every((marker) => entries.includes(marker))) return;
    this.noteRenderable(dir, input, entries);
    for (const name of entries) {
      if (SKIPPED_DIRECTORIES.has(name)) continue;
      const entry = await this.follow(join(dir, name), root, input);
      if (!entry) continue;
      const { path: entryPath, info } = entry;
      if (info?.isDirectory()) {
        await this.walk(entryPath, root, input);
      } else if (info?.isFile() && MANIFEST_EXTENSIONS.has(extname(name).toLowerCase()) && !this.seen.has(entryPath)) {
        this.seen.add(entryPath);
        this.discovery.files.push({ path: entryPath, input });
      }
    }
  }

  private noteRenderable(dir: string, input: string, entries: readonly string[]): void {
    if (KUSTOMIZATION_FILE_NAMES.some((name) => entries.includes(name))) this.discovery.kustomizations.push({ path: dir, input });
    if (entries.includes(CHART_FILE_NAME)) this.discovery.charts.push({ path: dir, input });
  }

  /**
   * The real path of an entry and what it is (undefined when that cannot be read), or
   * undefined (and a note in `skipped`) for a link not followed.
   */
  private async follow(entryPath: string, root: string, input: string): Promise<{ path: string; info: Stats | undefined } | undefined> {
    let info: Stats;
    try {
      info = await lstat(entryPath);
    } catch (error) {
      this.skip(entryPath, input, `cannot be read (${codeOf(error)})`, "error");
      return undefined;
    }
    if (!info.isSymbolicLink()) return { path: entryPath, info };
    const pointsTo = await readlink(entryPath).catch(() => "?");
    let target: string;
    try {
      target = await realpath(entryPath);
    } catch (error) {
      const code = codeOf(error);
      const reason =
        code === "ENOENT"
          ? `is a dangling symbolic link (to ${pointsTo}); skipped`
          : code === "ELOOP"
            ? `is a symbolic link loop (to ${pointsTo}); skipped`
            : `is a symbolic link that cannot be resolved (${code}); skipped`;
      this.skip(entryPath, input, reason, "warning");
      return undefined;
    }
    if (isInside(target, dirname(entryPath))) {
      this.skip(entryPath, input, `is a symbolic link to its own parent directory (${pointsTo}); skipped to end the loop`, "warning");
      return undefined;
    }
    if (!this.followSymlinks && !isInside(root, target)) {
      this.skip(
        entryPath,
        input,
        `is a symbolic link to ${target}, outside the scanned directory; not followed (pass --follow-symlinks to follow it)`,
        "warning",
      );
      return undefined;
    }
    return { path: target, info: await stat(target).catch(() => undefined) };
  }

  private skip(path: string, input: string, reason: string, severity: SkippedEntry["severity"]): void {
    this.discovery.skipped.push({ path, input, reason, severity });
  }
}

/** Whether `path` is `dir` or below it. */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep));
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? "unknown error";
}
