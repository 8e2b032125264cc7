import type { ImageFile } from "../../image/types.js";
import { packageUrl } from "../purl.js";
import type { Analyzer, InventoryPackage } from "../types.js";

const MANIFEST = "/package.json";
/** A package.json is small; a large one is not an installed package's manifest worth reading. */
const MANIFEST_CAP = 1024 * 1024;
/** npm's own limit on package names. */
const NAME_LIMIT = 214;

export const npmAnalyzer: Analyzer = {
  name: "npm",
  wants: (path) => (isPackageRoot(path) ? MANIFEST_CAP : undefined),
  analyze(files, _os, notes) {
    const skipped: string[] = [];
    const packages = [...files.values()].filter((file) => isPackageRoot(file.path)).flatMap((file) => readManifest(file, skipped));
    if (skipped.length > 0) {
      const count = skipped.length === 1 ? "1 package.json" : `${skipped.length} package.json files`;
      notes?.push(`npm: skipped ${count} under node_modules without a usable name and version (first: ${skipped[0]})`);
    }
    return packages;
  },
};

/** `…/node_modules/<name>/package.json` or `…/node_modules/@scope/<name>/package.json`, at any depth. */
function isPackageRoot(path: string): boolean {
  if (!path.endsWith(MANIFEST)) return false;
  const segments = path.split("/");
  const name = segments.at(-2) ?? "";
  const parent = segments.at(-3) ?? "";
  if (name.startsWith(".") || name.startsWith("@")) return false;
  if (parent === "node_modules") return true;
  return parent.length > 1 && parent.startsWith("@") && segments.at(-4) === "node_modules";
}

/** The package, or nothing with the reason added to `skipped`. */
function readManifest(file: ImageFile, skipped: string[]): InventoryPackage[] {
  const manifest = parseManifest(file.content);
  if (typeof manifest === "string") {
    skipped.push(`${file.path}: ${manifest}`);
    return [];
  }
  const { name, version } = manifest;
  const scoped = /^(@[^/]+)\/([^/]+)$/.exec(name);
  const purl = packageUrl({ type: "npm", namespace: scoped?.[1], name: scoped?.[2] ?? name, version });
  return [{ name, version, ecosystem: "npm", purl, layer: file.layer, path: file.path }];
}

function parseManifest(content: Buffer): { name: string; version: string } | string {
  let manifest: unknown;
  try {
    manifest = JSON.parse(content.toString("utf8"));
  } catch {
    return "not JSON";
  }
  if (typeof manifest !== "object" || manifest === null) return "not a JSON object";
  const { name, version } = manifest as Record<string, unknown>;
  if (typeof name !== "string" || !isPackageName(name)) return "no valid name";
  if (typeof version !== "string" || !/^[\w.+-]{1,256}$/.test(version)) return "no valid version";
  return { name, version };
}

function isPackageName(name: string): boolean {
  return name.length <= NAME_LIMIT && /^(?:@[\w.~-][\w.~-]*\/)?[\w.~-][\w.~-]*$/.test(name) && !name.startsWith(".");
}
