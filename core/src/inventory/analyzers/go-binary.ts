import type { ImageFile } from "../../image/types.js";
import { packageUrl } from "../purl.js";
import type { Analyzer, InventoryPackage } from "../types.js";
import { elfSection, isElf } from "./elf.js";
import { executablesIn, executableWants } from "./executables.js";

/** `debug/buildinfo`: 14 bytes of magic, pointer size, flags; the data starts 32 bytes in, 16-aligned. */
const BUILD_INFO_MAGIC = Buffer.from("\xff Go buildinf:", "latin1");
const HEADER_SIZE = 32;
const ALIGNMENT = 16;
/** Flag bit 1: version and module info follow the header inline (Go 1.18+), not through pointers. */
const FLAG_INLINE = 0x2;
/** The module info string is wrapped in 16 sentinel bytes on each side (cmd/go's modinfo). */
const SENTINEL_SIZE = 16;

export const goBinaryAnalyzer: Analyzer = {
  name: "go-binary",
  wants: executableWants,
  excerpt: (_path, content) => buildInfoExcerpt(content),
  analyze(files, _os, notes) {
    return executablesIn(files).flatMap((file) => readBinary(file, notes));
  },
};

function readBinary(file: ImageFile, notes: string[] | undefined): InventoryPackage[] {
  const info = buildInfo(file.content);
  if (info === undefined) return [];
  if (typeof info === "string") {
    notes?.push(`${file.path}: Go build information not read: ${info}`);
    return [];
  }
  return packagesOf(info, notes, file.path).map((found) => ({ ...found, ecosystem: "Go", layer: file.layer, path: file.path }));
}

export interface GoBuildInfo {
  /** As the toolchain wrote it, e.g. `go1.19.8` or `go1.21.11 X:nocoverageredesign`. */
  goVersion: string;
  /** The main package's import path (`path` line). */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
}

export interface GoModule {
  path: string;
  /** Empty for a module replaced by a local directory. */
  version: string;
}

/**
 * The build information of a Go binary: undefined when there is none (not Go, or Go before
 * 1.13), or why it cannot be read. The ELF section `.go.buildinfo` is used when there is one;
 * otherwise (stripped section headers, other executable formats, an excerpt) the magic is
 * searched for at 16-byte boundaries as Go's own reader does.
 */
export function buildInfo(content: Buffer): GoBuildInfo | string | undefined {
  return locateBuildInfo(content)?.info;
}

/**
 * The bytes `buildInfo` reads, copied so the binary itself can be freed: the header and its
 * two strings (a few KiB), the header alone when they cannot be read (so the reason is still
 * reported), or nothing for a file without build information.
 */
export function buildInfoExcerpt(content: Buffer): Buffer {
  const found = locateBuildInfo(content);
  return found ? Buffer.from(content.subarray(found.start, found.start + found.length)) : Buffer.alloc(0);
}

interface LocatedBuildInfo {
  info: GoBuildInfo | string;
  /** Where the blob starts in the file, and how many bytes of it were read. */
  start: number;
  length: number;
}

function locateBuildInfo(content: Buffer): LocatedBuildInfo | undefined {
  const section = isElf(content) ? elfSection(content, ".go.buildinfo") : undefined;
  if (section) {
    const read = readBuildInfo(content.subarray(section.offset, section.offset + section.size));
    return read && { ...read, start: section.offset };
  }
  let firstProblem: LocatedBuildInfo | undefined;
  for (let at = content.indexOf(BUILD_INFO_MAGIC); at !== -1; at = content.indexOf(BUILD_INFO_MAGIC, at + 1)) {
    if (at % ALIGNMENT !== 0) continue;
    const read = readBuildInfo(content.subarray(at));
    if (!read) continue;
    // The magic bytes may also occur as data (Go's own debug/buildinfo holds them); keep looking.
    if (typeof read.info !== "string") return { ...read, start: at };
    firstProblem ??= { ...read, start: at };
  }
  return firstProblem;
}

/** The build information at the start of `data`, and how many bytes it spans (the header alone for a problem). */
function readBuildInfo(data: Buffer): { info: GoBuildInfo | string; length: number } | undefined {
  if (data.length < HEADER_SIZE || !data.subarray(0, BUILD_INFO_MAGIC.length).equals(BUILD_INFO_MAGIC)) return undefined;
  const problem = (info: string) => ({ info, length: HEADER_SIZE });
  const flags = data[15] ?? 0;
  if ((flags & FLAG_INLINE) === 0) return problem("it uses the pointer format of Go before 1.18, which is not read");
  const version = varintString(data, HEADER_SIZE);
  if (typeof version === "string") return problem(`the Go version ${version}`);
  const modinfo = varintString(data, version.end);
  if (typeof modinfo === "string") return problem(`the module information ${modinfo}`);
  const goVersion = version.bytes.toString("utf8");
  if (!/^(?:go|devel )/.test(goVersion)) return problem(`the Go version is not a Go version (${JSON.stringify(goVersion.slice(0, 40))})`);
  return { info: { goVersion, ...parseModinfo(unwrapModinfo(modinfo.bytes)) }, length: modinfo.end };
}

/** A uvarint length and that many bytes; the length is checked against what is there before anything is sliced. */
function varintString(data: Buffer, start: number): { bytes: Buffer; end: number } | string {
  let length = 0;
  let at = start;
  for (let shift = 0; ; shift += 7) {
    const byte = data[at];
    if (byte === undefined) return "is cut short";
    if (shift > 28) return "has a length that is too large";
    length += (byte & 0x7f) * 2 ** shift;
    at += 1;
    if (byte < 0x80) break;
  }
  if (at + length > data.length) return `claims ${length} bytes where ${data.length - at} remain`;
  return { bytes: data.subarray(at, at + length), end: at + length };
}

function unwrapModinfo(wrapped: Buffer): string {
  const size = wrapped.length;
  if (size < 2 * SENTINEL_SIZE + 1 || wrapped[size - SENTINEL_SIZE - 1] !== 0x0a) return "";
  return wrapped.subarray(SENTINEL_SIZE, size - SENTINEL_SIZE).toString("utf8");
}

/** `path`, `mod` (the main module), `dep` and `=>` (replaces the module on the line before) lines, tab-separated. */
function parseModinfo(text: string): Omit<GoBuildInfo, "goVersion"> {
  const result: Omit<GoBuildInfo, "goVersion"> = { deps: [] };
  let last: GoModule | undefined;
  for (const line of text.split("\n")) {
    const [kind, path = "", version = ""] = line.split("\t");
    if (kind === "path") result.path = path;
    else if (kind === "mod" || kind === "dep") {
      last = { path, version };
      if (kind === "mod") result.main = last;
      else result.deps.push(last);
    } else if (kind === "=>" && last) {
      // The replacement is the code that was compiled in, so it is what gets reported.
      last.path = path;
      last.version = version;
      last = undefined;
    }
  }
  return result;
}

function packagesOf(
  info: GoBuildInfo,
  notes: string[] | undefined,
  where: string,
): Omit<InventoryPackage, "ecosystem" | "layer" | "path">[] {
  const modules = [...(info.main && info.main.version !== "(devel)" ? [info.main] : []), ...info.deps];
  // A module replaced by a local directory has no version to match advisories against.
  const found = modules.filter((module) => isModuleToken(module.path) && isModuleToken(module.version)).map(modulePackage);
  const stdlib = stdlibVersion(info.goVersion);
  if (stdlib) found.unshift({ name: "stdlib", version: stdlib, purl: packageUrl({ type: "golang", name: "stdlib", version: stdlib }) });
  else notes?.push(`${where}: Go toolchain version ${JSON.stringify(info.goVersion)} is not a release; package stdlib is not listed`);
  return found;
}

function modulePackage(module: GoModule): Omit<InventoryPackage, "ecosystem" | "layer" | "path"> {
  const slash = module.path.lastIndexOf("/");
  const purl = packageUrl({
    type: "golang",
    namespace: slash === -1 ? undefined : module.path.slice(0, slash),
    name: module.path.slice(slash + 1),
    version: module.version,
  });
  return { name: module.path, version: module.version, purl };
}

function isModuleToken(value: string): boolean {
  return /^[\w.~+/-]{1,512}$/.test(value) && !value.startsWith(".") && !value.startsWith("/");
}

/**
 * The toolchain as module `stdlib` in semver form, as the Go vulnerability database keys it:
 * `go1.19.8` → `v1.19.8`, `go1.20` → `v1.20.0`, `go1.21rc2` → `v1.21.0-rc.2`. Development
 * toolchains (`devel …`) have no release version.
 */
export function stdlibVersion(goVersion: string): string | undefined {
  const release = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?$/.exec(goVersion.split(" ")[0] ?? "");
  if (!release) return undefined;
  const [, major, minor, patch = "0", stage, stageNumber] = release;
  return `v${major}.${minor}.${patch}${stage ? `-${stage}.${stageNumber}` : ""}`;
}
