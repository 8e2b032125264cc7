import type { Finding } from "./finding.js";
import type { RuleDescriptor } from "./rule.js";
import type { FailOn } from "./severity.js";

export interface Verdict {
  passed: boolean;
  failOn: FailOn;
  reasons: string[];
}

/** Something that could not be scanned; the rest of the scan goes on. */
export interface ScanIssue {
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export type TargetKind = "manifests" | "image";

/** One thing the user asked to scan; each becomes its own SARIF run category. */
export interface ScanTarget {
  id: string;
  kind: TargetKind;
  /** What the user named: a path or an image reference. */
  input: string;
}

export interface KindCount {
  apiVersion: string;
  kind: string;
  count: number;
}

export interface ScanSummary {
  filesScanned: number;
  resources: number;
  /** Resources of kinds Portcullis does not know; counted so nothing is dropped silently. */
  unknownKinds: KindCount[];
  /** YAML/JSON documents that are not Kubernetes objects (no apiVersion/kind). */
  nonKubernetesDocuments: number;
}

/** One inventoried image, as the JSON report lists it. */
export interface ImageSummary {
  ref: string;
  digest?: string;
  os?: { family: string; version?: string };
  /** How many packages were found. */
  packages: number;
}

export interface ToolInfo {
  name: string;
  version: string;
}

export interface ScanReport {
  schemaVersion: 1;
  tool: ToolInfo;
  verdict: Verdict;
  targets: ScanTarget[];
  findings: Finding[];
  /** Descriptors of every rule a finding refers to. */
  rules: RuleDescriptor[];
  summary: ScanSummary;
  /** The images scanned, when any were. */
  inventory?: { images: ImageSummary[] };
  errors: ScanIssue[];
  /** Things the user should know that did not stop the scan (a renderer missing, a link not followed). */
  warnings: ScanIssue[];
}
