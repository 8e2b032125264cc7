import { isRecord, type Resource } from "../../manifests/load.js";
import type { LabelRequirement, LabelSelector, MatchResources, ResourceRule } from "./policy.js";
import type { ResourceType } from "./resource-names.js";

/** The label the API server puts on every Namespace: its name. */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/**
 * A resource as the admission chain sees a CREATE of it. A namespaced resource without
 * `metadata.namespace` is taken to go to `default` (what `kubectl apply` does without `-n`).
 */
export interface AdmissionTarget {
  resource: Resource;
  type: ResourceType;
  /** Set for namespaced resources. */
  namespace?: string;
  /** The Namespace object when the scanned set has it. */
  namespaceObject?: Record<string, unknown>;
}

const DEFAULT_NAMESPACE = "default";

export function admissionTarget(resource: Resource, type: ResourceType, namespaces: ReadonlyMap<string, Resource>): AdmissionTarget {
  if (!type.namespaced) return { resource, type };
  const namespace = resource.namespace ?? DEFAULT_NAMESPACE;
  const found = namespaces.get(namespace);
  return { resource, type, namespace, ...(found && { namespaceObject: found.object }) };
}

/** Whether the policy (or binding) applies to a CREATE of the target: included, not excluded, selected. */
export function matchesResources(match: MatchResources, target: AdmissionTarget): boolean {
  return (
    match.resourceRules.some((rule) => ruleMatches(rule, target, match.exactVersions)) &&
    !match.excludeResourceRules.some((rule) => ruleMatches(rule, target, match.exactVersions)) &&
    selectorMatches(match.objectSelector, labelsOf(target.resource.object)) &&
    namespaceSelected(match.namespaceSelector, target)
  );
}

function ruleMatches(rule: ResourceRule, target: AdmissionTarget, exactVersions: boolean): boolean {
  const { group, version, resource, namespaced } = target.type;
  return (
    listed(rule.operations, "CREATE") &&
    listed(rule.apiGroups, group) &&
    (!exactVersions || listed(rule.apiVersions, version)) &&
    rule.resources.some((entry) => resourceEntryMatches(entry, resource)) &&
    (rule.scope === "*" || (rule.scope === "Namespaced") === namespaced) &&
    (rule.resourceNames.length === 0 || rule.resourceNames.includes(target.resource.name ?? ""))
  );
}

function listed(values: readonly string[], value: string): boolean {
  return values.includes("*") || values.includes(value);
}

/** `pods`, `*` (every resource), `pods/*` and `*\/*` (with subresources); a CREATE of an object has no subresource. */
function resourceEntryMatches(entry: string, resource: string): boolean {
  const [name, subresource = ""] = entry.split("/", 2);
  return (name === "*" || name === resource) && (subresource === "" || subresource === "*");
}

/**
 * Cluster-scoped resources are always selected, except a Namespace, which is matched on
 * its own labels. For a namespace that is not in the scanned set only its name label is
 * known: requirements on other labels are assumed to hold.
 */
function namespaceSelected(selector: LabelSelector, target: AdmissionTarget): boolean {
  const { resource, namespace, namespaceObject } = target;
  if (namespace === undefined) {
    return resource.kind !== "Namespace" || selectorMatches(selector, namespaceLabels(resource.object, resource.name ?? ""));
  }
  if (namespaceObject) return selectorMatches(selector, namespaceLabels(namespaceObject, namespace));
  return selectorMatches(selector, { [NAMESPACE_NAME_LABEL]: namespace }, (key) => key === NAMESPACE_NAME_LABEL);
}

/** A Namespace's labels with the name label the API server adds. */
export function namespaceLabels(namespace: Record<string, unknown>, name: string): Record<string, string> {
  return { ...labelsOf(namespace), [NAMESPACE_NAME_LABEL]: name };
}

export function labelsOf(object: Record<string, unknown>): Record<string, string> {
  const labels = isRecord(object.metadata) ? object.metadata.labels : undefined;
  if (!isRecord(labels)) return {};
  return Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

export function selectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
  isKnown: (key: string) => boolean = () => true,
): boolean {
  return selector.every((requirement) => !isKnown(requirement.key) || requirementHolds(requirement, labels));
}

function requirementHolds({ key, operator, values }: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
  if (operator === "Exists") return value !== undefined;
  if (operator === "DoesNotExist") return value === undefined;
  const listed = value !== undefined && values.includes(value);
  return operator === "In" ? listed : !listed;
}
