import { createReadStream } from "node:fs";
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, type YAMLError } from "yaml";
import type { KindCount, ScanIssue } from "../model/index.js";
import { isRecord } from "../records.js";
import { isBuiltInKind, isListKind } from "./kinds.js";
import type { FieldPath, PositionedDocument } from "./positions.js";

/** Re-exported: the rules and renderers read manifest objects with it. */
export { isRecord };

/** More aliases than this in one document is treated as an alias ("billion laughs") bomb. */
const MAX_ALIAS_COUNT = 1000;
const BINARY_SNIFF_BYTES = 8192;

/**
 * The largest YAML stream parsed (a file, standard input, a renderer's output). Parsing
 * with positions costs 30 to 75 bytes of memory per byte (measured on Node.js 20: 8 MiB
 * of real manifests peak at 265 MB RSS in 5 s; 50 MiB of dense manifests at 1.8 GB in
 * 44 s), so larger streams are refused rather than risking the CI runner's memory.
 */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
export const MANIFEST_LIMIT_TEXT = `${MAX_MANIFEST_BYTES / 1024 / 1024} MiB`;

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
  /** What is odd but readable (duplicate keys, objects without kind or name): at most two per file. */
  warnings: ScanIssue[];
  unknownKinds: KindCount[];
  nonKubernetesDocuments: number;
}

export interface ManifestText {
  /** Source-root-relative path with forward slashes. */
  path: string;
  text: string;
}

/** A parsed YAML document and its plain value. */
export interface ParsedDocument {
  source: PositionedDocument;
  value: unknown;
  /** Something odd but readable about the document (a duplicate key). */
  warning?: ScanIssue;
}

/**
 * Rewrites where a resource points (its `source`) once it is loaded; renderers use it to
 * send findings in rendered output back to the files the user wrote.
 */
export type TraceResource = (resource: Resource) => Resource;

export async function readManifest(absolutePath: string, displayPath: string): Promise<ManifestText | ScanIssue> {
  let bytes: Buffer;
  try {
    bytes = await readBounded(createReadStream(absolutePath));
  } catch (error) {
    if (error instanceof TooLargeError) return { path: displayPath, message: tooLargeMessage("file") };
    return { path: displayPath, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? "unknown error"})` };
  }
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
    return { path: displayPath, message: "is a binary file, not YAML or JSON" };
  }
  return { path: displayPath, text: bytes.toString("utf8") };
}

export class TooLargeError extends Error {
  constructor() {
    super(`larger than ${MANIFEST_LIMIT_TEXT}`);
    this.name = "TooLargeError";
  }
}

/** Reads a stream to its end, or throws TooLargeError as soon as it passes the limit. */
export async function readBounded(stream: NodeJS.ReadableStream, limit = MAX_MANIFEST_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > limit) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      throw new TooLargeError();
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

export function tooLargeMessage(what: string): string {
  return `is larger than ${MANIFEST_LIMIT_TEXT}, the limit for one ${what} (parsing YAML with positions needs about 30 times its size in memory); split it into smaller files`;
}

/** Parses manifest files into resources; a broken document is reported and the rest go on. */
export function loadManifests(files: readonly ManifestText[], trace?: TraceResource): LoadedManifests {
  const parts = files.map((file) => loadFile(file, trace));
  return mergeLoaded(parts);
}

/** One result from several: resources and issues in order, unknown kinds summed. */
export function mergeLoaded(parts: readonly LoadedManifests[]): LoadedManifests {
  const unknown = new Map<string, KindCount>();
  for (const part of parts) {
    for (const entry of part.unknownKinds) addKind(unknown, entry.apiVersion, entry.kind, entry.count);
  }
  return {
    resources: parts.flatMap((part) => part.resources),
    errors: parts.flatMap((part) => part.errors),
    warnings: parts.flatMap((part) => part.warnings),
    unknownKinds: [...unknown.values()].sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind)),
    nonKubernetesDocuments: parts.reduce((total, part) => total + part.nonKubernetesDocuments, 0),
  };
}

export function emptyLoaded(): LoadedManifests {
  return { resources: [], errors: [], warnings: [], unknownKinds: [], nonKubernetesDocuments: 0 };
}

function loadFile(file: ManifestText, trace: TraceResource | undefined): LoadedManifests {
  const loaded = emptyLoaded();
  const unknown = new Map<string, KindCount>();
  const notes = new FileNotes(file.path);
  for (const parsed of parseDocuments(file)) {
    if ("message" in parsed) {
      loaded.errors.push(parsed);
      continue;
    }
    if (parsed.warning) notes.duplicateKey(parsed.warning);
    for (const item of toResources(parsed.value, parsed.source, [])) {
      if (item === NOT_KUBERNETES) {
        loaded.nonKubernetesDocuments++;
      } else if (item === INCOMPLETE) {
        loaded.nonKubernetesDocuments++;
        notes.noKind(parsed.source);
      } else {
        if (!hasName(item.object) && !isListKind(item.kind)) notes.noName(item);
        const resource = trace ? trace(item) : item;
        loaded.resources.push(resource);
        if (!isBuiltInKind(resource.kind)) addKind(unknown, resource.apiVersion, resource.kind, 1);
      }
    }
  }
  loaded.unknownKinds = [...unknown.values()];
  loaded.warnings = notes.warnings();
  return loaded;
}

/**
 * The documents of a YAML stream, each with positions, or an issue at file:line:col for
 * a document that cannot be read (invalid, too deep, an alias bomb).
 */
export function* parseDocuments(file: ManifestText): Generator<ParsedDocument | ScanIssue> {
  const lineCounter = new LineCounter();
  let documents: Document.Parsed[];
  try {
    // uniqueKeys is checked below in linear time; the parser's own check is quadratic.
    const parsed = parseAllDocuments(file.text, { lineCounter, prettyErrors: false, logLevel: "error", uniqueKeys: false });
    documents = Array.isArray(parsed) ? parsed : [];
  } catch (error) {
    yield { path: file.path, message: `cannot be parsed: ${reasonOf(error)}` };
    return;
  }
  for (const document of documents) {
    const source: PositionedDocument = { path: file.path, text: file.text, document, lineCounter };
    const problem = syntaxProblem(file.path, document, lineCounter);
    if (problem) {
      yield problem;
      continue;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const at = lineCounter.linePos(document.range[0]);
      yield { path: file.path, line: at.line, column: at.col, message: conversionMessage(error) };
      continue;
    }
    if (value === null || value === undefined) continue; // an empty document
    const warning = duplicateKeyWarning(file.path, document, lineCounter);
    yield warning ? { source, value, warning } : { source, value };
  }
}

function syntaxProblem(path: string, document: Document.Parsed, lineCounter: LineCounter): ScanIssue | undefined {
  const error = document.errors[0] as YAMLError | undefined;
  if (!error) return undefined;
  const at = lineCounter.linePos(error.pos[0]);
  const reason =
    error.code === "RESOURCE_EXHAUSTION" && /call stack/i.test(error.message)
      ? "nested too deeply to parse"
      : (error.message.split("\n")[0] ?? "invalid YAML");
  return { path, line: at.line, column: at.col, message: `invalid YAML: ${reason}` };
}

/**
 * YAML forbids a key twice in one mapping, but Kubernetes' decoder (and so kubectl) takes
 * the last value; the document is checked the same way, and the user told.
 */
function duplicateKeyWarning(path: string, document: Document.Parsed, lineCounter: LineCounter): ScanIssue | undefined {
  const duplicate = duplicateKey(document.contents);
  if (!duplicate) return undefined;
  const at = lineCounter.linePos(duplicate.offset);
  const message = `duplicate key "${duplicate.key}": the last value is used, as Kubernetes reads it; remove the other`;
  return { path, line: at.line, column: at.col, message };
}

/** The second occurrence of a key in one mapping, found in linear time. */
function duplicateKey(root: unknown): { key: string; offset: number } | undefined {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isSeq(node)) for (const item of node.items) pending.push(item);
    if (!isMap(node)) continue;
    const keys = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      pending.push(pair.value);
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      if (keys.has(key)) return { key, offset: (pair.key as Node).range?.[0] ?? 0 };
      keys.add(key);
    }
  }
  return undefined;
}

const NOT_KUBERNETES = Symbol("not a Kubernetes object");
const INCOMPLETE = Symbol("a Kubernetes object without apiVersion or kind");

function* toResources(
  value: unknown,
  source: PositionedDocument,
  basePath: FieldPath,
): Generator<Resource | typeof NOT_KUBERNETES | typeof INCOMPLETE> {
  if (!isRecord(value)) {
    yield NOT_KUBERNETES;
    return;
  }
  if (typeof value.kind !== "string" || typeof value.apiVersion !== "string") {
    yield looksLikeKubernetes(value) ? INCOMPLETE : NOT_KUBERNETES;
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

/**
 * A document that lacks apiVersion or kind but has Kubernetes' shape: one of the two, or
 * a named `metadata` beside a body. Compose, CI and tool configuration files do not.
 */
function looksLikeKubernetes(value: Record<string, unknown>): boolean {
  if ("apiVersion" in value || "kind" in value) return true;
  return hasName(value) && OBJECT_BODIES.some((field) => field in value);
}

const OBJECT_BODIES = ["spec", "data", "stringData", "rules", "subjects", "roleRef", "webhooks"];

function hasName(object: Record<string, unknown>): boolean {
  const metadata = object.metadata;
  return isRecord(metadata) && (typeof metadata.name === "string" || typeof metadata.generateName === "string");
}

/**
 * What is odd but readable in one file (duplicate keys, objects without kind or name),
 * counted so the file gets a warning or two, however many documents it has.
 */
class FileNotes {
  private firstDuplicate?: ScanIssue;
  private duplicates = 0;
  private withoutKind = 0;
  private withoutName = 0;
  private firstIncomplete?: { line: number; column: number };

  constructor(private readonly path: string) {}

  duplicateKey(warning: ScanIssue): void {
    this.duplicates++;
    this.firstDuplicate ??= warning;
  }

  noKind(source: PositionedDocument): void {
    this.withoutKind++;
    this.rememberIncomplete(source, source.document.contents?.range?.[0] ?? source.document.range[0]);
  }

  noName(resource: Resource): void {
    this.withoutName++;
    this.rememberIncomplete(resource.source, resource.source.document.contents?.range?.[0] ?? 0);
  }

  warnings(): ScanIssue[] {
    const warnings: ScanIssue[] = [];
    if (this.firstDuplicate) {
      const more = this.duplicates > 1 ? ` (and ${count(this.duplicates - 1, "more document")} with duplicate keys)` : "";
      warnings.push({ ...this.firstDuplicate, message: `${this.firstDuplicate.message}${more}` });
    }
    const parts: string[] = [];
    if (this.withoutKind > 0) {
      parts.push(`${count(this.withoutKind, "document")} with Kubernetes fields but no apiVersion or kind, not checked`);
    }
    if (this.withoutName > 0) parts.push(`${count(this.withoutName, "resource")} without metadata.name`);
    if (parts.length > 0 && this.firstIncomplete) warnings.push({ path: this.path, ...this.firstIncomplete, message: parts.join("; ") });
    return warnings;
  }

  private rememberIncomplete(source: PositionedDocument, offset: number): void {
    if (this.firstIncomplete) return;
    const at = source.lineCounter.linePos(offset);
    this.firstIncomplete = { line: at.line, column: at.col };
  }
}

function count(amount: number, noun: string): string {
  return `${amount} ${noun}${amount === 1 ? "" : "s"}`;
}

function reasonOf(error: unknown): string {
  if (error instanceof RangeError) return "nested too deeply";
  return error instanceof Error ? error.message : String(error);
}

function conversionMessage(error: unknown): string {
  const reason = reasonOf(error);
  return /alias/i.test(reason)
    ? `too many YAML aliases (more than ${MAX_ALIAS_COUNT}); refusing to expand a possible alias bomb`
    : `cannot be converted: ${reason}`;
}

function addKind(counts: Map<string, KindCount>, apiVersion: string, kind: string, amount: number): void {
  const key = `${apiVersion}/${kind}`;
  const entry = counts.get(key) ?? { apiVersion, kind, count: 0 };
  entry.count += amount;
  counts.set(key, entry);
}
