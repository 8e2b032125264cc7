import { inflateSync } from "node:zlib";
import semver from "semver";

/**
 * The dependency list `cargo auditable` embeds in Rust binaries: zlib-compressed JSON
 * `{"format":1,"packages":[{"name","version","source","kind","dependencies","root"}]}`, as
 * documented by rust-secure-code/cargo-auditable (PARSING.md and cargo-auditable.schema.json).
 */
export interface AuditData {
  crates: AuditedCrate[];
  /** Parts of the list that were skipped or ignored, one sentence each. */
  problems: string[];
}

export interface AuditedCrate {
  name: string;
  /** Semver, as Cargo requires; checked. */
  version: string;
  /** `crates.io`, `registry` (another registry), `git`, `local`, or a future kind of source. */
  source: string;
  /** `build`: a build script or proc-macro and what only they use, run at build time and not linked in. */
  kind: "build" | "runtime";
  /** The package the binary was built from. */
  root: boolean;
}

/** Decompressed size allowed: cargo-auditable's own advice, far above any real dependency list. */
const AUDIT_JSON_CAP = 8 * 1024 * 1024;
/** Package entries read from one binary; the largest real dependency trees have a few thousand. */
const AUDIT_PACKAGE_CAP = 20_000;
/** How much of a name or source a note quotes: a hostile one can be megabytes long. */
const QUOTED_LENGTH = 64;

/**
 * The crates recorded in the compressed audit data, or why none can be read (not zlib, more
 * than `AUDIT_JSON_CAP` once inflated, not UTF-8 JSON, no package list). Inflating stops at
 * the cap, so a zlib bomb costs at most that much memory. Malformed entries are skipped and
 * reported in `problems`; nothing here throws.
 */
export function readAuditData(compressed: Buffer): AuditData | string {
  const json = inflateCapped(compressed);
  if (typeof json !== "string") return json.problem;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    return `it is not JSON (${errorMessage(error)})`;
  }
  const packages = (parsed as { packages?: unknown } | null)?.packages;
  if (typeof parsed !== "object" || Array.isArray(parsed) || !Array.isArray(packages)) return 'it has no "packages" list';
  return cratesOf(packages);
}

function inflateCapped(compressed: Buffer): string | { problem: string } {
  let inflated: Buffer;
  try {
    inflated = inflateSync(compressed, { maxOutputLength: AUDIT_JSON_CAP });
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      return { problem: `it inflates to more than ${AUDIT_JSON_CAP} bytes, the limit for a dependency list` };
    }
    return { problem: `it is not zlib data (${errorMessage(error)})` };
  }
  try {
    // The format is UTF-8 JSON; replacing bad bytes would invent crate names.
    return new TextDecoder("utf-8", { fatal: true }).decode(inflated);
  } catch {
    return { problem: "it is not UTF-8 text" };
  }
}

function cratesOf(packages: unknown[]): AuditData {
  const problems: string[] = [];
  if (packages.length > AUDIT_PACKAGE_CAP) {
    problems.push(`it lists ${packages.length} packages; only the first ${AUDIT_PACKAGE_CAP} are read`);
  }
  const entries = packages.slice(0, AUDIT_PACKAGE_CAP);
  const crates: AuditedCrate[] = [];
  const malformed: string[] = [];
  let danglingIndices = 0;
  entries.forEach((entry, index) => {
    const checked = checkEntry(entry);
    if (typeof checked === "string") {
      malformed.push(`entry ${index} ${checked}`);
      return;
    }
    crates.push(checked.crate);
    danglingIndices += checked.dependencies.filter((dependency) => dependency >= packages.length).length;
  });
  if (malformed.length > 0) {
    problems.push(`malformed package entries skipped: ${malformed.length} of ${entries.length} (first: ${malformed[0]})`);
  }
  // The graph is not needed for the inventory, but a reference past the list means the data is damaged.
  if (danglingIndices > 0) problems.push(`dependency references past the end of the package list ignored: ${danglingIndices}`);
  return { crates, problems };
}

/** An entry as the schema describes it, or what is wrong with it. */
function checkEntry(entry: unknown): { crate: AuditedCrate; dependencies: number[] } | string {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return "is not an object";
  const { name, version, source, kind = "runtime", root = false, dependencies = [] } = entry as Record<string, unknown>;
  if (typeof name !== "string" || name === "") return 'has no "name" string';
  const which = quoted(name);
  if (typeof version !== "string" || !isSemver(version)) return `(${which}) has no semver "version"`;
  if (typeof source !== "string" || source === "") return `(${which}) has no "source" string`;
  if (kind !== "build" && kind !== "runtime") return `(${which}) has a "kind" that is neither "build" nor "runtime"`;
  if (typeof root !== "boolean") return `(${which}) has a "root" that is not true or false`;
  if (!Array.isArray(dependencies) || !dependencies.every((index) => Number.isSafeInteger(index) && index >= 0)) {
    return `(${which}) has "dependencies" that are not package indices`;
  }
  return { crate: { name, version, source, kind, root }, dependencies };
}

/** Exactly a semver version: `semver.valid` would also take `v1.2.3` or ` 1.2.3` and drop build metadata. */
function isSemver(version: string): boolean {
  const parsed = semver.parse(version);
  if (parsed === null) return false;
  const build = parsed.build.join(".");
  return version === (build ? `${parsed.version}+${build}` : parsed.version);
}

/** A string from the data as a note shows it: in quotes, cut short. */
export function quoted(text: string): string {
  return JSON.stringify(text.slice(0, QUOTED_LENGTH));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
