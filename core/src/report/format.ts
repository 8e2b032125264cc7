import {
  bySeverityDescending,
  type Finding,
  type ImageSummary,
  type Location,
  type ScanIssue,
  type ScanReport,
  SEVERITIES,
  type Severity,
} from "../model/index.js";

/** `path:line:col`, or just the path when there is no line. */
export function formatLocation(location: Location | undefined): string {
  if (!location) return "";
  const column = location.startColumn ? `:${location.startColumn}` : "";
  return `${location.path}:${location.startLine}${column}`;
}

export function formatIssue(issue: ScanIssue): string {
  const at = issue.line ? `:${issue.line}${issue.column ? `:${issue.column}` : ""}` : "";
  return `${issue.path}${at}: ${issue.message}`;
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** Most severe first, then by position, so every report lists findings in the same order. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => bySeverityDescending(a.severity, b.severity) || byPosition(a, b));
}

/** By file, line and column, then rule. */
export function sortByPosition(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(byPosition);
}

function byPosition(a: Finding, b: Finding): number {
  return (
    (a.location?.path ?? a.target).localeCompare(b.location?.path ?? b.target) ||
    (a.location?.startLine ?? 0) - (b.location?.startLine ?? 0) ||
    (a.location?.startColumn ?? 0) - (b.location?.startColumn ?? 0) ||
    a.ruleId.localeCompare(b.ruleId)
  );
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** `alpine 3.11.5, 14 packages`, or `no OS identified, 0 packages`. */
export function describeImage(image: ImageSummary): string {
  const os = image.os ? `${image.os.family}${image.os.version ? ` ${image.os.version}` : ""}` : "no OS identified";
  return `${os}, ${plural(image.packages, "package")}`;
}

/** What a scan covered: `26 resources from 14 files`, `1 image`, or both joined by "and". */
export function scannedScope(report: ScanReport): string {
  const { resources, filesScanned } = report.summary;
  const images = report.inventory?.images.length ?? 0;
  const parts = filesScanned > 0 || images === 0 ? [`${plural(resources, "resource")} from ${plural(filesScanned, "file")}`] : [];
  if (images > 0) parts.push(plural(images, "image"));
  return parts.join(" and ");
}
