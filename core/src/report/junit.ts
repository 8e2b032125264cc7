import { type Finding, meetsThreshold, type ScanReport } from "../model/index.js";
import { formatIssue, formatLocation, sortFindings } from "./format.js";

/**
 * JUnit XML for test tabs (Azure DevOps): one test case per finding, failed when it fails
 * the gate, skipped when suppressed or below the threshold; plus one case for the verdict.
 */
export function renderJunit(report: ScanReport): string {
  const suites = report.targets.map((target) =>
    suite(
      target.id,
      sortFindings(report.findings.filter((finding) => finding.target === target.id)).map((finding) => findingCase(finding, report)),
    ),
  );
  suites.push(suite("portcullis gate", [gateCase(report)]));
  const tests = suites.reduce((sum, entry) => sum + entry.tests, 0);
  const failures = suites.reduce((sum, entry) => sum + entry.failures, 0);
  const skipped = suites.reduce((sum, entry) => sum + entry.skipped, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="portcullis" tests="${tests}" failures="${failures}" skipped="${skipped}" errors="0">`,
    ...suites.map((entry) => entry.xml),
    "</testsuites>",
    "",
  ].join("\n");
}

interface Case {
  xml: string;
  outcome: "passed" | "failed" | "skipped";
}

interface Suite {
  xml: string;
  tests: number;
  failures: number;
  skipped: number;
}

function suite(name: string, cases: readonly Case[]): Suite {
  const failures = cases.filter((entry) => entry.outcome === "failed").length;
  const skipped = cases.filter((entry) => entry.outcome === "skipped").length;
  const body = cases.map((entry) => entry.xml).join("\n");
  const xml = `  <testsuite name="${attr(name)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" errors="0">${body ? `\n${body}\n  ` : ""}</testsuite>`;
  return { xml, tests: cases.length, failures, skipped };
}

function findingCase(finding: Finding, report: ScanReport): Case {
  const name = `${finding.ruleId} ${formatLocation(finding.location)}`.trim();
  const open = `    <testcase classname="${attr(finding.ruleId)}" name="${attr(name)}"`;
  const detail = `${finding.severity}: ${finding.message}`;
  if (finding.suppressed)
    return { outcome: "skipped", xml: `${open}><skipped message="${attr(`suppressed: ${finding.suppressed.reason}`)}"/></testcase>` };
  if (!meetsThreshold(finding.severity, report.verdict.failOn)) {
    return {
      outcome: "skipped",
      xml: `${open}><skipped message="${attr(`below fail-on ${report.verdict.failOn}: ${detail}`)}"/></testcase>`,
    };
  }
  return {
    outcome: "failed",
    xml: `${open}><failure message="${attr(detail)}" type="${attr(finding.severity)}">${text(finding.title)}</failure></testcase>`,
  };
}

function gateCase(report: ScanReport): Case {
  const open = `    <testcase classname="portcullis" name="gate (fail-on ${attr(report.verdict.failOn)})"`;
  const problems = [...report.verdict.reasons, ...report.errors.map(formatIssue)];
  if (problems.length === 0) return { outcome: "passed", xml: `${open}/>` };
  return { outcome: "failed", xml: `${open}><failure message="${attr(problems.join("; "))}"/></testcase>` };
}

/** Escapes text for XML, dropping characters XML 1.0 cannot carry at all. */
function text(value: string): string {
  return value
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}

function attr(value: string): string {
  return text(value)
    .replaceAll('"', "&quot;")
    .replace(/[\t\n\r]/g, (char) => `&#${char.charCodeAt(0)};`);
}
