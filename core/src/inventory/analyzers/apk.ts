import type { ImageFile } from "../../image/types.js";
import { osvEcosystem } from "../os-release.js";
import { distroQualifier, packageUrl } from "../purl.js";
import type { Analyzer, InventoryPackage, OsInfo } from "../types.js";
import { databaseText, isPlainToken, SkippedEntries, type Stanza, stanzas } from "./database-text.js";

const INSTALLED_PATH = "lib/apk/db/installed";
const INSTALLED_CAP = 64 * 1024 * 1024;

/** Distributions whose packages are apk, by os-release ID; their purl namespace is that ID. */
const APK_DISTRIBUTIONS = new Set(["alpine", "wolfi", "chainguard"]);

export const apkAnalyzer: Analyzer = {
  name: "apk",
  wants: (path) => (path === INSTALLED_PATH ? INSTALLED_CAP : undefined),
  analyze(files, os, notes) {
    const file = files.get(INSTALLED_PATH);
    return file ? readDatabase(file, os, notes) : [];
  },
};

function readDatabase(file: ImageFile, os: OsInfo | undefined, notes: string[] | undefined): InventoryPackage[] {
  const text = databaseText(file, notes);
  if (text === undefined) return [];
  const known = os !== undefined && APK_DISTRIBUTIONS.has(os.family);
  const namespace = known ? os.family : "alpine";
  const ecosystem = (known && osvEcosystem(os)) || "Alpine";
  const distro = distroQualifier(os);
  const skipped = new SkippedEntries(file.path);
  const packages: InventoryPackage[] = [];
  for (const stanza of stanzas(text)) {
    const entry = readEntry(stanza);
    if (typeof entry === "string") {
      skipped.add(stanza.line, entry);
      continue;
    }
    packages.push({
      name: entry.name,
      version: entry.version,
      ecosystem,
      purl: packageUrl({ type: "apk", namespace, name: entry.name, version: entry.version, qualifiers: { arch: entry.arch, distro } }),
      // Every package of one APKBUILD (`o:`, its origin) shares the origin's version.
      source: { name: entry.origin ?? entry.name, version: entry.version },
      arch: entry.arch,
      layer: file.layer,
      path: file.path,
    });
  }
  skipped.noteInto(notes);
  return packages;
}

interface ApkEntry {
  name: string;
  version: string;
  arch?: string;
  origin?: string;
}

/** `P:` name, `V:` version, `A:` architecture, `o:` origin; the first of each counts. */
function readEntry(stanza: Stanza): ApkEntry | string {
  const fields = new Map<string, string>();
  for (const line of stanza.lines) {
    const key = line.slice(0, 1);
    if (line[1] !== ":") return "a line that is not `X:value`";
    if (!fields.has(key)) fields.set(key, line.slice(2).trim());
  }
  const [name, version, arch, origin] = ["P", "V", "A", "o"].map((key) => fields.get(key));
  if (!name || !version) return `no ${name ? "V: (version)" : "P: (name)"} line`;
  if (![name, version, arch, origin].every((value) => value === undefined || isPlainToken(value))) {
    return "P:, V:, A: or o: is not a package name, version or architecture";
  }
  return { name, version, arch, origin };
}
