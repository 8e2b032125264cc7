import type { ImageFile } from "../../image/types.js";
import { packageUrl } from "../purl.js";
import type { Analyzer, InventoryPackage } from "../types.js";

/**
 * Installed distributions' metadata in a site-packages or dist-packages directory: wheels'
 * `<name>-<version>.dist-info/METADATA`, eggs' `<name>.egg-info/PKG-INFO`, or an `.egg-info` file.
 */
const METADATA_PATH = /(?:^|\/)(?:site|dist)-packages\/[^/]+(?:\.dist-info\/METADATA|\.egg-info\/PKG-INFO|\.egg-info)$/;
/** METADATA may carry the whole README as its body; only the headers before it are read. */
const METADATA_CAP = 4 * 1024 * 1024;

export const pythonAnalyzer: Analyzer = {
  name: "python",
  wants: (path) => (METADATA_PATH.test(path) ? METADATA_CAP : undefined),
  analyze(files, _os, notes) {
    const seen = new Set<string>();
    const packages: InventoryPackage[] = [];
    for (const file of files.values()) {
      if (!METADATA_PATH.test(file.path)) continue;
      const found = readMetadata(file);
      if (typeof found === "string") {
        notes?.push(`${file.path}: not listed: ${found}`);
        continue;
      }
      // Debian ships some distributions with both a dist-info and an egg-info in one directory.
      const key = `${file.path.slice(0, file.path.lastIndexOf("-packages/"))}\0${found.purl}`;
      if (seen.has(key)) continue;
      seen.add(key);
      packages.push(found);
    }
    return packages;
  },
};

function readMetadata(file: ImageFile): InventoryPackage | string {
  if (file.content.includes(0)) return "binary data, not package metadata";
  const headers = metadataHeaders(file.content.toString("utf8"));
  if (typeof headers === "string") return headers;
  const name = headers.get("name");
  const version = headers.get("version");
  if (!name || !version) return `no ${name ? "Version" : "Name"} header`;
  // PEP 508 names; PEP 440 versions (epochs `1!`, local labels `+deb`) in their written form.
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$/.test(name)) return "Name is not a distribution name";
  if (!/^[A-Za-z0-9.!+_-]{1,128}$/.test(version)) return "Version is not a version";
  return {
    name,
    version,
    ecosystem: "PyPI",
    purl: packageUrl({ type: "pypi", name: normalisedName(name), version }),
    layer: file.layer,
    path: file.path,
  };
}

/** Core metadata headers (RFC 822 style) up to the first blank line; names lower-cased, the first of each kept. */
function metadataHeaders(text: string): Map<string, string> | string {
  const headers = new Map<string, string>();
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") break;
    // Continuation lines (a folded Description or License) start with white space.
    if (line.startsWith(" ") || line.startsWith("\t")) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return `line ${index + 1} is not a \`Header: value\` line`;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(key)) headers.set(key, line.slice(colon + 1).trim());
  }
  return headers;
}

/** PEP 503: lower case, every run of `-`, `_` and `.` one `-`. */
export function normalisedName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}
