import type * as Sarif from "sarif";
import {
  type Finding,
  type Location,
  type RuleDescriptor,
  representativeScore,
  type ScanReport,
  type Severity,
  type StandardRef,
} from "../model/index.js";
import { TOOL_URI } from "../version.js";
import {
  capResults,
  dropLeastSevere,
  findingsToDrop,
  GITHUB_SARIF_LIMITS,
  gzippedSize,
  type RunPlan,
  type SarifLimits,
} from "./sarif-limits.js";

const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/** Locations are relative to the repository root, which code scanning knows as the checkout. */
const SOURCE_ROOT = "%SRCROOT%";
const FINGERPRINT_KEY = "portcullisFinding/v1";
const OVERFLOW_CATEGORY = "portcullis/combined/";

export interface SarifOptions {
  limits?: SarifLimits;
  /** Absolute file URI of the source root, ending in "/"; recorded for SARIF viewers. */
  sourceRootUri?: string;
}

/** SARIF 2.1.0 that GitHub code scanning accepts, trimmed to its upload limits. */
export function renderSarif(report: ScanReport, options: SarifOptions = {}): string {
  const limits = options.limits ?? GITHUB_SARIF_LIMITS;
  const plans = planRuns(report, limits);
  for (const plan of plans) capResults(plan, limits.maxResultsPerRun);
  let text = serialize(report, plans, limits, options);
  for (let size = gzippedSize(text); size > limits.maxGzipBytes; size = gzippedSize(text)) {
    const total = plans.reduce((sum, plan) => sum + plan.findings.length, 0);
    if (total === 0) break;
    dropLeastSevere(plans, findingsToDrop(total, size, limits.maxGzipBytes), limits.maxGzipBytes);
    text = serialize(report, plans, limits, options);
  }
  return text;
}

/** One run per scan target; past the run limit, the remaining targets share one combined run. */
function planRuns(report: ScanReport, limits: SarifLimits): RunPlan[] {
  const byTarget = new Map<string, Finding[]>(report.targets.map((target) => [target.id, []]));
  for (const finding of report.findings) {
    const list = byTarget.get(finding.target) ?? [];
    list.push(finding);
    byTarget.set(finding.target, list);
  }
  const plans = [...byTarget.entries()].map(([target, findings]) => ({
    category: `portcullis/${target}/`,
    findings,
    notices: [] as string[],
  }));
  if (plans.length <= limits.maxRuns) return plans;
  const kept = plans.slice(0, limits.maxRuns - 1);
  const overflow = plans.slice(limits.maxRuns - 1);
  kept.push({
    category: OVERFLOW_CATEGORY,
    findings: overflow.flatMap((plan) => plan.findings),
    notices: [`${overflow.length} scan targets share this run: GitHub code scanning accepts at most ${limits.maxRuns} runs per file.`],
  });
  return kept;
}

/** What every run of one log shares. */
interface LogContext {
  report: ScanReport;
  rulesById: ReadonlyMap<string, RuleDescriptor>;
  /** What the user named for each target, where results without a location of their own go. */
  inputsByTarget: ReadonlyMap<string, string>;
  limits: SarifLimits;
  options: SarifOptions;
}

function serialize(report: ScanReport, plans: readonly RunPlan[], limits: SarifLimits, options: SarifOptions): string {
  const context: LogContext = {
    report,
    rulesById: new Map(report.rules.map((rule) => [rule.id, rule])),
    inputsByTarget: new Map(report.targets.map((target) => [target.id, target.input])),
    limits,
    options,
  };
  const log: Sarif.Log = { $schema: SARIF_SCHEMA, version: "2.1.0", runs: plans.map((plan) => toRun(plan, context)) };
  return JSON.stringify(log);
}

function toRun(plan: RunPlan, { report, rulesById, limits, options, inputsByTarget }: LogContext): Sarif.Run {
  const ruleIds = [...new Set(plan.findings.map((finding) => finding.ruleId))].sort();
  const ruleIndex = new Map(ruleIds.map((id, index) => [id, index]));
  return {
    tool: {
      driver: {
        name: "Portcullis",
        fullName: "Portcullis container and Kubernetes security gate",
        version: report.tool.version,
        semanticVersion: report.tool.version,
        informationUri: TOOL_URI,
        rules: ruleIds.map((id) => toRule(rulesById.get(id) ?? unknownRule(id, plan.findings))),
      },
    },
    automationDetails: { id: plan.category },
    ...(options.sourceRootUri && { originalUriBaseIds: { [SOURCE_ROOT]: { uri: options.sourceRootUri } } }),
    invocations: [
      {
        executionSuccessful: true,
        toolExecutionNotifications: plan.notices.map((text) => ({ level: "warning", message: { text } })),
      },
    ],
    results: plan.findings.map((finding) => {
      const location = finding.location ?? { path: inputsByTarget.get(finding.target) ?? finding.target, startLine: 1 };
      return toResult(finding, location, ruleIndex.get(finding.ruleId) ?? 0, limits);
    }),
    columnKind: "unicodeCodePoints",
  };
}

function toRule(rule: RuleDescriptor): Sarif.ReportingDescriptor {
  return {
    id: rule.id,
    name: pascalCase(rule.title),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: { text: helpText(rule), markdown: helpMarkdown(rule) },
    ...(rule.helpUri && { helpUri: rule.helpUri }),
    defaultConfiguration: { level: levelOf(rule.severity) },
    properties: {
      "security-severity": (rule.score ?? representativeScore(rule.severity)).toFixed(1),
      precision: "very-high",
      tags: ["security", rule.kind, ...rule.standards.map(standardTag)],
    },
  };
}

/** A descriptor for a finding whose rule the report did not describe, so every result has a rule. */
function unknownRule(id: string, findings: readonly Finding[]): RuleDescriptor {
  const sample = findings.find((finding) => finding.ruleId === id) as Finding;
  return {
    id,
    kind: sample.kind,
    title: sample.title,
    severity: sample.severity,
    description: sample.title,
    remediation: "See the finding's message.",
    standards: sample.standards ?? [],
  };
}

function toResult(finding: Finding, location: Location, ruleIndex: number, limits: SarifLimits): Sarif.Result {
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: levelOf(finding.severity),
    message: { text: finding.message },
    locations: [toLocation(location)].slice(0, limits.maxLocationsPerResult),
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    ...(finding.steps && { codeFlows: [toCodeFlow(finding.steps, limits)] }),
    ...(finding.suppressed && {
      suppressions: [{ kind: "external", status: "accepted", justification: finding.suppressed.reason }],
    }),
    properties: resultProperties(finding),
  };
}

function toCodeFlow(steps: NonNullable<Finding["steps"]>, limits: SarifLimits): Sarif.CodeFlow {
  return {
    threadFlows: [
      {
        locations: steps.slice(0, limits.maxLocationsPerResult).map((step, index) => ({
          executionOrder: index + 1,
          location: { ...toLocation(step.location), message: { text: step.message } },
        })),
      },
    ],
  };
}

function toLocation(location: Location): Sarif.Location {
  return {
    physicalLocation: {
      artifactLocation: { uri: encodeURI(location.path), uriBaseId: SOURCE_ROOT },
      region: {
        startLine: location.startLine,
        ...(location.startColumn && { startColumn: location.startColumn }),
        ...(location.endLine && { endLine: location.endLine }),
        ...(location.endColumn && { endColumn: location.endColumn }),
      },
    },
  };
}

function resultProperties(finding: Finding): Record<string, unknown> {
  return {
    severity: finding.severity,
    kind: finding.kind,
    ...(finding.resource && { resource: finding.resource }),
    ...(finding.image && { image: finding.image }),
    ...(finding.package && { package: finding.package }),
    ...(finding.vulnerability && { vulnerability: finding.vulnerability }),
  };
}

/** GitHub shows `error` for critical and high, `warning` for medium, `note` below. */
function levelOf(severity: Severity): Sarif.ReportingConfiguration.level {
  if (severity === "critical" || severity === "high") return "error";
  return severity === "medium" ? "warning" : "note";
}

function standardTag(standard: StandardRef): string {
  return standard.level ? `${standard.framework}/${standard.level}/${standard.control}` : `${standard.framework}/${standard.control}`;
}

function helpText(rule: RuleDescriptor): string {
  const fix = rule.fix ? `\n\nFix:\n${rule.fix}` : "";
  return `${rule.description}\n\nRemediation: ${rule.remediation}${fix}`;
}

function helpMarkdown(rule: RuleDescriptor): string {
  const lines = [`**${rule.title}**`, "", rule.description, "", `**Remediation.** ${rule.remediation}`];
  if (rule.fix) lines.push("", "```yaml", rule.fix, "```");
  if (rule.standards.length > 0) {
    lines.push("", "| Standard | Control |", "| --- | --- |");
    for (const standard of rule.standards) lines.push(`| ${standard.framework} | ${standardLabel(standard)} |`);
  }
  if (rule.helpUri) lines.push("", `[Learn more](${rule.helpUri})`);
  return lines.join("\n");
}

function standardLabel(standard: StandardRef): string {
  const control = standard.level ? `${standard.level}: ${standard.control}` : standard.control;
  return standard.title ? `${control} — ${standard.title.replaceAll("|", "\\|")}` : control;
}

function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join("");
}
