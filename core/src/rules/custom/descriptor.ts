import { type RuleDescriptor, representativeScore, type Severity } from "../../model/index.js";
import { oneLine } from "./cel.js";
import type { CelPolicy, PolicyBinding, ResourceRule } from "./policy.js";

const VAP_DOCS = "https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/";
const CEL_DOCS = "https://kubernetes.io/docs/reference/using-api/cel/";

/** The rule a policy becomes: id `policy/<name>`, title and severity from its annotations. */
export function describePolicy(policy: CelPolicy): RuleDescriptor {
  const severity = policy.annotations.severity ?? severityOfActions(policy.bindings);
  return {
    id: `policy/${policy.name}`,
    kind: "misconfiguration",
    title: policy.annotations.title ?? policy.name,
    severity,
    score: representativeScore(severity),
    description: describeEvaluation(policy),
    remediation:
      policy.annotations.remediation ??
      "Change the resource so that every validation of the policy holds; if the policy should not apply to it, narrow the policy's matchConstraints or matchConditions.",
    helpUri: VAP_DOCS,
    references: [VAP_DOCS, CEL_DOCS],
    standards: [],
  };
}

/**
 * Without a `portcullis.dev/severity` annotation: medium when a binding in the policy files
 * denies (or there is none: the policy is taken to deny), low when bindings only warn, info
 * when they only audit.
 */
function severityOfActions(bindings: readonly PolicyBinding[]): Severity {
  const actions = new Set(bindings.flatMap((binding) => binding.actions));
  if (actions.has("Deny")) return "medium";
  return actions.has("Warn") ? "low" : "info";
}

function describeEvaluation(policy: CelPolicy): string {
  const validations = policy.validations
    .map(({ expression, message, reason }) => {
      const notes = [...(message ? [`"${oneLine(message)}"`] : []), ...(reason ? [`reason ${reason}`] : [])];
      return notes.length > 0 ? `\`${expression.display}\` (${notes.join(", ")})` : `\`${expression.display}\``;
    })
    .join("; ");
  const sentences = [
    `The ValidatingAdmissionPolicy "${policy.name}" from ${policy.file}, evaluated as the API server evaluates a CREATE of each resource it matches (${policy.match.resourceRules.map(describeRule).join("; ")}).`,
    `A resource is denied when one of these validations is false: ${validations}.`,
    policy.failurePolicy === "Fail"
      ? "An expression that cannot be evaluated is reported too (failurePolicy Fail)."
      : "An expression that cannot be evaluated is ignored (failurePolicy Ignore).",
  ];
  const matches = [policy.match, ...policy.bindings.flatMap((binding) => (binding.match ? [binding.match] : []))];
  if (matches.some((match) => match.namespaceSelector.length > 0)) {
    sentences.push(
      "Namespace selectors are matched against the Namespace resources in the scanned set; for a namespace that is not in it only the kubernetes.io/metadata.name label is known, and requirements on other labels are assumed to hold. A resource without metadata.namespace is taken to be in the default namespace.",
    );
  }
  return sentences.join(" ");
}

function describeRule(rule: ResourceRule): string {
  const groups = rule.apiGroups.map((group) => (group === "" ? "core" : group)).join(", ");
  return `${rule.resources.join(", ")} in API group ${groups}`;
}
