import type { ImageFile } from "../../image/types.js";
import { osvEcosystem } from "../os-release.js";
import { distroQualifier, packageUrl } from "../purl.js";
import type { Analyzer, FileView, InventoryPackage, OsInfo } from "../types.js";
import { databaseText, isPlainToken, SkippedEntries, type Stanza, stanzas } from "./database-text.js";

const STATUS_PATH = "var/lib/dpkg/status";
/** Distroless images: one control file per package, and `<package>.md5sums` beside it. */
const STATUS_DIRECTORY = "var/lib/dpkg/status.d/";
const STATUS_CAP = 64 * 1024 * 1024;
const STATUS_ENTRY_CAP = 1024 * 1024;

/** dpkg states in which the package's files are on disk (dpkg(1)); `not-installed` and `config-files` are not. */
const FILES_PRESENT = new Set(["installed", "half-installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending"]);

export const dpkgAnalyzer: Analyzer = {
  name: "dpkg",
  wants: dpkgWants,
  analyze(files, os, notes) {
    const flavour = debianFlavour(os);
    return [...files.values()].filter((file) => dpkgWants(file.path)).flatMap((file) => readDatabase(file, flavour, notes));
  },
};

/** Distroless: dpkg's data is in status.d only. */
export function hasOnlyDpkgStatusDirectory(files: FileView): boolean {
  return !files.has(STATUS_PATH) && [...files.keys()].some(isStatusDirectoryEntry);
}

function dpkgWants(path: string): number | undefined {
  if (path === STATUS_PATH) return STATUS_CAP;
  return isStatusDirectoryEntry(path) ? STATUS_ENTRY_CAP : undefined;
}

function isStatusDirectoryEntry(path: string): boolean {
  if (!path.startsWith(STATUS_DIRECTORY)) return false;
  const name = path.slice(STATUS_DIRECTORY.length);
  return name !== "" && !name.includes("/") && !name.endsWith(".md5sums");
}

interface DebianFlavour {
  namespace: string;
  ecosystem: string;
  distro?: string;
}

function debianFlavour(os: OsInfo | undefined): DebianFlavour {
  const namespace = os?.family === "ubuntu" ? "ubuntu" : "debian";
  const ecosystem = (os?.family === namespace && osvEcosystem(os)) || "Debian";
  return { namespace, ecosystem, distro: distroQualifier(os) };
}

function readDatabase(file: ImageFile, flavour: DebianFlavour, notes: string[] | undefined): InventoryPackage[] {
  const text = databaseText(file, notes);
  if (text === undefined) return [];
  const skipped = new SkippedEntries(file.path);
  const packages: InventoryPackage[] = [];
  for (const stanza of stanzas(text)) {
    const entry = readEntry(stanza);
    if (typeof entry === "string") skipped.add(stanza.line, entry);
    else if (entry) packages.push({ ...toPackage(entry, flavour), layer: file.layer, path: file.path });
  }
  skipped.noteInto(notes);
  return packages;
}

interface DpkgEntry {
  name: string;
  version: string;
  arch?: string;
  source: { name: string; version: string };
}

/** A package with its files on disk, undefined for one that is not, or why the stanza is unusable. */
function readEntry(stanza: Stanza): DpkgEntry | undefined | string {
  const fields = controlFields(stanza.lines);
  if (typeof fields === "string") return fields;
  // status.d entries are bare control files: no Status, and installed.
  const status = fields.get("status");
  if (status !== undefined && !FILES_PRESENT.has(status.split(/\s+/)[2] ?? "")) return undefined;
  const name = fields.get("package");
  const version = fields.get("version");
  const arch = fields.get("architecture");
  if (!name || !version) return `no ${name ? "Version" : "Package"} field`;
  if (!isPlainToken(name) || !isPlainToken(version) || (arch !== undefined && !isPlainToken(arch))) {
    return "Package, Version or Architecture is not a package name, version or architecture";
  }
  const source = /^([\w.+-]{1,256})(?:\s+\(([\w.+~:-]{1,256})\))?$/.exec(fields.get("source") ?? name);
  if (!source) return "Source is neither `name` nor `name (version)`";
  const [, sourceName = name, sourceVersion = version] = source;
  return { name, version, arch, source: { name: sourceName, version: sourceVersion } };
}

/** deb822 fields, names lower-cased; a line starting with a space or tab continues the field before it. */
function controlFields(lines: string[]): Map<string, string> | string {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of lines) {
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (last === undefined) return "a continuation line before any field";
      fields.set(last, `${fields.get(last)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) return "a line that is not `Field: value`";
    last = line.slice(0, colon).trim().toLowerCase();
    fields.set(last, line.slice(colon + 1).trim());
  }
  return fields;
}

function toPackage(entry: DpkgEntry, flavour: DebianFlavour): Omit<InventoryPackage, "layer" | "path"> {
  return {
    name: entry.name,
    version: entry.version,
    ecosystem: flavour.ecosystem,
    purl: packageUrl({
      type: "deb",
      namespace: flavour.namespace,
      name: entry.name,
      version: entry.version,
      qualifiers: { arch: entry.arch, distro: flavour.distro },
    }),
    source: entry.source,
    arch: entry.arch,
  };
}
