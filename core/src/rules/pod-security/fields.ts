import { isRecord } from "../../manifests/load.js";
import type { FieldPath } from "../../manifests/positions.js";
import type { Container, Workload } from "../../manifests/workloads.js";
import { describeContainer, describeResource } from "../describe.js";
import type { Violation } from "../types.js";
import type { PssPolicy } from "./version.js";

/** The pod, or one container, with a `securityContext` mapping of its own. */
export interface SecurityContextSetter {
  /** `Container "app" in Deployment shop/web`, or `Deployment shop/web (pod level)`. */
  subject: string;
  securityContext: Record<string, unknown>;
  /** Path of that `securityContext` relative to the resource. */
  path: FieldPath;
  container?: Container;
}

/** The pod-level securityContext first, then each container's, skipping those that are not mappings. */
export function* securityContextSetters(workload: Workload): Generator<SecurityContextSetter> {
  const pod = podSecurityContext(workload);
  if (pod) yield { subject: describePodLevel(workload), securityContext: pod, path: podSecurityContextPath(workload) };
  for (const container of workload.containers) {
    const own = container.spec.securityContext;
    if (!isRecord(own)) continue;
    const subject = describeContainer(container, workload.resource);
    yield { subject, securityContext: own, path: [...container.path, "securityContext"], container };
  }
}

export function podSecurityContext(workload: Workload): Record<string, unknown> | undefined {
  const context = workload.podSpec.securityContext;
  return isRecord(context) ? context : undefined;
}

export function podSecurityContextPath(workload: Workload): FieldPath {
  return [...workload.podSpecPath, "securityContext"];
}

export function containerSecurityContext(container: Container): Record<string, unknown> | undefined {
  const context = container.spec.securityContext;
  return isRecord(context) ? context : undefined;
}

/** `Deployment shop/web (pod level)`: a setting of the pod-level securityContext or pod spec. */
export function describePodLevel(workload: Workload): string {
  return `${describeResource(workload.resource)} (pod level)`;
}

/**
 * Where a container's security setting is reported: its own path when the container has a
 * securityContext (when the setting is missing the engine points at the nearest existing
 * parent), else the container's name.
 */
export function containerSettingPath(container: Container, ...field: string[]): FieldPath {
  return containerSecurityContext(container) ? [...container.path, "securityContext", ...field] : [...container.path, "name"];
}

/** Explicitly set: present and not null (Kubernetes treats an explicit null as unset). */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The string entries of a list, with their indexes; anything else (a scalar, a mapping) has none. */
export function stringEntries(list: unknown): { value: string; index: number }[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((value, index) => (typeof value === "string" ? [{ value, index }] : []));
}

/** The mapping entries of a list, with their indexes. */
export function recordEntries(list: unknown): { value: Record<string, unknown>; index: number }[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((value, index) => (isRecord(value) ? [{ value, index }] : []));
}

/** `spec.hostUsers: false`: the pod runs in its own user namespace, which later policy versions relax checks for. */
export function usesUserNamespace(workload: Workload): boolean {
  return workload.podSpec.hostUsers === false;
}

/**
 * From v1.25 the restricted checks for privilege escalation, seccomp and capabilities skip pods
 * with `spec.os.name: windows` (the API rejects those Linux-only fields on them anyway); the
 * baseline checks those restricted checks replace are skipped with them.
 */
export function exemptAsWindowsPod(workload: Workload, policy: PssPolicy): boolean {
  const os = workload.podSpec.os;
  return policy.level === "restricted" && policy.minor >= 25 && isRecord(os) && os.name === "windows";
}

/** A scalar as it reads in YAML, strings quoted; a list or mapping by what it is. */
export function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  return isRecord(value) ? "a mapping" : String(value);
}

/** `A, B, C`. */
export function listed(values: Iterable<string>): string {
  return [...values].join(", ");
}

/** The profile types baseline allows for both seccomp and AppArmor. */
const CONFINED_PROFILE_TYPES = ["RuntimeDefault", "Localhost"];

/**
 * Every `securityContext.<field>` (pod or container) whose `type` is not RuntimeDefault or
 * Localhost: the shared shape of the seccomp and AppArmor baseline checks.
 */
export function* unconfinedProfiles(workload: Workload, field: "seccompProfile" | "appArmorProfile"): Generator<Violation> {
  for (const setter of securityContextSetters(workload)) {
    const profile = setter.securityContext[field];
    if (!isSet(profile)) continue;
    const type = isRecord(profile) ? profile.type : undefined;
    if (typeof type === "string" && CONFINED_PROFILE_TYPES.includes(type)) continue;
    yield {
      resource: workload.resource,
      ...(setter.container && { container: setter.container }),
      path: [...setter.path, field, ...(isSet(type) ? ["type"] : [])],
      message: `${setter.subject} sets ${field} type ${isSet(type) ? shown(type) : "(none)"}; baseline allows only RuntimeDefault or Localhost.`,
    };
  }
}
