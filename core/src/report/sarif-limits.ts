import { gzipSync } from "node:zlib";
import { bySeverityDescending, type Finding } from "../model/index.js";

/** GitHub code scanning's upload limits for one SARIF file. */
export interface SarifLimits {
  maxRuns: number;
  maxResultsPerRun: number;
  maxLocationsPerResult: number;
  maxGzipBytes: number;
}

export const GITHUB_SARIF_LIMITS: SarifLimits = {
  maxRuns: 20,
  maxResultsPerRun: 25_000,
  maxLocationsPerResult: 1_000,
  maxGzipBytes: 10 * 1024 * 1024,
};

/** The findings one SARIF run will carry, and what was left out of it and why. */
export interface RunPlan {
  category: string;
  findings: Finding[];
  notices: string[];
}

/** Over the per-run result limit, keeps the most severe findings and says how many were dropped. */
export function capResults(plan: RunPlan, maxResults: number): void {
  if (plan.findings.length <= maxResults) return;
  const dropped = plan.findings.length - maxResults;
  plan.findings = mostSevereFirst(plan.findings).slice(0, maxResults);
  plan.notices.push(
    `${dropped} of ${dropped + maxResults} results were left out: GitHub code scanning accepts at most ${maxResults} results per run. The ${maxResults} most severe are kept; the JSON report has them all.`,
  );
}

/**
 * Drops the least severe findings across all runs, `count` in all, noting in each run
 * how many it lost; used when the gzipped file would exceed the upload limit.
 */
export function dropLeastSevere(plans: readonly RunPlan[], count: number, maxGzipBytes: number): void {
  const ranked = plans
    .flatMap((plan) => plan.findings.map((finding) => ({ plan, finding })))
    .sort((a, b) => bySeverityDescending(a.finding.severity, b.finding.severity));
  const doomed = new Set(ranked.slice(Math.max(0, ranked.length - count)).map(({ finding }) => finding));
  const megabytes = (maxGzipBytes / (1024 * 1024)).toFixed(0);
  for (const plan of plans) {
    const before = plan.findings.length;
    plan.findings = plan.findings.filter((finding) => !doomed.has(finding));
    const dropped = before - plan.findings.length;
    if (dropped > 0) {
      plan.notices.push(
        `${dropped} of the least severe results were left out to keep the gzipped SARIF file under GitHub's ${megabytes} MB upload limit; the JSON report has them all.`,
      );
    }
  }
}

export function gzippedSize(text: string): number {
  return gzipSync(text).length;
}

/** How many findings to drop so that a file of `size` bytes shrinks below `limit`, with a margin. */
export function findingsToDrop(total: number, size: number, limit: number): number {
  return Math.min(total, Math.ceil(total * (1 - limit / size) * 1.05) + 1);
}

function mostSevereFirst(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => bySeverityDescending(a.severity, b.severity));
}
