import type { Finding, ScanIssue, ScanReport, Severity } from "../model/index.js";
import { countBySeverity, describeImage, formatIssue, plural, scannedScope, sortByPosition } from "./format.js";

export interface TableOptions {
  /** ANSI colours; the CLI turns them on only for a TTY without NO_COLOR. */
  color?: boolean;
  /** Maximum line width. */
  width?: number;
}

/** ANSI SGR codes: ours, not util.styleText, whose Node 22+ version second-guesses the caller's TTY decision. */
const SGR = { bold: 1, dim: 2, underline: 4, red: 31, green: 32, yellow: 33, magenta: 35, cyan: 36 } as const;
type Style = keyof typeof SGR | (keyof typeof SGR)[];

function styleText(style: Style, text: string): string {
  const codes = (Array.isArray(style) ? style : [style]).map((name) => SGR[name]).join(";");
  return `\u001b[${codes}m${text}\u001b[0m`;
}

const SEVERITY_STYLE: Record<Severity, Style> = {
  critical: ["bold", "magenta"],
  high: ["bold", "red"],
  medium: "yellow",
  low: "cyan",
  info: "dim",
};
const POSITION_WIDTH = 9;
const SEVERITY_WIDTH = 10;

/** A human-readable listing grouped by file, in the style of compiler output. */
export function renderTable(report: ScanReport, options: TableOptions = {}): string {
  const width = options.width ?? 80;
  const paint = (style: Style, text: string) => (options.color ? styleText(style, text) : text);
  const lines: string[] = [];
  for (const [path, findings] of groupByFile(report.findings)) {
    lines.push(paint("underline", fitLeft(path, width)));
    for (const finding of findings) lines.push(...findingLines(finding, width, paint));
    lines.push("");
  }
  if (report.errors.length > 0)
    pushIssues(lines, paint(["bold", "red"], `Could not scan ${plural(report.errors.length, "input")}:`), report.errors, width);
  if (report.warnings.length > 0)
    pushIssues(lines, paint(["bold", "yellow"], `${plural(report.warnings.length, "warning")}:`), report.warnings, width);
  lines.push(...summaryLines(report, width));
  lines.push(verdictLine(report, width, paint));
  return `${lines.join("\n")}\n`;
}

function findingLines(finding: Finding, width: number, paint: (style: Style, text: string) => string): string[] {
  const position = finding.location ? `${finding.location.startLine}:${finding.location.startColumn ?? 1}` : "-";
  const indent = 2 + POSITION_WIDTH + SEVERITY_WIDTH;
  const suppressed = finding.suppressed ? ` (suppressed: ${finding.suppressed.reason})` : "";
  const body = wrap(`${finding.message}${suppressed} [${finding.ruleId}]`, width - indent);
  const severity = paint(SEVERITY_STYLE[finding.severity], finding.severity.padEnd(SEVERITY_WIDTH));
  return body.map((text, index) =>
    index === 0 ? `  ${position.padEnd(POSITION_WIDTH)}${severity}${text}` : `${" ".repeat(indent)}${text}`,
  );
}

function summaryLines(report: ScanReport, width: number): string[] {
  const counts = countBySeverity(report.findings);
  const breakdown = (Object.entries(counts) as [Severity, number][])
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`)
    .join(", ");
  const { summary } = report;
  const lines = wrap(
    `${plural(report.findings.length, "finding")}${breakdown ? ` (${breakdown})` : ""} in ${scannedScope(report)}.`,
    width,
  );
  for (const image of report.inventory?.images ?? []) lines.push(...wrap(`Image ${image.ref}: ${describeImage(image)}.`, width));
  if (summary.unknownKinds.length > 0) {
    const kinds = summary.unknownKinds.map((kind) => `${kind.kind} (${kind.apiVersion}) x${kind.count}`).join(", ");
    lines.push(...wrap(`Not checked, unknown kinds: ${kinds}.`, width));
  }
  if (summary.nonKubernetesDocuments > 0) {
    lines.push(`Skipped ${plural(summary.nonKubernetesDocuments, "document")} that are not Kubernetes objects.`);
  }
  return lines;
}

/** The heading, each issue indented under it, then a blank line; a loop, as an image can have very many. */
function pushIssues(lines: string[], heading: string, issues: readonly ScanIssue[], width: number): void {
  lines.push(heading);
  for (const issue of issues) lines.push(...wrap(formatIssue(issue), width - 2).map((line) => `  ${line}`));
  lines.push("");
}

function verdictLine(report: ScanReport, width: number, paint: (style: Style, text: string) => string): string {
  const [style, text] = verdictText(report);
  return wrap(text, width)
    .map((line) => paint(style, line))
    .join("\n");
}

function verdictText({ verdict, errors }: ScanReport): [Style, string] {
  // A pass over what could be read is no pass: the exit code is 2, and the line must agree.
  if (verdict.passed && errors.length > 0) {
    return [
      ["bold", "red"],
      `INCOMPLETE: no findings at or above ${verdict.failOn} in what could be scanned, but ${plural(errors.length, "input")} could not be.`,
    ];
  }
  if (verdict.passed) return [["bold", "green"], `PASSED: no findings at or above ${verdict.failOn}.`];
  return [["bold", "red"], `FAILED (fail-on ${verdict.failOn}): ${verdict.reasons.join("; ")}.`];
}

/** Findings per file, files in name order, findings in line order. */
function groupByFile(findings: readonly Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const finding of sortByPosition(findings)) {
    const path = finding.location?.path ?? finding.target;
    groups.set(path, [...(groups.get(path) ?? []), finding]);
  }
  return groups;
}

/** Keeps the end of a long path, which names the file. */
function fitLeft(text: string, width: number): string {
  return text.length <= width ? text : `…${text.slice(text.length - width + 1)}`;
}

/** Greedy word wrap; a word longer than the width is cut. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    for (const piece of chunks(word, width)) {
      if (line && line.length + 1 + piece.length > width) {
        lines.push(line);
        line = piece;
      } else {
        line = line ? `${line} ${piece}` : piece;
      }
    }
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines : [""];
}

function chunks(word: string, width: number): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < word.length; start += width) pieces.push(word.slice(start, start + width));
  return pieces;
}
