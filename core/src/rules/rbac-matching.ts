import { isRecord, type Resource } from "../manifests/load.js";
import type { FieldPath } from "../manifests/positions.js";

/**
 * How RBAC rule entries grant rights, with the semantics of Kubernetes' own authorizer
 * (pkg/apis/rbac/v1/evaluation_helpers.go): `*` matches every verb, API group or resource
 * (subresources included), `*\/sub` matches that subresource of any resource, and
 * `pods` does not match `pods/exec`.
 */

const RBAC_API_GROUP = "rbac.authorization.k8s.io";
const WILDCARD = "*";

/** A string item of one of a rule entry's lists, with its index so a finding can point at it. */
export interface ListItem {
  value: string;
  index: number;
}

/** One resource rule (`rules[i]`) of a Role or ClusterRole. */
export interface PolicyRuleEntry {
  role: Resource;
  /** `["rules", i]`, relative to the role. */
  path: FieldPath;
  apiGroups: ListItem[];
  resources: ListItem[];
  verbs: ListItem[];
  /** The entry lists `resourceNames`: it applies to those objects only. */
  namedOnly: boolean;
}

/** An API resource or subresource (`pods/exec`) and the verbs on it a rule cares about. */
export interface Permission {
  /** `""` is the core group. */
  group: string;
  resource: string;
  verbs: readonly string[];
  /** Cluster-scoped resources (nodes, clusterroles) cannot be granted by a namespaced Role. */
  clusterScoped?: boolean;
}

/** What one rule entry grants of one permission. */
export interface Grant {
  permission: Permission;
  /** The permission's verbs the entry grants, in the permission's order. */
  verbs: string[];
  /** The first of the entry's verbs that grants one of them. */
  verbItem: ListItem;
  /** The entry's resource that grants the permission's resource. */
  resourceItem: ListItem;
  /** Some part is granted only through `*` or `*\/sub`, not by name. */
  viaWildcard: boolean;
}

export function isRbacKind(resource: Resource, kinds: readonly string[]): boolean {
  return kinds.includes(resource.kind) && resource.apiVersion.startsWith(`${RBAC_API_GROUP}/`);
}

/**
 * Every resource rule entry of every Role and ClusterRole. Entries with no verb, API group
 * or resource grant nothing (the API server rejects resource rules without API groups), and
 * `nonResourceURLs` entries do not concern API objects, so neither is returned. An
 * aggregated ClusterRole without `rules` has none.
 */
export function* policyRules(resources: readonly Resource[]): Generator<PolicyRuleEntry> {
  for (const role of resources) {
    if (!isRbacKind(role, ["Role", "ClusterRole"]) || !Array.isArray(role.object.rules)) continue;
    for (const [index, rule] of role.object.rules.entries()) {
      if (!isRecord(rule)) continue;
      const entry: PolicyRuleEntry = {
        role,
        path: ["rules", index],
        apiGroups: listItems(rule.apiGroups),
        resources: listItems(rule.resources),
        verbs: listItems(rule.verbs),
        namedOnly: Array.isArray(rule.resourceNames) && rule.resourceNames.length > 0,
      };
      if (entry.apiGroups.length > 0 && entry.resources.length > 0 && entry.verbs.length > 0) yield entry;
    }
  }
}

function listItems(value: unknown): ListItem[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item, index) => (typeof item === "string" ? [{ value: item, index }] : []));
}

export function wildcardItem(items: readonly ListItem[]): ListItem | undefined {
  return items.find((item) => item.value === WILDCARD);
}

/** `verbs: ["*"]` on `resources: ["*"]`: every right on everything in its API groups. */
export function isFullWildcard(entry: PolicyRuleEntry): boolean {
  return wildcardItem(entry.verbs) !== undefined && wildcardItem(entry.resources) !== undefined;
}

/** What `entry` grants of `permission`, or undefined when it grants none of its verbs. */
export function grantOf(entry: PolicyRuleEntry, permission: Permission): Grant | undefined {
  if (permission.clusterScoped && entry.role.kind === "Role") return undefined;
  const group = covering(entry.apiGroups, permission.group, [WILDCARD]);
  const resource = covering(entry.resources, permission.resource, resourceWildcards(permission.resource));
  if (!group || !resource) return undefined;
  const verbs = permission.verbs.flatMap((verb) => {
    const match = grantsVerb(entry, permission, verb) ? covering(entry.verbs, verb, [WILDCARD]) : undefined;
    return match ? [{ verb, match }] : [];
  });
  const verbItem = entry.verbs.find((item) => verbs.some(({ match }) => match.item === item));
  if (!verbItem) return undefined;
  return {
    permission,
    verbs: verbs.map(({ verb }) => verb),
    verbItem,
    resourceItem: resource.item,
    viaWildcard: group.wildcard || resource.wildcard || verbs.some(({ match }) => match.wildcard),
  };
}

/** A create request names no object, so an entry limited to `resourceNames` cannot grant it. */
function grantsVerb(entry: PolicyRuleEntry, permission: Permission, verb: string): boolean {
  return !(entry.namedOnly && verb === "create" && !permission.resource.includes("/"));
}

function resourceWildcards(resource: string): string[] {
  const slash = resource.indexOf("/");
  return slash < 0 ? [WILDCARD] : [WILDCARD, `${WILDCARD}${resource.slice(slash)}`];
}

interface Match {
  item: ListItem;
  wildcard: boolean;
}

/** The item naming `wanted` when there is one, else the first wildcard that covers it. */
function covering(items: readonly ListItem[], wanted: string, wildcards: readonly string[]): Match | undefined {
  const exact = items.find((item) => item.value === wanted);
  if (exact) return { item: exact, wildcard: false };
  const wildcard = items.find((item) => wildcards.includes(item.value));
  return wildcard && { item: wildcard, wildcard: true };
}

/** `get, list on secrets; create on pods, deployments`: grants with the same verbs share a clause. */
export function summarizeGrants(grants: readonly Grant[]): string {
  const byVerbs = new Map<string, string[]>();
  for (const grant of grants) {
    const verbs = grant.verbs.join(", ");
    byVerbs.set(verbs, [...(byVerbs.get(verbs) ?? []), grant.permission.resource]);
  }
  return [...byVerbs].map(([verbs, resources]) => `${verbs} on ${resources.join(", ")}`).join("; ");
}

/** The API groups of an entry for a message: `every API group`, `API group core`, `API groups apps, batch`. */
export function describeApiGroups(entry: PolicyRuleEntry): string {
  if (wildcardItem(entry.apiGroups)) return "every API group";
  const names = entry.apiGroups.map((item) => (item.value === "" ? "core" : item.value));
  return `API group${names.length > 1 ? "s" : ""} ${names.join(", ")}`;
}
