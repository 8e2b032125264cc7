import { isRecord, type Resource } from "./load.js";
import type { FieldPath } from "./positions.js";

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, FieldPath>> = {
  Pod: ["spec"],
  PodTemplate: ["template", "spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

export const CONTAINER_GROUPS = ["initContainers", "containers", "ephemeralContainers"] as const;
export type ContainerGroup = (typeof CONTAINER_GROUPS)[number];

/**
 * Security settings a container inherits from the pod's `securityContext` unless it sets
 * them itself (PodSecurityContext fields that also exist on SecurityContext).
 */
const INHERITED_SECURITY_FIELDS = new Set([
  "runAsUser",
  "runAsGroup",
  "runAsNonRoot",
  "seLinuxOptions",
  "seccompProfile",
  "appArmorProfile",
  "windowsOptions",
]);

export interface Container {
  name: string;
  group: ContainerGroup;
  /** Path of the container object relative to the resource. */
  path: FieldPath;
  spec: Record<string, unknown>;
}

export interface Workload {
  resource: Resource;
  /** Path of the pod spec relative to the resource. */
  podSpecPath: FieldPath;
  podSpec: Record<string, unknown>;
  containers: Container[];
  /** Path of the pod's metadata (the pod template's, for workload kinds), where its annotations live. */
  podMetadataPath: FieldPath;
  /** The pod's metadata; empty when it is missing or not a map. */
  podMetadata: Record<string, unknown>;
}

/** A security setting as it applies to one container, and the field that set it. */
export interface EffectiveSetting {
  value: unknown;
  /** Path relative to the resource; undefined when neither the container nor the pod sets it. */
  path?: FieldPath;
  from: "container" | "pod" | "unset";
}

export function isWorkloadKind(kind: string): boolean {
  return kind in POD_SPEC_PATHS;
}

/** The pod-carrying resources, each with its pod spec and every container in it. */
export function toWorkloads(resources: readonly Resource[]): Workload[] {
  const workloads: Workload[] = [];
  for (const resource of resources) {
    const podSpecPath = POD_SPEC_PATHS[resource.kind];
    if (!podSpecPath) continue;
    const podSpec = valueAt(resource.object, podSpecPath);
    if (!isRecord(podSpec)) continue;
    const podMetadataPath = [...podSpecPath.slice(0, -1), "metadata"];
    const podMetadata = valueAt(resource.object, podMetadataPath);
    workloads.push({
      resource,
      podSpecPath,
      podSpec,
      containers: containersOf(podSpec, podSpecPath),
      podMetadataPath,
      podMetadata: isRecord(podMetadata) ? podMetadata : {},
    });
  }
  return workloads;
}

function containersOf(podSpec: Record<string, unknown>, podSpecPath: FieldPath): Container[] {
  const containers: Container[] = [];
  for (const group of CONTAINER_GROUPS) {
    const list = podSpec[group];
    if (!Array.isArray(list)) continue;
    list.forEach((spec, index) => {
      if (!isRecord(spec)) return;
      const name = typeof spec.name === "string" ? spec.name : `${group}[${index}]`;
      containers.push({ name, group, path: [...podSpecPath, group, index], spec });
    });
  }
  return containers;
}

/**
 * The value of `securityContext.<field>` for a container: its own when set, else the pod's
 * for fields the pod-level context provides, else unset.
 */
export function effectiveSecuritySetting(workload: Workload, container: Container, field: string): EffectiveSetting {
  const own = container.spec.securityContext;
  if (isRecord(own) && own[field] !== undefined && own[field] !== null) {
    return { value: own[field], path: [...container.path, "securityContext", field], from: "container" };
  }
  const pod = workload.podSpec.securityContext;
  if (INHERITED_SECURITY_FIELDS.has(field) && isRecord(pod) && pod[field] !== undefined && pod[field] !== null) {
    return { value: pod[field], path: [...workload.podSpecPath, "securityContext", field], from: "pod" };
  }
  return { value: undefined, from: "unset" };
}

export function valueAt(object: unknown, path: FieldPath): unknown {
  let current: unknown = object;
  for (const segment of path) {
    if (typeof segment === "number") {
      current = Array.isArray(current) ? current[segment] : undefined;
    } else {
      current = isRecord(current) ? current[segment] : undefined;
    }
  }
  return current;
}
