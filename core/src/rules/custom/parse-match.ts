import type { FieldPath } from "../../manifests/positions.js";
import { type Fields, fieldName } from "./fields.js";
import type { LabelRequirement, LabelSelector, MatchResources, ResourceRule } from "./policy.js";

const SCOPES = ["*", "Cluster", "Namespaced"] as const;
const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

/** Every resource: a binding's matchResources without resourceRules narrows nothing. */
const ANY_RESOURCE: ResourceRule = {
  apiGroups: ["*"],
  apiVersions: ["*"],
  resources: ["*"],
  operations: ["*"],
  scope: "*",
  resourceNames: [],
};

/** A policy's `matchConstraints` (resourceRules required) or a binding's `matchResources`. */
export function parseMatchResources(fields: Fields, path: FieldPath, { rulesRequired }: { rulesRequired: boolean }): MatchResources {
  fields.record(path);
  const resourceRules = parseRules(fields, [...path, "resourceRules"]);
  if (rulesRequired && resourceRules.length === 0) {
    fields.fail([...path, "resourceRules"], `${fieldName([...path, "resourceRules"])} must list at least one rule`);
  }
  return {
    resourceRules: resourceRules.length > 0 ? resourceRules : [ANY_RESOURCE],
    excludeResourceRules: parseRules(fields, [...path, "excludeResourceRules"]),
    objectSelector: parseSelector(fields, [...path, "objectSelector"]),
    namespaceSelector: parseSelector(fields, [...path, "namespaceSelector"]),
    exactVersions: fields.choice([...path, "matchPolicy"], ["Exact", "Equivalent"], "Equivalent") === "Exact",
  };
}

function parseRules(fields: Fields, path: FieldPath): ResourceRule[] {
  return fields.list(path).map((_, index) => {
    const at = [...path, index];
    fields.record(at);
    return {
      apiGroups: fields.strings([...at, "apiGroups"], { required: true }),
      apiVersions: fields.strings([...at, "apiVersions"], { required: true }),
      resources: fields.strings([...at, "resources"], { required: true }),
      operations: fields.strings([...at, "operations"], { required: true }),
      scope: fields.choice([...at, "scope"], SCOPES, "*"),
      resourceNames: fields.strings([...at, "resourceNames"]),
    };
  });
}

/** A label selector as requirements; an unset selector selects everything. */
export function parseSelector(fields: Fields, path: FieldPath): LabelSelector {
  const selector = fields.optionalRecord(path);
  if (!selector) return [];
  const matchLabels = fields.optionalRecord([...path, "matchLabels"]) ?? {};
  const fromLabels: LabelRequirement[] = Object.keys(matchLabels).map((key) => ({
    key,
    operator: "In",
    values: [fields.string([...path, "matchLabels", key])],
  }));
  const fromExpressions = fields
    .list([...path, "matchExpressions"])
    .map((_, index) => parseRequirement(fields, [...path, "matchExpressions", index]));
  return [...fromLabels, ...fromExpressions];
}

function parseRequirement(fields: Fields, path: FieldPath): LabelRequirement {
  fields.record(path);
  const key = fields.string([...path, "key"]);
  const operator = fields.choice([...path, "operator"], OPERATORS);
  const values = fields.strings([...path, "values"]);
  const needsValues = operator === "In" || operator === "NotIn";
  if (needsValues !== values.length > 0) {
    const rule = needsValues ? `${operator} needs at least one value` : `${operator} takes no values`;
    fields.fail([...path, "values"], `${fieldName([...path, "values"])}: ${rule}`);
  }
  return { key, operator, values };
}
