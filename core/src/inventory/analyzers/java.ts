import { isUserError, UserError } from "../../errors.js";
import type { ImageFile } from "../../image/types.js";
import { packageUrl } from "../purl.js";
import type { Analyzer, InventoryPackage } from "../types.js";
import { type ReadBudget, readEntry, type ZipEntry, zipEntries } from "./java/zip.js";

const ARCHIVE_NAME = /\.(?:jar|war|ear)$/i;
/** The whole archive is held in memory while the image is analysed, so this bounds what one costs. */
const ARCHIVE_CAP = 64 * 1024 * 1024;
/** Bytes read out of one image file's entries, nested archives included: what a zip bomb can cost. */
const ENTRY_BUDGET = 256 * 1024 * 1024;
/** One archive nested in another (a war's WEB-INF/lib jar, a Spring Boot BOOT-INF/lib jar). */
const NESTED_CAP = 64 * 1024 * 1024;
const METADATA_CAP = 1024 * 1024;
/** ear → war → jar is two levels; a third is allowed, deeper nesting is not followed. */
const MAX_NESTING = 3;
/** Archives opened per image file: bounds a directory that points many entries at the same bytes. */
const MAX_ARCHIVES = 2000;

const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
const MANIFEST = "META-INF/MANIFEST.MF";
const COORDINATE = /^[A-Za-z0-9_][\w.-]{0,254}$/;
const VERSION = /^[A-Za-z0-9][\w.+~-]{0,127}$/;
/** `commons-io-2.11.0.jar`: the name up to the first `-` followed by a digit. */
const VERSIONED_FILE_NAME = /^(.+?)-(\d[\w.+~-]*)\.(?:jar|war|ear)$/i;

export const javaAnalyzer: Analyzer = {
  name: "java",
  wants: (path) => (ARCHIVE_NAME.test(path) ? ARCHIVE_CAP : undefined),
  analyze(files, _os, notes) {
    return [...files.values()].filter((file) => ARCHIVE_NAME.test(file.path)).flatMap((file) => javaPackagesOf(file, notes));
  },
};

interface Walk {
  file: ImageFile;
  budget: ReadBudget;
  archivesLeft: number;
  packages: InventoryPackage[];
  notes: string[] | undefined;
}

/** The packages recorded in one archive of the image and every archive nested in it. */
export function javaPackagesOf(file: ImageFile, notes?: string[]): InventoryPackage[] {
  const walk: Walk = { file, budget: { remaining: ENTRY_BUDGET }, archivesLeft: MAX_ARCHIVES, packages: [], notes };
  walkArchive(file.content, file.path, 0, walk);
  return walk.packages;
}

function walkArchive(archive: Buffer, label: string, depth: number, walk: Walk): void {
  walk.archivesLeft--;
  const entries = guarded(walk, () => zipEntries(archive, label));
  if (!entries) return;
  const fromPoms = entries
    .filter((entry) => POM_PROPERTIES.test(entry.name))
    .flatMap((entry) => guarded(walk, () => pomPackage(readEntry(archive, entry, METADATA_CAP, walk.budget, label), label, entry)) ?? []);
  walk.packages.push(...fromPoms.map((found) => located(found, label, walk.file)));
  if (fromPoms.length === 0) {
    const guess = guessedIdentity(archive, entries, label, walk);
    if (guess) {
      walk.packages.push(located(guess.found, label, walk.file));
      walk.notes?.push(
        `java: ${label}: no pom.properties; ${guess.found.name} ${guess.found.version} guessed from ${guess.from} (lower confidence, group unknown)`,
      );
    }
  }
  for (const entry of entries.filter((candidate) => ARCHIVE_NAME.test(candidate.name))) {
    const nested = `${label}!/${entry.name}`;
    if (depth + 1 > MAX_NESTING) walk.notes?.push(`java: ${nested}: not read, nested more than ${MAX_NESTING} archives deep`);
    else if (walk.archivesLeft <= 0) walk.notes?.push(`java: ${nested}: not read, over ${MAX_ARCHIVES} archives in ${walk.file.path}`);
    else {
      const content = guarded(walk, () => readEntry(archive, entry, NESTED_CAP, walk.budget, label));
      if (content) walkArchive(content, nested, depth + 1, walk);
    }
  }
}

/** The result, or undefined with a note when the archive's bytes are at fault (a UserError); other errors are bugs and propagate. */
function guarded<T>(walk: Walk, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!isUserError(error)) throw error;
    walk.notes?.push(`java: ${error.message}`);
    return undefined;
  }
}

type Identity = Pick<InventoryPackage, "name" | "version" | "purl">;

function located(found: Identity, label: string, file: ImageFile): InventoryPackage {
  return { ...found, ecosystem: "Maven", layer: file.layer, path: label };
}

/** `groupId:artifactId` at `version`, from a pom.properties the Maven archiver wrote; throws a UserError when it is unusable. */
function pomPackage(content: Buffer, label: string, entry: ZipEntry): Identity {
  const properties = javaProperties(content);
  const groupId = properties.get("groupId");
  const artifactId = properties.get("artifactId");
  const version = properties.get("version");
  const notListed = (problem: string) => new UserError(`${label}!/${entry.name}: not listed: ${problem}`);
  if (content.includes(0) || properties.size === 0) throw notListed("not a properties file");
  if (!groupId || !COORDINATE.test(groupId)) throw notListed("no valid groupId");
  if (!artifactId || !COORDINATE.test(artifactId)) throw notListed("no valid artifactId");
  if (!version || !VERSION.test(version)) throw notListed("no valid version");
  return { name: `${groupId}:${artifactId}`, version, purl: packageUrl({ type: "maven", namespace: groupId, name: artifactId, version }) };
}

/**
 * A jar without pom.properties: its name and version from MANIFEST.MF (Implementation-*, then
 * the OSGi Bundle-*), else from a versioned file name. The group is unknown; the purl, which
 * needs one for Maven, repeats the name, as old coordinates such as `aopalliance:aopalliance` do.
 */
function guessedIdentity(archive: Buffer, entries: ZipEntry[], label: string, walk: Walk): { found: Identity; from: string } | undefined {
  const manifestEntry = entries.find((entry) => entry.name.toUpperCase() === MANIFEST);
  const manifest = manifestEntry ? guarded(walk, () => readEntry(archive, manifestEntry, METADATA_CAP, walk.budget, label)) : undefined;
  const headers = manifest ? manifestMainSection(manifest) : new Map<string, string>();
  const fileName = VERSIONED_FILE_NAME.exec(label.slice(label.lastIndexOf("/") + 1));
  const candidates: [string | undefined, string | undefined, string][] = [
    [headers.get("Implementation-Title"), headers.get("Implementation-Version"), "MANIFEST.MF Implementation-Title/Implementation-Version"],
    // `Bundle-SymbolicName: com.example.core;singleton:=true`: the name before any directive.
    [
      headers.get("Bundle-SymbolicName")?.split(";")[0]?.trim(),
      headers.get("Bundle-Version"),
      "MANIFEST.MF Bundle-SymbolicName/Bundle-Version",
    ],
    [fileName?.[1], fileName?.[2], "the file name"],
  ];
  for (const [name, version, from] of candidates) {
    if (!name || !version || !COORDINATE.test(name) || !VERSION.test(version)) continue;
    return { found: { name, version, purl: packageUrl({ type: "maven", namespace: name, name, version }) }, from };
  }
  return undefined;
}

/** Java properties as the Maven archiver writes them: `key=value` (or `key: value`) lines, `#` and `!` comments. */
function javaProperties(content: Buffer): Map<string, string> {
  const properties = new Map<string, string>();
  for (const raw of content.toString("utf8").split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const separator = line.search(/[=:]/);
    if (separator <= 0) continue;
    properties.set(line.slice(0, separator).trim(), line.slice(separator + 1).trim());
  }
  return properties;
}

/**
 * The main section of a JAR manifest: `Name: value` headers up to the first blank line, lines
 * wrapped at 72 bytes continuing with a single leading space.
 */
export function manifestMainSection(content: Buffer): Map<string, string> {
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of content.toString("utf8").split(/\r\n|\r|\n/)) {
    if (line === "") break;
    if (line.startsWith(" ") && last !== undefined) {
      headers.set(last, `${headers.get(last)}${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(": ");
    if (colon <= 0) continue;
    last = line.slice(0, colon);
    headers.set(last, line.slice(colon + 2).trim());
  }
  return headers;
}
