import type { Severity } from "./severity.js";

export type FindingKind = "misconfiguration" | "vulnerability" | "attack-path";

/** A region of a file, 1-based, relative to the source root with forward slashes. */
export interface Location {
  path: string;
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}

export interface ResourceRef {
  apiVersion?: string;
  kind: string;
  namespace?: string;
  name?: string;
  container?: string;
}

export interface ImageRef {
  ref: string;
  digest?: string;
}

export interface PackageRef {
  name: string;
  version: string;
  ecosystem: string;
  purl?: string;
  fixedVersion?: string;
}

export interface VulnerabilityRef {
  id: string;
  aliases?: string[];
  cvss?: { score: number; vector?: string };
  kev?: boolean;
  epss?: number;
}

/** A control in a standard: PSS, CIS Kubernetes Benchmark, NSA/CISA, MITRE ATT&CK, Azure Policy. */
export interface StandardRef {
  framework: string;
  control: string;
  level?: string;
  title?: string;
}

export interface Suppression {
  by: string;
  reason: string;
  expires?: string;
}

/** One hop of an attack path, in order from entry point to impact. */
export interface PathStep {
  location: Location;
  message: string;
}

export interface Finding {
  /** Stable across runs and unrelated line shifts; see fingerprint.ts. */
  fingerprint: string;
  kind: FindingKind;
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  /** The scan target the finding belongs to (one SARIF run category per target). */
  target: string;
  location?: Location;
  resource?: ResourceRef;
  image?: ImageRef;
  package?: PackageRef;
  vulnerability?: VulnerabilityRef;
  standards?: StandardRef[];
  steps?: PathStep[];
  suppressed?: Suppression;
}
