import { type Finding, type ScanReport, SEVERITIES, type Severity } from "../model/index.js";
import { countBySeverity, describeImage, formatIssue, formatLocation, plural, scannedScope, sortFindings } from "./format.js";

export interface MarkdownOptions {
  /** Findings listed in the table; the rest are counted. PR comments are capped at 65,536 characters. */
  maxFindings?: number;
}

const SEVERITY_LABEL: Record<Severity, string> = {
  critical: "🟣 Critical",
  high: "🔴 High",
  medium: "🟠 Medium",
  low: "🟡 Low",
  info: "⚪ Info",
};

/** The summary posted to job summaries and pull request comments. */
export function renderMarkdown(report: ScanReport, options: MarkdownOptions = {}): string {
  const maxFindings = options.maxFindings ?? 50;
  const { verdict } = report;
  const lines = [
    heading(report),
    "",
    verdict.passed
      ? `No findings at or above \`${verdict.failOn}\`.`
      : `${verdict.reasons.map(escapeCell).join("; ")} (fail-on \`${verdict.failOn}\`).`,
    "",
    `Scanned ${scannedScope(report)}.`,
    "",
    ...severityTable(report.findings),
  ];
  const images = report.inventory?.images ?? [];
  if (images.length > 0) lines.push("", ...images.map((image) => `- Image \`${escapeCode(image.ref)}\`: ${describeImage(image)}`));
  const active = sortFindings(report.findings.filter((finding) => !finding.suppressed));
  if (active.length > 0) lines.push("", "### Findings", "", ...findingsTable(active.slice(0, maxFindings)));
  if (active.length > maxFindings) lines.push("", `…and ${active.length - maxFindings} more in the full report.`);
  const suppressed = report.findings.filter((finding) => finding.suppressed);
  if (suppressed.length > 0) lines.push("", `${plural(suppressed.length, "finding")} suppressed by exceptions.`);
  if (report.errors.length > 0) {
    lines.push("", "### Could not scan", "", ...report.errors.map((issue) => `- \`${escapeCode(formatIssue(issue))}\``));
  }
  if (report.warnings.length > 0) {
    lines.push("", "### Warnings", "", ...report.warnings.map((issue) => `- \`${escapeCode(formatIssue(issue))}\``));
  }
  return `${lines.join("\n")}\n`;
}

function heading(report: ScanReport): string {
  if (!report.verdict.passed) return "## ❌ Portcullis: gate failed";
  return report.errors.length > 0 ? "## ⚠️ Portcullis: scan incomplete" : "## ✅ Portcullis: gate passed";
}

function severityTable(findings: readonly Finding[]): string[] {
  const counts = countBySeverity(findings);
  return [
    "| Severity | Findings |",
    "| --- | ---: |",
    ...SEVERITIES.map((severity) => `| ${SEVERITY_LABEL[severity]} | ${counts[severity]} |`),
  ];
}

function findingsTable(findings: readonly Finding[]): string[] {
  return [
    "| Severity | Rule | Location | Message |",
    "| --- | --- | --- | --- |",
    ...findings.map(
      (finding) =>
        `| ${SEVERITY_LABEL[finding.severity]} | \`${escapeCode(finding.ruleId)}\` | \`${escapeCode(formatLocation(finding.location))}\` | ${escapeCell(finding.message)} |`,
    ),
  ];
}

/** Table cells cannot hold pipes or line breaks; HTML is escaped so a message cannot inject markup. */
function escapeCell(text: string): string {
  return text
    .replace(/[&<>]/g, (char) => `&#${char.charCodeAt(0)};`)
    .replaceAll("|", "\\|")
    .replace(/\r?\n/g, " ");
}

function escapeCode(text: string): string {
  return text.replaceAll("`", "'").replaceAll("|", "\\|").replace(/\r?\n/g, " ");
}
