import { isUserError, UserError } from "../../errors.js";
import type { ImageFile } from "../../image/types.js";
import { packageUrl } from "../purl.js";
import type { Analyzer, InventoryPackage } from "../types.js";
import { type ReadBudget, readEntry, type ZipEntry, zipEntries } from "./java/zip.js";

const ARCHIVE_NAME = /\.(?:jar|war|ear)$/i;
/** An archive is held whole only until its excerpt is cut (one at a time), so this bounds the walk's peak. */
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
  excerpt: (_path, content) => javaExcerpt(content),
  analyze(files, _os, notes) {
    return [...files.values()].filter((file) => ARCHIVE_NAME.test(file.path)).flatMap((file) => javaPackagesOf(file, notes));
  },
};

/**
 * What reading an archive found, in the order found, with archive labels relative to the image
 * file (`""` for the file itself, `!/lib/a.jar` for a nested one): the same findings then read
 * the same under whatever path the file is reached by (a hard link shares its target's excerpt).
 */
type Finding =
  | { kind: "package"; archive: string; identity: Identity }
  /** An archive without a usable pom.properties, and what its manifest names, if anything; the file name is tried later. */
  | { kind: "unlisted"; archive: string; manifest?: Guess }
  /** A note without its `java: ` prefix and the image file's path, which come first. */
  | { kind: "note"; text: string };

type Identity = Pick<InventoryPackage, "name" | "version" | "purl">;
interface Guess {
  identity: Identity;
  from: string;
}

/** Starts every excerpt; the NUL keeps it from being taken for text, and the version changes with the format. */
const EXCERPT_MAGIC = Buffer.from("\0portcullis java findings v1\n");

/** The findings of an archive, as a few hundred bytes of JSON, so the archive can be freed while the layers are walked. */
export function javaExcerpt(content: Buffer): Buffer {
  return Buffer.concat([EXCERPT_MAGIC, Buffer.from(JSON.stringify(findingsIn(content)))]);
}

/** The packages recorded in one archive of the image (or its excerpt) and every archive nested in it. */
function javaPackagesOf(file: ImageFile, notes?: string[]): InventoryPackage[] {
  return findingsIn(file.content).flatMap((finding) => packagesOfFinding(finding, file, notes));
}

/**
 * The findings an excerpt holds, or those of the archive. A file that merely starts like an
 * excerpt is read the same way whether it was excerpted or not, so both paths agree on any input.
 */
function findingsIn(content: Buffer): Finding[] {
  if (!content.subarray(0, EXCERPT_MAGIC.length).equals(EXCERPT_MAGIC)) return findingsOf(content);
  try {
    const parsed: unknown = JSON.parse(content.subarray(EXCERPT_MAGIC.length).toString("utf8"));
    if (Array.isArray(parsed) && parsed.every(isFinding)) return parsed;
  } catch {
    // Not JSON: read below as the archive it claims not to be.
  }
  return findingsOf(content);
}

function isFinding(value: unknown): value is Finding {
  const finding = value as Partial<Record<string, unknown>> | null;
  if (typeof finding !== "object" || finding === null) return false;
  if (finding.kind === "note") return typeof finding.text === "string";
  if (typeof finding.archive !== "string") return false;
  if (finding.kind === "package") return isIdentity(finding.identity);
  const manifest = finding.manifest as Partial<Guess> | undefined;
  return finding.kind === "unlisted" && (manifest === undefined || (typeof manifest.from === "string" && isIdentity(manifest.identity)));
}

function isIdentity(value: unknown): value is Identity {
  const identity = value as Partial<Identity> | null | undefined;
  return typeof identity?.name === "string" && typeof identity.version === "string" && typeof identity.purl === "string";
}

function packagesOfFinding(finding: Finding, file: ImageFile, notes: string[] | undefined): InventoryPackage[] {
  if (finding.kind === "note") {
    notes?.push(`java: ${file.path}${finding.text}`);
    return [];
  }
  const label = `${file.path}${finding.archive}`;
  if (finding.kind === "package") return [located(finding.identity, label, file)];
  const guess = finding.manifest ?? fileNameGuess(label);
  if (!guess) return [];
  notes?.push(
    `java: ${label}: no pom.properties; ${guess.identity.name} ${guess.identity.version} guessed from ${guess.from} (lower confidence, group unknown)`,
  );
  return [located(guess.identity, label, file)];
}

interface Walk {
  budget: ReadBudget;
  archivesLeft: number;
  findings: Finding[];
}

function findingsOf(content: Buffer): Finding[] {
  const walk: Walk = { budget: { remaining: ENTRY_BUDGET }, archivesLeft: MAX_ARCHIVES, findings: [] };
  walkArchive(content, "", 0, walk);
  return walk.findings;
}

/** `label` is relative to the image file; zip.ts starts every error message with the label, so notes are relative too. */
function walkArchive(archive: Buffer, label: string, depth: number, walk: Walk): void {
  walk.archivesLeft--;
  const entries = guarded(walk, () => zipEntries(archive, label));
  if (!entries) return;
  const fromPoms = entries
    .filter((entry) => POM_PROPERTIES.test(entry.name))
    .flatMap((entry) => guarded(walk, () => pomPackage(readEntry(archive, entry, METADATA_CAP, walk.budget, label), label, entry)) ?? []);
  walk.findings.push(...fromPoms.map((identity): Finding => ({ kind: "package", archive: label, identity })));
  if (fromPoms.length === 0)
    walk.findings.push({ kind: "unlisted", archive: label, manifest: manifestGuess(archive, entries, label, walk) });
  for (const entry of entries.filter((candidate) => ARCHIVE_NAME.test(candidate.name))) {
    const nested = `${label}!/${entry.name}`;
    if (depth + 1 > MAX_NESTING) note(walk, `${nested}: not read, nested more than ${MAX_NESTING} archives deep`);
    else if (walk.archivesLeft <= 0) note(walk, `${nested}: not read, over ${MAX_ARCHIVES} archives in this file`);
    else {
      const content = guarded(walk, () => readEntry(archive, entry, NESTED_CAP, walk.budget, label));
      if (content) walkArchive(content, nested, depth + 1, walk);
    }
  }
}

function note(walk: Walk, text: string): void {
  walk.findings.push({ kind: "note", text });
}

/** The result, or undefined with a note when the archive's bytes are at fault (a UserError); other errors are bugs and propagate. */
function guarded<T>(walk: Walk, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!isUserError(error)) throw error;
    note(walk, error.message);
    return undefined;
  }
}

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
 * the OSGi Bundle-*); `fileNameGuess` is the last resort. The group is unknown; the purl, which
 * needs one for Maven, repeats the name, as old coordinates such as `aopalliance:aopalliance` do.
 */
function manifestGuess(archive: Buffer, entries: ZipEntry[], label: string, walk: Walk): Guess | undefined {
  const manifestEntry = entries.find((entry) => entry.name.toUpperCase() === MANIFEST);
  const manifest = manifestEntry ? guarded(walk, () => readEntry(archive, manifestEntry, METADATA_CAP, walk.budget, label)) : undefined;
  if (!manifest) return undefined;
  const headers = manifestMainSection(manifest);
  return (
    guessed(
      headers.get("Implementation-Title"),
      headers.get("Implementation-Version"),
      "MANIFEST.MF Implementation-Title/Implementation-Version",
    ) ??
    // `Bundle-SymbolicName: com.example.core;singleton:=true`: the name before any directive.
    guessed(
      headers.get("Bundle-SymbolicName")?.split(";")[0]?.trim(),
      headers.get("Bundle-Version"),
      "MANIFEST.MF Bundle-SymbolicName/Bundle-Version",
    )
  );
}

/** `commons-io-2.11.0.jar` as commons-io 2.11.0, from the last part of an archive label. */
function fileNameGuess(label: string): Guess | undefined {
  const fileName = VERSIONED_FILE_NAME.exec(label.slice(label.lastIndexOf("/") + 1));
  return guessed(fileName?.[1], fileName?.[2], "the file name");
}

function guessed(name: string | undefined, version: string | undefined, from: string): Guess | undefined {
  if (!name || !version || !COORDINATE.test(name) || !VERSION.test(version)) return undefined;
  return { identity: { name, version, purl: packageUrl({ type: "maven", namespace: name, name, version }) }, from };
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
