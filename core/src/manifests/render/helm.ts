import { join } from "node:path";
import type { Location } from "../../model/index.js";
import { isInside } from "../discover.js";
import { isRecord, type Resource } from "../load.js";
import type { FieldPath, PositionedDocument } from "../positions.js";
import { readSmallFile } from "./source-map.js";
import { findOnPath, runTool, type ToolResult } from "./tools.js";

export interface HelmValues {
  valuesFiles: readonly string[];
  set: readonly string[];
}

export function findHelm(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findOnPath("helm", env);
}

/**
 * `helm template CHART` (release name "release-name", Helm's default), with the values
 * files and `--set` values the user gave for every chart.
 */
export function renderChart(helm: string, chartDir: string, values: HelmValues, env?: NodeJS.ProcessEnv): Promise<ToolResult> {
  const args = [
    "template",
    chartDir,
    ...values.valuesFiles.flatMap((file) => ["--values", file]),
    ...values.set.flatMap((value) => ["--set", value]),
  ];
  return runTool({ command: helm, args, env });
}

/**
 * The `# Source: <chart>/templates/<file>` comment Helm writes above each rendered
 * document: among the comment lines between the previous `---` and the document.
 */
function helmSourceOf(source: PositionedDocument): string | undefined {
  const { text } = source;
  const start = source.document.contents?.range?.[0] ?? source.document.range[0];
  // Line by line backwards from the document, never copying the stream before it.
  for (let lineEnd = text.lastIndexOf("\n", start - 1); lineEnd > 0; ) {
    const lineStart = text.lastIndexOf("\n", lineEnd - 1) + 1;
    const line = text.slice(lineStart, lineEnd).trim();
    const comment = /^#\s*Source:\s*(\S.*?)\s*$/.exec(line);
    if (comment) return comment[1];
    if (line !== "" && !line.startsWith("#")) return undefined;
    lineEnd = lineStart - 1;
  }
  return undefined;
}

/** The template file a `# Source:` path names inside `chartDir` (the first segment is the chart's name). */
export function templateInChart(chartDir: string, sourcePath: string): string | undefined {
  const rest = sourcePath.split("/").slice(1);
  if (rest.length === 0) return undefined;
  const path = join(chartDir, ...rest);
  return isInside(chartDir, path) ? path : undefined;
}

interface Template {
  path: string;
  lines: string[];
}

/**
 * Points resources of `helm template` output at the template lines that produce them.
 * Templates are not YAML, so fields are found by their keys, in order, below their
 * parent's line; a field not found stays at its parent, as for a missing field.
 */
export class HelmTracer {
  private readonly templates = new Map<string, Template | undefined>();
  /** How many documents of each template and kind were seen, to tell a template's documents apart. */
  private readonly ordinals = new Map<string, number>();

  constructor(
    private readonly findTemplate: (sourcePath: string) => string | undefined,
    private readonly display: (absolutePath: string) => string,
  ) {}

  /** The resource pointed at its template, or undefined when it has no `# Source:` or the template is not here. */
  trace(resource: Resource): Resource | undefined {
    const sourcePath = helmSourceOf(resource.source);
    const file = sourcePath ? this.findTemplate(sourcePath) : undefined;
    const template = file ? this.template(file) : undefined;
    if (!template || !sourcePath) return undefined;
    const key = `${sourcePath}\n${resource.kind}`;
    const ordinal = this.ordinals.get(key) ?? 0;
    this.ordinals.set(key, ordinal + 1);
    const section = sectionOf(template.lines, resource.kind, ordinal);
    const resolve = (fieldPath: FieldPath) => locateInTemplate(template, section, resource.object, fieldPath);
    return { ...resource, source: { ...resource.source, path: template.path, resolve } };
  }

  private template(file: string): Template | undefined {
    if (!this.templates.has(file)) {
      const text = readSmallFile(file);
      this.templates.set(file, text === undefined ? undefined : { path: this.display(file), lines: text.split("\n") });
    }
    return this.templates.get(file);
  }
}

interface Section {
  start: number;
  end: number;
}

/** The lines of the template's `ordinal`-th document of `kind` (templates may hold several, split by `---`). */
function sectionOf(lines: readonly string[], kind: string, ordinal: number): Section {
  const sections: Section[] = [];
  let start = 0;
  lines.forEach((line, index) => {
    if (/^---(\s|$)/.test(line)) {
      sections.push({ start, end: index });
      start = index + 1;
    }
  });
  sections.push({ start, end: lines.length });
  const kindLine = new RegExp(`^\\s*kind:\\s*["']?${escapeRegExp(kind)}["']?\\s*(#.*)?$`);
  const ofKind = sections.filter((section) => lines.slice(section.start, section.end).some((line) => kindLine.test(line)));
  return ofKind[ordinal] ?? ofKind[0] ?? { start: 0, end: lines.length };
}

/** A key found in a template: where it is, and which lines below it belong to it. */
interface KeyLine {
  line: number;
  column: number;
  /** A list item found by its `name:`: its sibling keys share the key's column. */
  item: boolean;
}

function locateInTemplate(template: Template, section: Section, object: unknown, fieldPath: FieldPath): Location {
  let found: KeyLine | undefined;
  let value = object;
  for (const segment of fieldPath) {
    if (typeof segment === "number") {
      value = Array.isArray(value) ? value[segment] : undefined;
      const name = isRecord(value) && typeof value.name === "string" ? value.name : undefined;
      const item =
        name === undefined ? nthItem(template.lines, section, found, segment) : findKey(template.lines, section, found, "name", name);
      if (item) found = { ...item, item: true };
      continue;
    }
    value = isRecord(value) ? value[segment] : undefined;
    const next = findKey(template.lines, section, found, segment);
    if (!next) break;
    found = next;
  }
  const at = found ?? firstKeyLine(template.lines, section);
  const text = template.lines[at.line] ?? "";
  return {
    path: template.path,
    startLine: at.line + 1,
    startColumn: at.column + 1,
    endLine: at.line + 1,
    endColumn: text.trimEnd().length + 1,
  };
}

const KEY_PATTERN = /^(\s*)(-\s+)?(["']?)([^"'\s:#{][^"':#]*?)\3\s*:(?:\s|$)/;

/**
 * The first line after `parent`, inside its block, that writes `key` (and, to find a
 * list item, `key: value`).
 */
function findKey(
  lines: readonly string[],
  section: Section,
  parent: KeyLine | undefined,
  key: string,
  value?: string,
): KeyLine | undefined {
  return keyLinesBelow(lines, section, parent).find(
    ({ line, match }) => match[4] === key && (value === undefined || valueWritten(lines[line] ?? "", value)),
  )?.at;
}

/** The `n`-th list item (`- key: …`) directly below `parent`, for items without a name. */
function nthItem(lines: readonly string[], section: Section, parent: KeyLine | undefined, n: number): KeyLine | undefined {
  const items = keyLinesBelow(lines, section, parent).filter(({ match }) => match[2] !== undefined);
  const indent = items[0]?.match[1]?.length;
  return items.filter(({ match }) => match[1]?.length === indent)[n]?.at;
}

interface KeyMatch {
  line: number;
  match: RegExpExecArray;
  at: KeyLine;
}

/**
 * The YAML key lines after `parent` up to the end of its block. Template directives
 * (`{{ … }}` lines) and comments do not end the block; a key indented out of it does.
 */
function keyLinesBelow(lines: readonly string[], section: Section, parent: KeyLine | undefined): KeyMatch[] {
  const found: KeyMatch[] = [];
  for (let index = (parent?.line ?? section.start - 1) + 1; index < section.end; index++) {
    const match = KEY_PATTERN.exec(lines[index] ?? "");
    if (!match) continue;
    const indent = match[1]?.length ?? 0;
    if (parent && !insideOf(parent, indent, match[2] !== undefined)) break;
    found.push({ line: index, match, at: { line: index, column: indent + (match[2]?.length ?? 0), item: false } });
  }
  return found;
}

/** Whether a key line at `indent` (a list item when `dash`) is below `parent` in YAML's block structure. */
function insideOf(parent: KeyLine, indent: number, dash: boolean): boolean {
  if (parent.item) return indent >= parent.column;
  return indent > parent.column || (dash && indent === parent.column);
}

function valueWritten(line: string, value: string): boolean {
  const written = line
    .slice(line.indexOf(":") + 1)
    .replace(/\s#.*$/, "")
    .trim()
    .replace(/^["']|["']$/g, "");
  return written === value;
}

function firstKeyLine(lines: readonly string[], section: Section): KeyLine {
  for (let index = section.start; index < section.end; index++) {
    const match = KEY_PATTERN.exec(lines[index] ?? "");
    if (match) return { line: index, column: (match[1]?.length ?? 0) + (match[2]?.length ?? 0), item: false };
  }
  return { line: section.start, column: 0, item: false };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
