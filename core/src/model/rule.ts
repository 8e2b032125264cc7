import type { FindingKind, StandardRef } from "./finding.js";
import type { Severity } from "./severity.js";

/** What reports need to know about a rule: SARIF rule descriptors, docs, `portcullis rules`. */
export interface RuleDescriptor {
  id: string;
  kind: FindingKind;
  title: string;
  severity: Severity;
  /** One paragraph: what is wrong and why it matters. */
  description: string;
  /** What to change, in prose. */
  remediation: string;
  /** A YAML fragment showing the fixed configuration. */
  fix?: string;
  /** A numeric severity (CVSS or representative) when the rule has a real score. */
  score?: number;
  helpUri?: string;
  /** Further reading: specifications, benchmarks, advisories. */
  references?: string[];
  standards: StandardRef[];
}
