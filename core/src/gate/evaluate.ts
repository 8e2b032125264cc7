import { bySeverityDescending, type FailOn, type Finding, meetsThreshold, type Severity, type Verdict } from "../model/index.js";

/** The verdict: failed when any unsuppressed finding is at or above the threshold. */
export function evaluateGate(findings: readonly Finding[], failOn: FailOn): Verdict {
  const blocking = findings.filter((finding) => !finding.suppressed && meetsThreshold(finding.severity, failOn));
  if (blocking.length === 0) return { passed: true, failOn, reasons: [] };
  return { passed: false, failOn, reasons: [blockingReason(blocking, failOn)] };
}

function blockingReason(blocking: readonly Finding[], failOn: FailOn): string {
  const counts = new Map<Severity, number>();
  for (const finding of blocking) counts.set(finding.severity, (counts.get(finding.severity) ?? 0) + 1);
  const breakdown = [...counts.entries()]
    .sort(([a], [b]) => bySeverityDescending(a, b))
    .map(([severity, count]) => `${count} ${severity}`)
    .join(", ");
  const noun = blocking.length === 1 ? "finding" : "findings";
  return `${blocking.length} ${noun} at or above ${failOn} (${breakdown})`;
}
