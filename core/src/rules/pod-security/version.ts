import type { PssLevel, RuleOptions } from "../types.js";

/**
 * The newest policy version pod-security-admission defines (v1.37 adds two safe sysctls).
 * `latest`, and any version newer than this, evaluate as this one, as the admission
 * controller clamps them to its newest registered check version.
 */
export const NEWEST_PSS_MINOR = 37;

/** What a rule evaluates against: the level and the minor of the policy version `v1.N`. */
export interface PssPolicy {
  level: PssLevel;
  minor: number;
}

/** A pod-security-admission check: its ID, its level and the first policy version it exists in. */
export interface PssControl {
  /** The check ID exactly as pod-security-admission names it, e.g. `capabilities_baseline`. */
  id: string;
  level: PssLevel;
  /** The minor of the first policy version (`v1.N`) that has the check. */
  since: number;
  /** Its implementation in pod-security-admission's policy folder, e.g. `check_capabilities_baseline.go`. */
  source: string;
}

export function pssPolicy(options: RuleOptions): PssPolicy {
  const { pssVersion } = options;
  const minor = pssVersion === "latest" || !Number.isInteger(pssVersion?.minor) ? NEWEST_PSS_MINOR : pssVersion.minor;
  return { level: options.pssLevel, minor: Math.min(minor, NEWEST_PSS_MINOR) };
}

/** Restricted evaluates every baseline check too; a check exists from its `since` version on. */
export function isEvaluated(control: PssControl, policy: PssPolicy): boolean {
  const levelApplies = policy.level === "restricted" || (policy.level === "baseline" && control.level === "baseline");
  return levelApplies && policy.minor >= control.since;
}

type Revision<T> = readonly [since: number, value: T];

/** A value that changed across policy versions: `[first minor it applies to, value]`, oldest first. */
export type Revisions<T> = readonly [Revision<T>, ...Revision<T>[]];

/** The revision in force at the policy's version (the first one when the version predates them all). */
export function revisionAt<T>(revisions: Revisions<T>, policy: PssPolicy): T {
  let current = revisions[0];
  for (const revision of revisions) if (revision[0] <= policy.minor) current = revision;
  return current[1];
}
