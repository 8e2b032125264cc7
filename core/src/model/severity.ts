/** Severities from most to least severe; the order is the contract for sorting and thresholds. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A gate threshold: a severity, or `none` to never fail. */
export const FAIL_ON_LEVELS = ["critical", "high", "medium", "low", "none"] as const;
export type FailOn = (typeof FAIL_ON_LEVELS)[number];

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export function isSeverity(value: unknown): value is Severity {
  return typeof value === "string" && value in RANK;
}

export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** Sort comparator: most severe first. */
export function bySeverityDescending(a: Severity, b: Severity): number {
  return RANK[b] - RANK[a];
}

export function meetsThreshold(severity: Severity, failOn: FailOn): boolean {
  return failOn !== "none" && RANK[severity] >= RANK[failOn];
}

/**
 * A representative CVSS-like score for a severity, used where no real score exists
 * (GitHub code scanning buckets `security-severity`: >=9 critical, >=7 high, >=4 medium, >0 low).
 */
export function representativeScore(severity: Severity): number {
  switch (severity) {
    case "critical":
      return 9.5;
    case "high":
      return 8.0;
    case "medium":
      return 5.5;
    case "low":
      return 2.0;
    case "info":
      return 0.0;
  }
}
