import { isClusterScopedKind } from "../../manifests/kinds.js";
import { isRecord, type Resource } from "../../manifests/load.js";

/** Built-in kinds whose resource name is not the regular plural. */
const IRREGULAR_RESOURCES: Readonly<Record<string, string>> = { Endpoints: "endpoints" };

/** Group, version, resource (plural) and scope of a resource, as admission sees a request for it. */
export interface ResourceType {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

/** What CustomResourceDefinitions in the scanned set say about their kinds: `group/Kind` → names. */
export type CustomKinds = ReadonlyMap<string, { resource: string; namespaced: boolean }>;

export function customKindsOf(resources: readonly Resource[]): CustomKinds {
  const kinds = new Map<string, { resource: string; namespaced: boolean }>();
  for (const resource of resources) {
    if (resource.kind !== "CustomResourceDefinition") continue;
    const spec = resource.object.spec;
    if (!isRecord(spec) || typeof spec.group !== "string" || !isRecord(spec.names)) continue;
    const { kind, plural } = spec.names;
    if (typeof kind !== "string" || typeof plural !== "string") continue;
    kinds.set(`${spec.group}/${kind}`, { resource: plural, namespaced: spec.scope !== "Cluster" });
  }
  return kinds;
}

export function resourceTypeOf(resource: Resource, customKinds: CustomKinds): ResourceType {
  const [group, version] = splitApiVersion(resource.apiVersion);
  const custom = customKinds.get(`${group}/${resource.kind}`);
  if (custom) return { group, version, ...custom };
  return {
    group,
    version,
    resource: IRREGULAR_RESOURCES[resource.kind] ?? guessResource(resource.kind),
    namespaced: !isClusterScopedKind(resource.kind),
  };
}

/** `apps/v1` → ["apps", "v1"]; `v1` → ["", "v1"] (the core group). */
function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** The lower-case plural Kubernetes guesses for a kind it has no mapping for: `NetworkPolicy` → `networkpolicies`. */
function guessResource(kind: string): string {
  const singular = kind.toLowerCase();
  if (singular.endsWith("s")) return `${singular}es`;
  if (singular.endsWith("y")) return `${singular.slice(0, -1)}ies`;
  return `${singular}s`;
}
