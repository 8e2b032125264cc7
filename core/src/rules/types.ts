import type { Resource } from "../manifests/load.js";
import type { FieldPath } from "../manifests/positions.js";
import type { Container, Workload } from "../manifests/workloads.js";
import type { RuleDescriptor } from "../model/index.js";

export type PssLevel = "baseline" | "restricted";

/** A Pod Security Standards version: `v1.N` as pod-security-admission names them, or the newest. */
export type PssVersion = { major: 1; minor: number } | "latest";

/** Settings that change what rules check; every field has a default (see DEFAULT_RULE_OPTIONS). */
export interface RuleOptions {
  pssLevel: PssLevel;
  pssVersion: PssVersion;
  /** The Kubernetes version the manifests are deployed to, `1.N`, for removed/deprecated APIs; unset: the newest. */
  kubeVersion?: { major: 1; minor: number };
  /** Registries images may come from (host, or host/path prefix); empty: no allow-list check. */
  allowedRegistries: readonly string[];
  /** Honour `portcullis.dev/ignore` annotations on resources. */
  inlineIgnores: boolean;
}

export const DEFAULT_RULE_OPTIONS: RuleOptions = {
  pssLevel: "restricted",
  pssVersion: "latest",
  allowedRegistries: [],
  inlineIgnores: true,
};

/** Everything a manifest rule may look at; cross-resource rules use `resources`. */
export interface RuleContext {
  resources: readonly Resource[];
  workloads: readonly Workload[];
  options: RuleOptions;
}

/** One thing a rule objects to, at the field (path relative to the resource) that causes it. */
export interface Violation {
  resource: Resource;
  /**
   * The offending field; when it is missing, the path of where it would go: the finding is
   * then located at the nearest existing parent.
   */
  path: FieldPath;
  /** The container the violation is about, so the finding names it. */
  container?: Container;
  message: string;
}

export interface ManifestRule {
  descriptor: RuleDescriptor;
  check(context: RuleContext): Iterable<Violation>;
}
