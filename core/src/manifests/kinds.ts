/**
 * Kinds served by a plain Kubernetes API server. Anything else (custom resources, typos)
 * is counted as unknown and reported, never dropped silently.
 */
const BUILT_IN_KINDS = new Set([
  "APIService",
  "Binding",
  "CertificateSigningRequest",
  "ClusterRole",
  "ClusterRoleBinding",
  "ComponentStatus",
  "ConfigMap",
  "ControllerRevision",
  "CronJob",
  "CSIDriver",
  "CSINode",
  "CSIStorageCapacity",
  "CustomResourceDefinition",
  "DaemonSet",
  "Deployment",
  "EndpointSlice",
  "Endpoints",
  "Event",
  "FlowSchema",
  "HorizontalPodAutoscaler",
  "Ingress",
  "IngressClass",
  "Job",
  "Lease",
  "LimitRange",
  "MutatingWebhookConfiguration",
  "Namespace",
  "NetworkPolicy",
  "Node",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "Pod",
  "PodDisruptionBudget",
  "PodTemplate",
  "PriorityClass",
  "PriorityLevelConfiguration",
  "ReplicaSet",
  "ReplicationController",
  "ResourceQuota",
  "Role",
  "RoleBinding",
  "RuntimeClass",
  "Secret",
  "Service",
  "ServiceAccount",
  "StatefulSet",
  "StorageClass",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ValidatingWebhookConfiguration",
  "VolumeAttachment",
]);

/** Built-in kinds that live outside namespaces; every other built-in kind is namespaced. */
const CLUSTER_SCOPED_KINDS = new Set([
  "APIService",
  "CertificateSigningRequest",
  "ClusterRole",
  "ClusterRoleBinding",
  "ClusterTrustBundle",
  "ComponentStatus",
  "CSIDriver",
  "CSINode",
  "CustomResourceDefinition",
  "DeviceClass",
  "FlowSchema",
  "IngressClass",
  "IPAddress",
  "MutatingAdmissionPolicy",
  "MutatingAdmissionPolicyBinding",
  "MutatingWebhookConfiguration",
  "Namespace",
  "Node",
  "PersistentVolume",
  "PriorityClass",
  "PriorityLevelConfiguration",
  "RuntimeClass",
  "ServiceCIDR",
  "StorageClass",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ValidatingWebhookConfiguration",
  "VolumeAttachment",
]);

export function isBuiltInKind(kind: string): boolean {
  return BUILT_IN_KINDS.has(kind) || CLUSTER_SCOPED_KINDS.has(kind);
}

export function isClusterScopedKind(kind: string): boolean {
  return CLUSTER_SCOPED_KINDS.has(kind);
}

/** `v1/List` and the typed lists (`PodList`, `DeploymentList`, …) wrap resources in `items`. */
export function isListKind(kind: string): boolean {
  return kind === "List" || (kind.endsWith("List") && BUILT_IN_KINDS.has(kind.slice(0, -"List".length)));
}
