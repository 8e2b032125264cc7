/**
 * Kubernetes API versions that are deprecated or no longer served, per kind.
 *
 * Removals are those of the Deprecated API Migration Guide
 * (https://kubernetes.io/docs/reference/using-api/deprecation-guide/, releases 1.16 to 1.32);
 * the release each was deprecated in is the one Kubernetes itself reports in its API warnings
 * (the `prerelease-lifecycle-gen` tags of k8s.io/api). Versions are Kubernetes 1.N minors.
 */

export interface ApiLifecycle {
  apiVersion: string;
  kinds: readonly string[];
  /** The 1.N release that deprecated it. */
  deprecated: number;
  /** The 1.N release that stopped serving it; undefined while it is still served. */
  removed?: number;
  /** What to use instead: an apiVersion (same kind) or a sentence. */
  replacement: string;
}

/** The newest Kubernetes minor this table knows; used when no target version is given. */
export const NEWEST_KNOWN_MINOR = 34;

const NO_PSP_SUCCESSOR = "Pod Security Admission (namespace labels), as PodSecurityPolicy has no successor API";
const FLOW_CONTROL_KINDS = ["FlowSchema", "PriorityLevelConfiguration"];

export const API_LIFECYCLES: readonly ApiLifecycle[] = [
  // Stopped in 1.16
  {
    apiVersion: "extensions/v1beta1",
    kinds: ["DaemonSet", "Deployment", "ReplicaSet"],
    deprecated: 8,
    removed: 16,
    replacement: "apps/v1",
  },
  { apiVersion: "extensions/v1beta1", kinds: ["NetworkPolicy"], deprecated: 9, removed: 16, replacement: "networking.k8s.io/v1" },
  { apiVersion: "extensions/v1beta1", kinds: ["PodSecurityPolicy"], deprecated: 11, removed: 16, replacement: NO_PSP_SUCCESSOR },
  {
    apiVersion: "apps/v1beta1",
    kinds: ["ControllerRevision", "Deployment", "ReplicaSet", "StatefulSet"],
    deprecated: 8,
    removed: 16,
    replacement: "apps/v1",
  },
  {
    apiVersion: "apps/v1beta2",
    kinds: ["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"],
    deprecated: 9,
    removed: 16,
    replacement: "apps/v1",
  },
  // Stopped in 1.22
  { apiVersion: "extensions/v1beta1", kinds: ["Ingress"], deprecated: 14, removed: 22, replacement: "networking.k8s.io/v1" },
  {
    apiVersion: "networking.k8s.io/v1beta1",
    kinds: ["Ingress", "IngressClass"],
    deprecated: 19,
    removed: 22,
    replacement: "networking.k8s.io/v1",
  },
  {
    apiVersion: "admissionregistration.k8s.io/v1beta1",
    kinds: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
    deprecated: 16,
    removed: 22,
    replacement: "admissionregistration.k8s.io/v1",
  },
  {
    apiVersion: "apiextensions.k8s.io/v1beta1",
    kinds: ["CustomResourceDefinition"],
    deprecated: 16,
    removed: 22,
    replacement: "apiextensions.k8s.io/v1",
  },
  {
    apiVersion: "apiregistration.k8s.io/v1beta1",
    kinds: ["APIService"],
    deprecated: 19,
    removed: 22,
    replacement: "apiregistration.k8s.io/v1",
  },
  {
    apiVersion: "authentication.k8s.io/v1beta1",
    kinds: ["TokenReview"],
    deprecated: 19,
    removed: 22,
    replacement: "authentication.k8s.io/v1",
  },
  {
    apiVersion: "authorization.k8s.io/v1beta1",
    kinds: ["LocalSubjectAccessReview", "SelfSubjectAccessReview", "SubjectAccessReview"],
    deprecated: 19,
    removed: 22,
    replacement: "authorization.k8s.io/v1",
  },
  {
    apiVersion: "certificates.k8s.io/v1beta1",
    kinds: ["CertificateSigningRequest"],
    deprecated: 19,
    removed: 22,
    replacement: "certificates.k8s.io/v1",
  },
  { apiVersion: "coordination.k8s.io/v1beta1", kinds: ["Lease"], deprecated: 19, removed: 22, replacement: "coordination.k8s.io/v1" },
  {
    apiVersion: "rbac.authorization.k8s.io/v1beta1",
    kinds: ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
    deprecated: 17,
    removed: 22,
    replacement: "rbac.authorization.k8s.io/v1",
  },
  { apiVersion: "scheduling.k8s.io/v1beta1", kinds: ["PriorityClass"], deprecated: 14, removed: 22, replacement: "scheduling.k8s.io/v1" },
  { apiVersion: "storage.k8s.io/v1beta1", kinds: ["CSINode"], deprecated: 17, removed: 22, replacement: "storage.k8s.io/v1" },
  {
    apiVersion: "storage.k8s.io/v1beta1",
    kinds: ["CSIDriver", "StorageClass", "VolumeAttachment"],
    deprecated: 19,
    removed: 22,
    replacement: "storage.k8s.io/v1",
  },
  // Stopped in 1.25
  { apiVersion: "batch/v1beta1", kinds: ["CronJob"], deprecated: 21, removed: 25, replacement: "batch/v1" },
  { apiVersion: "discovery.k8s.io/v1beta1", kinds: ["EndpointSlice"], deprecated: 21, removed: 25, replacement: "discovery.k8s.io/v1" },
  { apiVersion: "events.k8s.io/v1beta1", kinds: ["Event"], deprecated: 22, removed: 25, replacement: "events.k8s.io/v1" },
  { apiVersion: "autoscaling/v2beta1", kinds: ["HorizontalPodAutoscaler"], deprecated: 22, removed: 25, replacement: "autoscaling/v2" },
  { apiVersion: "policy/v1beta1", kinds: ["PodDisruptionBudget"], deprecated: 21, removed: 25, replacement: "policy/v1" },
  { apiVersion: "policy/v1beta1", kinds: ["PodSecurityPolicy"], deprecated: 21, removed: 25, replacement: NO_PSP_SUCCESSOR },
  { apiVersion: "node.k8s.io/v1beta1", kinds: ["RuntimeClass"], deprecated: 22, removed: 25, replacement: "node.k8s.io/v1" },
  // Stopped in 1.26
  { apiVersion: "autoscaling/v2beta2", kinds: ["HorizontalPodAutoscaler"], deprecated: 23, removed: 26, replacement: "autoscaling/v2" },
  {
    apiVersion: "flowcontrol.apiserver.k8s.io/v1beta1",
    kinds: FLOW_CONTROL_KINDS,
    deprecated: 23,
    removed: 26,
    replacement: "flowcontrol.apiserver.k8s.io/v1",
  },
  // Stopped in 1.27
  { apiVersion: "storage.k8s.io/v1beta1", kinds: ["CSIStorageCapacity"], deprecated: 24, removed: 27, replacement: "storage.k8s.io/v1" },
  // Stopped in 1.29
  {
    apiVersion: "flowcontrol.apiserver.k8s.io/v1beta2",
    kinds: FLOW_CONTROL_KINDS,
    deprecated: 26,
    removed: 29,
    replacement: "flowcontrol.apiserver.k8s.io/v1",
  },
  // Stopped in 1.32
  {
    apiVersion: "flowcontrol.apiserver.k8s.io/v1beta3",
    kinds: FLOW_CONTROL_KINDS,
    deprecated: 29,
    removed: 32,
    replacement: "flowcontrol.apiserver.k8s.io/v1",
  },
  // Deprecated, still served
  { apiVersion: "v1", kinds: ["Endpoints"], deprecated: 33, replacement: "discovery.k8s.io/v1 EndpointSlice" },
];

const BY_VERSION_AND_KIND = new Map(
  API_LIFECYCLES.flatMap((entry) => entry.kinds.map((kind) => [`${entry.apiVersion} ${kind}`, entry] as const)),
);

export function apiLifecycle(apiVersion: string, kind: string): ApiLifecycle | undefined {
  return BY_VERSION_AND_KIND.get(`${apiVersion} ${kind}`);
}
