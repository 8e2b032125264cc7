import cvssCalculator from "ae-cvss-calculator";
import type { Severity } from "../model/severity.js";
import type { CvssRating } from "./types.js";

type CvssVersion = CvssRating["version"];

/** What a vector's prefix says it is; CVSS v2 vectors carry no prefix (FIRST's v2 guide, section 2.4). */
const PREFIXES: ReadonlyArray<{ prefix: string; version: CvssVersion }> = [
  { prefix: "CVSS:3.0/", version: "3.0" },
  { prefix: "CVSS:3.1/", version: "3.1" },
  { prefix: "CVSS:4.0/", version: "4.0" },
];

/** One `METRIC:VALUE` part of a vector; the calculator checks that the metric and value exist. */
const METRIC = /^[A-Za-z]+:[A-Za-z]+$/;

/**
 * The base score of a CVSS v2, v3.0, v3.1 or v4.0 vector, computed here rather than taken
 * from a feed. Undefined when the vector is malformed: an unknown prefix, a metric given
 * twice, an unknown metric or value, or a base metric missing.
 */
export function cvssRating(vector: string): CvssRating | undefined {
  const { version, metrics } = splitVector(vector);
  if (!metricsWellFormed(metrics)) return undefined;
  const calculator = calculatorFor(version, vector);
  if (!calculator?.isBaseFullyDefined()) return undefined;
  const scores = calculator.calculateScores();
  // Base metrics only in every version: threat and environmental metrics describe one deployment, not the flaw.
  const score = "baseMetricsOnly" in scores ? scores.baseMetricsOnly : scores.base;
  return score === undefined ? undefined : { version, vector, score };
}

/** The CVSS qualitative rating scale (FIRST, CVSS v3.1 specification, section 5; the same bands in v4.0). */
export function severityOfCvss(score: number): Severity {
  if (score >= 9.0) return "critical";
  if (score >= 7.0) return "high";
  if (score >= 4.0) return "medium";
  if (score >= 0.1) return "low";
  return "info";
}

function splitVector(vector: string): { version: CvssVersion; metrics: string[] } {
  const prefixed = PREFIXES.find(({ prefix }) => vector.startsWith(prefix));
  if (prefixed) return { version: prefixed.version, metrics: vector.slice(prefixed.prefix.length).split("/") };
  return { version: "2.0", metrics: vector.split("/") };
}

/** The calculator alone would accept repeated metrics (the last one wins) and empty parts; the specifications do not. */
function metricsWellFormed(metrics: string[]): boolean {
  if (!metrics.every((metric) => METRIC.test(metric))) return false;
  const names = metrics.map((metric) => metric.slice(0, metric.indexOf(":")));
  return new Set(names).size === names.length;
}

function calculatorFor(version: CvssVersion, vector: string) {
  try {
    switch (version) {
      case "2.0":
        return new cvssCalculator.Cvss2(vector);
      case "3.0":
        return new cvssCalculator.Cvss3P0(vector);
      case "3.1":
        return new cvssCalculator.Cvss3P1(vector);
      case "4.0":
        return new cvssCalculator.Cvss4P0(vector);
    }
  } catch {
    // The calculator throws on a metric or value its version does not define.
    return undefined;
  }
}
