import { isRecord } from "../manifests/load.js";
import type { Workload } from "../manifests/workloads.js";

/** Labels in a Map, so that keys such as `constructor` are not looked up on Object.prototype. */
export type Labels = ReadonlyMap<string, string>;

/** The string-valued labels of a `labels` map; anything else is not a label Kubernetes would accept. */
export function labelsOf(value: unknown): Labels {
  if (!isRecord(value)) return new Map();
  return new Map(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

/** The labels of the pods a workload creates, from its pod template's metadata. */
export function podLabelsOf(workload: Workload): Labels {
  return labelsOf(workload.podMetadata.labels);
}

/**
 * Whether a metav1.LabelSelector selects these labels: every matchLabels pair and every
 * matchExpressions requirement holds; an empty selector selects everything. A malformed
 * selector (Kubernetes would reject it) selects nothing.
 */
export function selectorMatches(selector: unknown, labels: Labels): boolean {
  if (!isRecord(selector)) return false;
  const { matchLabels = {}, matchExpressions = [] } = selector;
  if (!isRecord(matchLabels) || !Array.isArray(matchExpressions)) return false;
  return (
    Object.entries(matchLabels).every(([key, value]) => labels.get(key) === value) &&
    matchExpressions.every((requirement) => requirementHolds(requirement, labels))
  );
}

function requirementHolds(requirement: unknown, labels: Labels): boolean {
  if (!isRecord(requirement) || typeof requirement.key !== "string") return false;
  const value = labels.get(requirement.key);
  const values = Array.isArray(requirement.values) ? requirement.values : [];
  switch (requirement.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    default:
      return false;
  }
}
