import type { Resource } from "../../manifests/load.js";
import type { Severity } from "../../model/index.js";
import type { CompiledExpression } from "./cel.js";

/** One label requirement; `matchLabels: {k: v}` is the requirement `k In [v]`. */
export interface LabelRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values: readonly string[];
}

/** All requirements must hold; an empty selector selects everything. */
export type LabelSelector = readonly LabelRequirement[];

/** A `NamedRuleWithOperations`. */
export interface ResourceRule {
  apiGroups: readonly string[];
  apiVersions: readonly string[];
  resources: readonly string[];
  operations: readonly string[];
  scope: "*" | "Cluster" | "Namespaced";
  resourceNames: readonly string[];
}

/** `matchConstraints` of a policy or `matchResources` of a binding. */
export interface MatchResources {
  resourceRules: readonly ResourceRule[];
  excludeResourceRules: readonly ResourceRule[];
  objectSelector: LabelSelector;
  namespaceSelector: LabelSelector;
  /** `matchPolicy: Exact`: the API version must be listed; `Equivalent` (the default) matches any version. */
  exactVersions: boolean;
}

export interface NamedExpression {
  name: string;
  expression: CompiledExpression;
}

export interface Validation {
  expression: CompiledExpression;
  message?: string;
  messageExpression?: CompiledExpression;
  reason?: string;
}

export type ValidationAction = "Deny" | "Warn" | "Audit";

/** One evaluation setting of a policy: a binding from the policy files (or the implicit one) and its params. */
export interface PolicyBinding {
  /** Undefined for the implicit binding of a policy that has none in the files. */
  name?: string;
  actions: readonly ValidationAction[];
  /** Further restricts where the policy applies; undefined: everywhere the policy matches. */
  match?: MatchResources;
  /** One evaluation per param resource; `[undefined]` for a policy without `paramKind`. */
  params: ReadonlyArray<Resource | undefined>;
}

export interface CelPolicy {
  name: string;
  /** Source-root-relative path of the file that defines it. */
  file: string;
  failurePolicy: "Fail" | "Ignore";
  match: MatchResources;
  matchConditions: readonly NamedExpression[];
  variables: readonly NamedExpression[];
  validations: readonly Validation[];
  bindings: readonly PolicyBinding[];
  annotations: { title?: string; severity?: Severity; remediation?: string };
}
