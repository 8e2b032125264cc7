import type { Resource } from "../manifests/load.js";
import type { FieldPath } from "../manifests/positions.js";
import type { Container, Workload } from "../manifests/workloads.js";
import type { RuleDescriptor } from "../model/index.js";

/** Everything a manifest rule may look at; cross-resource rules use `resources`. */
export interface RuleContext {
  resources: readonly Resource[];
  workloads: readonly Workload[];
}

/** One thing a rule objects to, at the field (path relative to the resource) that causes it. */
export interface Violation {
  resource: Resource;
  path: FieldPath;
  container?: Container;
  message: string;
}

export interface ManifestRule {
  descriptor: RuleDescriptor;
  check(context: RuleContext): Iterable<Violation>;
}
