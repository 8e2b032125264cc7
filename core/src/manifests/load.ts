import { readFile } from "node:fs/promises";
import { LineCounter, parseAllDocuments, type YAMLError } from "yaml";
import type { KindCount, ScanIssue } from "../model/index.js";
import { isBuiltInKind, isListKind } from "./kinds.js";
import type { FieldPath, PositionedDocument } from "./positions.js";

/** More aliases than this in one document is treated as an alias ("billion laughs") bomb. */
const MAX_ALIAS_COUNT = 1000;
const BINARY_SNIFF_BYTES = 8192;

/** One Kubernetes object with where it came from, so rules can locate any of its fields. */
export interface Resource {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  object: Record<string, unknown>;
  source: PositionedDocument;
  /** Where the object sits in its document: empty, or `["items", i]` inside a List. */
  basePath: FieldPath;
}

export interface LoadedManifests {
  resources: Resource[];
  errors: ScanIssue[];
  unknownKinds: KindCount[];
  nonKubernetesDocuments: number;
}

export interface ManifestText {
  /** Source-root-relative path with forward slashes. */
  path: string;
  text: string;
}

export async function readManifest(absolutePath: string, displayPath: string): Promise<ManifestText | ScanIssue> {
  let bytes: Buffer;
  try {
    bytes = await readFile(absolutePath);
  } catch (error) {
    return { path: displayPath, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? "unknown error"})` };
  }
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
    return { path: displayPath, message: "is a binary file, not YAML or JSON" };
  }
  return { path: displayPath, text: bytes.toString("utf8") };
}

/** Parses manifest files into resources; a broken document is reported and the rest go on. */
export function loadManifests(files: readonly ManifestText[]): LoadedManifests {
  const loaded: LoadedManifests = { resources: [], errors: [], unknownKinds: [], nonKubernetesDocuments: 0 };
  const unknown = new Map<string, KindCount>();
  for (const file of files) {
    for (const item of parseFile(file)) {
      if (item === NOT_KUBERNETES) {
        loaded.nonKubernetesDocuments++;
      } else if ("message" in item) {
        loaded.errors.push(item);
      } else {
        loaded.resources.push(item);
        if (!isBuiltInKind(item.kind)) countKind(unknown, item);
      }
    }
  }
  loaded.unknownKinds = [...unknown.values()].sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
  return loaded;
}

const NOT_KUBERNETES = Symbol("not a Kubernetes object");

function* parseFile(file: ManifestText): Generator<Resource | ScanIssue | typeof NOT_KUBERNETES> {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(file.text, { lineCounter, prettyErrors: false, logLevel: "error" });
  if (!Array.isArray(documents)) return; // an empty stream
  for (const document of documents) {
    const source: PositionedDocument = { path: file.path, text: file.text, document, lineCounter };
    if (document.errors.length > 0) {
      yield parseIssue(file.path, document.errors[0] as YAMLError, lineCounter);
      continue;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const at = lineCounter.linePos(document.range[0]);
      yield { path: file.path, line: at.line, column: at.col, message: aliasMessage(error) };
      continue;
    }
    if (value === null || value === undefined) continue; // an empty document
    yield* toResources(value, source, []);
  }
}

function* toResources(value: unknown, source: PositionedDocument, basePath: FieldPath): Generator<Resource | typeof NOT_KUBERNETES> {
  if (!isRecord(value) || typeof value.kind !== "string" || typeof value.apiVersion !== "string") {
    yield NOT_KUBERNETES;
    return;
  }
  if (isListKind(value.kind) && Array.isArray(value.items)) {
    for (const [index, item] of value.items.entries()) yield* toResources(item, source, [...basePath, "items", index]);
    return;
  }
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  yield {
    apiVersion: value.apiVersion,
    kind: value.kind,
    namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
    name: typeof metadata.name === "string" ? metadata.name : undefined,
    object: value,
    source,
    basePath,
  };
}

function parseIssue(path: string, error: YAMLError, lineCounter: LineCounter): ScanIssue {
  const at = lineCounter.linePos(error.pos[0]);
  const reason = error.message.split("\n")[0] ?? "invalid YAML";
  return { path, line: at.line, column: at.col, message: `invalid YAML: ${reason}` };
}

function aliasMessage(error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return /alias/i.test(reason)
    ? `too many YAML aliases (more than ${MAX_ALIAS_COUNT}); refusing to expand a possible alias bomb`
    : `cannot be converted: ${reason}`;
}

function countKind(counts: Map<string, KindCount>, resource: Resource): void {
  const key = `${resource.apiVersion}/${resource.kind}`;
  const entry = counts.get(key) ?? { apiVersion: resource.apiVersion, kind: resource.kind, count: 0 };
  entry.count++;
  counts.set(key, entry);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
