import { type Dirent, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isScalar, LineCounter, parseDocument, type Scalar } from "yaml";
import type { Location } from "../../model/index.js";
import { isListKind } from "../kinds.js";
import { isRecord, MAX_MANIFEST_BYTES, type ParsedDocument, parseDocuments } from "../load.js";
import { type FieldPath, locate, type PositionedDocument } from "../positions.js";
import { valueAt } from "../workloads.js";

/** A source document, or a part of one, that writes fields of a rendered object. */
export interface SourceObject {
  source: PositionedDocument;
  /** Where the object sits in its document: empty, `["items", i]` in a List, `[i, "value"]` in a JSON patch. */
  basePath: FieldPath;
  value: unknown;
  /** Where the object's root lands in the rendered object: empty for a whole resource. */
  mountAt: FieldPath;
}

export interface FieldSources {
  /** The document that defines the resource (its base file), when known. */
  origin?: SourceObject;
  /** Patches that may set fields of the resource, in the order they are applied. */
  patches: readonly SourceObject[];
  /** Where to point when no source holds any part of a field path. */
  fallback: Location;
}

/**
 * Where a field of a rendered object is written in its sources: the last patch that
 * writes its value, else the defining document that has it; for a field set nowhere,
 * the nearest existing parent in those sources (the defining document on a tie), so a
 * missing field is reported where it belongs, as in plain files.
 */
export function resolveField(rendered: unknown, fieldPath: FieldPath, sources: FieldSources): Location {
  const fromOrigin = sources.origin && reach(rendered, fieldPath, sources.origin);
  const candidates = [...sources.patches]
    .reverse()
    .map((object) => ({ object, reached: reach(rendered, fieldPath, object) }))
    .filter((candidate): candidate is { object: SourceObject; reached: Reach } => candidate.reached !== undefined);
  const writer = candidates.find(({ reached }) => reached.complete && writes(reached, fieldPath, fromOrigin));
  if (writer) return locate(writer.object.source, writer.reached.path);
  let best = sources.origin && fromOrigin ? { object: sources.origin, reached: fromOrigin } : undefined;
  for (const candidate of candidates) {
    if (candidate.reached.depth > (best?.reached.depth ?? 0)) best = candidate;
  }
  return best ? locate(best.object.source, best.reached.path) : sources.fallback;
}

interface Reach {
  /** How many segments of the field path the object holds. */
  depth: number;
  complete: boolean;
  /** The path inside the object's document to the deepest node reached. */
  path: FieldPath;
  /** The object's value there. */
  value: unknown;
}

/** Fields a strategic-merge patch names to select its resource, not to change it. */
const IDENTIFYING_FIELDS = new Set(["apiVersion", "kind", "metadata.name", "metadata.namespace"]);

/**
 * Whether a patch that holds the field writes it: a value (a scalar, a list of scalars),
 * or a block the defining document does not have. A patch that only descends through a
 * block to reach deeper fields (`containers: [{name: app, …}]`) does not write the block.
 */
function writes(reached: Reach, fieldPath: FieldPath, origin: Reach | undefined): boolean {
  if (IDENTIFYING_FIELDS.has(fieldPath.join("."))) return false;
  const block = isRecord(reached.value) || (Array.isArray(reached.value) && reached.value.some(isRecord));
  return !block || !origin?.complete;
}

/** Merge keys that identify a list item across a base and its patches (strategic merge). */
const MERGE_KEYS = ["name", "mountPath", "containerPort", "devicePath", "ip"] as const;

/**
 * Follows a rendered field path into a source object. List items are matched by their
 * merge key (a patch may list one container of three), else by position.
 */
function reach(rendered: unknown, fieldPath: FieldPath, object: SourceObject): Reach | undefined {
  const { mountAt } = object;
  if (mountAt.length > fieldPath.length || mountAt.some((segment, index) => String(segment) !== String(fieldPath[index]))) {
    return undefined;
  }
  const rest = fieldPath.slice(mountAt.length);
  const translated: (string | number)[] = [];
  let renderedValue = valueAt(rendered, mountAt);
  let sourceValue = object.value;
  for (const segment of rest) {
    if (typeof segment === "number") {
      const item = Array.isArray(renderedValue) ? renderedValue[segment] : undefined;
      const index = Array.isArray(sourceValue) ? matchingIndex(item, sourceValue, segment) : undefined;
      if (index === undefined) break;
      translated.push(index);
      renderedValue = item;
      sourceValue = (sourceValue as unknown[])[index];
    } else {
      if (!isRecord(sourceValue) || !(segment in sourceValue)) break;
      translated.push(segment);
      renderedValue = isRecord(renderedValue) ? renderedValue[segment] : undefined;
      sourceValue = sourceValue[segment];
    }
  }
  return {
    depth: mountAt.length + translated.length,
    complete: translated.length === rest.length,
    path: [...object.basePath, ...translated],
    value: sourceValue,
  };
}

function matchingIndex(item: unknown, list: readonly unknown[], position: number): number | undefined {
  const key = isRecord(item) ? MERGE_KEYS.find((candidate) => isIdentity(item[candidate])) : undefined;
  if (!key || !isRecord(item)) return position < list.length ? position : undefined;
  const index = list.findIndex((entry) => isRecord(entry) && entry[key] === item[key]);
  return index < 0 ? undefined : index;
}

function isIdentity(value: unknown): boolean {
  return typeof value === "string" || typeof value === "number";
}

/** The whole resources of a parsed document: the document itself, or each item of a List. */
export function objectsOf(parsed: ParsedDocument): SourceObject[] {
  const { source, value } = parsed;
  if (isRecord(value) && typeof value.kind === "string" && isListKind(value.kind) && Array.isArray(value.items)) {
    return value.items.map((item, index) => ({ source, basePath: ["items", index], value: item, mountAt: [] }));
  }
  return [{ source, basePath: [], value, mountAt: [] }];
}

/**
 * The object of `kind` in `objects` that a rendered resource named `renderedName` comes
 * from: the same name, else the longest name that Kustomize could have prefixed or
 * suffixed into it.
 */
export function findNamed(objects: readonly SourceObject[], kind: string, renderedName: string | undefined): SourceObject | undefined {
  const named = objects
    .filter((object) => isRecord(object.value) && object.value.kind === kind)
    .map((object) => ({ object, name: nameOf(object.value) }))
    .filter((entry): entry is { object: SourceObject; name: string } => entry.name !== undefined);
  const exact = named.find((entry) => entry.name === renderedName);
  if (exact) return exact.object;
  return named.filter((entry) => renderedName?.includes(entry.name)).sort((a, b) => b.name.length - a.name.length)[0]?.object;
}

/** As findNamed, else the first object of that kind: the file is known to define the resource. */
export function findDefinition(objects: readonly SourceObject[], kind: string, renderedName: string | undefined): SourceObject | undefined {
  return findNamed(objects, kind, renderedName) ?? objects.find((object) => isRecord(object.value) && object.value.kind === kind);
}

export function nameOf(value: unknown): string | undefined {
  const metadata = isRecord(value) ? value.metadata : undefined;
  return isRecord(metadata) && typeof metadata.name === "string" ? metadata.name : undefined;
}

/** Parsed source files, each read once; a file that cannot be read or parsed has no documents. */
export class SourceFiles {
  private readonly cache = new Map<string, { documents: ParsedDocument[]; objects: SourceObject[] }>();

  constructor(private readonly display: (absolutePath: string) => string) {}

  documents(absolutePath: string): ParsedDocument[] {
    return this.parsed(absolutePath).documents;
  }

  /** The whole resources in the file (List items counted one by one). */
  objects(absolutePath: string): SourceObject[] {
    return this.parsed(absolutePath).objects;
  }

  private parsed(absolutePath: string) {
    let parsed = this.cache.get(absolutePath);
    if (!parsed) {
      const text = readSmallFile(absolutePath);
      const documents = text === undefined ? [] : parsedOnly({ path: this.display(absolutePath), text });
      parsed = { documents, objects: documents.flatMap(objectsOf) };
      this.cache.set(absolutePath, parsed);
    }
    return parsed;
  }
}

/** A text file's contents, or undefined when it is missing, not a file, or over the size limit. */
export function readSmallFile(absolutePath: string): string | undefined {
  try {
    const info = statSync(absolutePath);
    if (!info.isFile() || info.size > MAX_MANIFEST_BYTES) return undefined;
    return readFileSync(absolutePath, "utf8");
  } catch {
    return undefined;
  }
}

function parsedOnly(file: { path: string; text: string }): ParsedDocument[] {
  return [...parseDocuments(file)].filter((item): item is ParsedDocument => !("message" in item));
}

/**
 * The documents of a literal block scalar (`patch: |-`) inside a YAML file, positioned in
 * that file: the text before the block is blanked to spaces, so every offset, line and
 * column of the embedded YAML is the one in the host file.
 */
export function embeddedDocuments(host: PositionedDocument, node: unknown): ParsedDocument[] {
  if (!isScalar(node) || (node as Scalar).type !== "BLOCK_LITERAL" || !node.range) return [];
  const [start, valueEnd] = node.range;
  const contentStart = host.text.indexOf("\n", start) + 1;
  if (contentStart <= 0 || contentStart > valueEnd) return [];
  const text = host.text.slice(0, contentStart).replace(/[^\n]/g, " ") + host.text.slice(contentStart, valueEnd);
  return parsedOnly({ path: host.path, text });
}

/** Limits of a search for a file under a directory, so a huge tree cannot stall a scan. */
const SEARCH_MAX_DEPTH = 8;
const SEARCH_MAX_ENTRIES = 20_000;
const SEARCH_SKIPPED = new Set([".git", "node_modules"]);

/** The first file under `root` (breadth first, bounded) that `accept` takes. */
export function searchFiles(root: string, accept: (absolutePath: string, name: string) => boolean): string | undefined {
  let level = [root];
  let visited = 0;
  for (let depth = 0; depth <= SEARCH_MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (++visited > SEARCH_MAX_ENTRIES) return undefined;
        const path = join(dir, entry.name);
        if (entry.isDirectory() && !SEARCH_SKIPPED.has(entry.name)) next.push(path);
        else if (entry.isFile() && accept(path, entry.name)) return path;
      }
    }
    level = next;
  }
  return undefined;
}

/**
 * A file parsed only to point at (a kustomization or Chart.yaml standing in for what it
 * produced): its first document, with positions even when it is not valid YAML.
 */
export function anchorDocument(absolutePath: string, display: (absolutePath: string) => string): PositionedDocument {
  const text = readSmallFile(absolutePath) ?? "";
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: false, logLevel: "silent" });
  return { path: display(absolutePath), text, document, lineCounter };
}
