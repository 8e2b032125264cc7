import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { Location } from "../model/index.js";

/** A path into a Kubernetes object: map keys and sequence indexes. */
export type FieldPath = ReadonlyArray<string | number>;

/** A parsed YAML document with what is needed to turn node offsets into lines and columns. */
export interface PositionedDocument {
  /** Source-root-relative path with forward slashes: the file findings point at. */
  path: string;
  text: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
  /**
   * Set on documents rendered by Kustomize or Helm, whose `text` and `document` are the
   * rendered output the user never sees: maps a field path of the rendered object to
   * where the source files (a base, a patch, a template) write it.
   */
  resolve?: (fieldPath: FieldPath) => Location;
}

interface NodeAt {
  key?: Node;
  value: Node;
}

/**
 * The location of the deepest existing node along `fieldPath`: the field itself when it
 * exists (from its key to the end of its value), else its nearest existing parent.
 */
export function locate(source: PositionedDocument, fieldPath: FieldPath): Location {
  if (source.resolve) return source.resolve(fieldPath);
  const contents = source.document.contents;
  let at: NodeAt | undefined = contents ? { value: contents } : undefined;
  for (const segment of fieldPath) {
    const next = at && child(at.value, segment);
    if (!next) break;
    at = next;
  }
  return toLocation(source, at);
}

function child(node: Node, segment: string | number): NodeAt | undefined {
  if (isMap(node)) {
    // The last of duplicate keys, whose value Kubernetes (and the loaded object) takes.
    const pair = node.items.findLast((item) => isPair(item) && keyOf(item.key) === segment);
    if (!pair || !isNodeLike(pair.value)) return undefined;
    return { key: isNodeLike(pair.key) ? pair.key : undefined, value: pair.value };
  }
  if (isSeq(node) && typeof segment === "number") {
    const item = node.items[segment];
    return isNodeLike(item) ? { value: item } : undefined;
  }
  return undefined;
}

function keyOf(key: unknown): unknown {
  return isScalar(key) ? key.value : key;
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === "object" && value !== null && "range" in value && Array.isArray((value as Node).range);
}

function toLocation(source: PositionedDocument, at: NodeAt | undefined): Location {
  const start = at?.key?.range?.[0] ?? at?.value.range?.[0] ?? 0;
  const end = trimTrailingSpace(source.text, start, at?.value.range?.[1] ?? start);
  const from = source.lineCounter.linePos(start);
  const to = source.lineCounter.linePos(end);
  return { path: source.path, startLine: from.line, startColumn: from.col, endLine: to.line, endColumn: to.col };
}

/** Block values end after their last line break; the region should end on their last character. */
function trimTrailingSpace(text: string, start: number, end: number): number {
  let trimmed = end;
  while (trimmed > start && /\s/.test(text[trimmed - 1] ?? "")) trimmed--;
  return trimmed;
}
