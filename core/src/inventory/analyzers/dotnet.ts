import type { ImageFile } from "../../image/types.js";
import { isRecord } from "../../records.js";
import { packageUrl } from "../purl.js";
import type { Analyzer, InventoryPackage } from "../types.js";

/** `<app>.deps.json`, written by the .NET SDK beside every framework-dependent or self-contained app. */
const DEPS_FILE = /(?:^|\/)[^/]+\.deps\.json$/;
/** A large app's deps.json is a few hundred KiB; more is not one worth parsing. */
const DEPS_CAP = 16 * 1024 * 1024;
/**
 * `libraries` types that are NuGet packages: `package`, and `runtimepack`, the runtime a
 * self-contained app carries (`runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.30`),
 * which is the NuGet package `Microsoft.NETCore.App.Runtime.linux-x64`. `project` and
 * `reference` entries are the app's own code and plain assembly references.
 */
const RUNTIME_PACK_PREFIX = "runtimepack.";
/** NuGet ids: letters, digits, `.`, `_`, `-`, at most 100 characters. */
const PACKAGE_ID = /^[A-Za-z0-9_][\w.-]{0,99}$/;
const VERSION = /^[0-9][\w.+-]{0,127}$/;

export const dotnetAnalyzer: Analyzer = {
  name: "dotnet",
  wants: (path) => (DEPS_FILE.test(path) ? DEPS_CAP : undefined),
  analyze(files, _os, notes) {
    return [...files.values()].filter((file) => DEPS_FILE.test(file.path)).flatMap((file) => readDepsFile(file, notes));
  },
};

function readDepsFile(file: ImageFile, notes: string[] | undefined): InventoryPackage[] {
  const libraries = librariesOf(file.content);
  if (typeof libraries === "string") {
    notes?.push(`dotnet: ${file.path}: not read: ${libraries}`);
    return [];
  }
  const packages: InventoryPackage[] = [];
  for (const [key, library] of Object.entries(libraries)) {
    const found = libraryPackage(key, library);
    if (found === undefined) continue;
    if (typeof found === "string") notes?.push(`dotnet: ${file.path}: library "${key.slice(0, 200)}" not listed: ${found}`);
    else packages.push({ ...found, ecosystem: "NuGet", layer: file.layer, path: file.path });
  }
  return packages;
}

/** The `libraries` object, or why there is none. */
function librariesOf(content: Buffer): Record<string, unknown> | string {
  let document: unknown;
  try {
    document = JSON.parse(content.toString("utf8"));
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  if (!isRecord(document)) return "not a JSON object";
  if (!isRecord(document.libraries)) return "no `libraries` object";
  return document.libraries;
}

/** A package from one `libraries` entry (`"Name/Version": { "type": … }`), undefined for the app's own projects, or a reason. */
function libraryPackage(key: string, library: unknown): Pick<InventoryPackage, "name" | "version" | "purl"> | string | undefined {
  if (!isRecord(library)) return "not a JSON object";
  if (library.type !== "package" && library.type !== "runtimepack") return typeof library.type === "string" ? undefined : "no `type`";
  const slash = key.indexOf("/");
  const id = key.slice(0, slash);
  const name = library.type === "runtimepack" && id.startsWith(RUNTIME_PACK_PREFIX) ? id.slice(RUNTIME_PACK_PREFIX.length) : id;
  const version = key.slice(slash + 1);
  if (slash <= 0 || !PACKAGE_ID.test(name)) return "not a `name/version` key with a NuGet id";
  if (!VERSION.test(version)) return "not a NuGet version";
  return { name, version, purl: packageUrl({ type: "nuget", name, version }) };
}
