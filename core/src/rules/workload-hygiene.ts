import { isClusterScopedKind } from "../manifests/kinds.js";
import { isRecord, type Resource } from "../manifests/load.js";
import { type Container, valueAt, type Workload } from "../manifests/workloads.js";
import { representativeScore } from "../model/index.js";
import { containerFieldPath } from "./container-paths.js";
import { describeContainer, describeResource } from "./describe.js";
import { podLabelsOf, selectorMatches } from "./label-selector.js";
import { maskSecret, secretSuspicion } from "./secret-patterns.js";
import { azurePolicy, cis, mitre, NSA_NETWORK, NSA_POD_SECURITY } from "./standards.js";
import type { ManifestRule, RuleContext } from "./types.js";

/** Resources without `metadata.namespace` share one key: they are applied together, to whatever namespace `-n` names. */
function namespaceKey(resource: Resource): string {
  return resource.namespace ?? "";
}

function namespaceLabel(resource: Resource): string {
  return resource.namespace === undefined ? "its namespace" : `namespace ${resource.namespace}`;
}

// ---------------------------------------------------------------------------------------
// Resource requests and limits

const COMPUTE_RESOURCES = ["cpu", "memory"] as const;
type ComputeResource = (typeof COMPUTE_RESOURCES)[number];
type ResourceField = "limits" | "requests";

interface NamespaceDefaults {
  limits: Set<string>;
  requests: Set<string>;
}

/**
 * What the namespaces' LimitRanges (type Container) fill in for containers that set
 * nothing, with Kubernetes' own defaulting: a default limit falls back to `max`; a default
 * request to `defaultRequest`, then the default limit, then `min`.
 */
function limitRangeDefaults(resources: readonly Resource[]): Map<string, NamespaceDefaults> {
  const defaults = new Map<string, NamespaceDefaults>();
  for (const resource of resources) {
    if (resource.kind !== "LimitRange") continue;
    const items = valueAt(resource.object, ["spec", "limits"]);
    if (!Array.isArray(items)) continue;
    const entry = defaults.get(namespaceKey(resource)) ?? { limits: new Set(), requests: new Set() };
    for (const item of items) {
      if (!isRecord(item) || item.type !== "Container") continue;
      const limits = [...keysOf(item.default), ...keysOf(item.max)];
      for (const name of limits) entry.limits.add(name);
      for (const name of [...limits, ...keysOf(item.defaultRequest), ...keysOf(item.min)]) entry.requests.add(name);
    }
    defaults.set(namespaceKey(resource), entry);
  }
  return defaults;
}

function keysOf(value: unknown): string[] {
  return isRecord(value) ? Object.keys(value) : [];
}

function hasQuantity(resources: unknown, field: ResourceField, name: ComputeResource): boolean {
  const list = isRecord(resources) ? resources[field] : undefined;
  const quantity = isRecord(list) ? list[name] : undefined;
  return quantity !== undefined && quantity !== null && quantity !== "";
}

/** cpu and memory the container ends up without; Kubernetes copies a limit into a missing request. */
function missingQuantities(container: Container, field: ResourceField, defaults: NamespaceDefaults | undefined): ComputeResource[] {
  const { resources } = container.spec;
  return COMPUTE_RESOURCES.filter((name) => {
    if (hasQuantity(resources, field, name) || defaults?.[field].has(name)) return false;
    return field === "limits" || !hasQuantity(resources, "limits", name);
  });
}

/** Containers that can have resources: ephemeral containers cannot. */
function resourcedContainers(workload: Workload): Container[] {
  return workload.containers.filter((container) => container.group !== "ephemeralContainers");
}

function resourceRule(field: ResourceField, descriptor: Omit<ManifestRule["descriptor"], "kind" | "score">): ManifestRule {
  return {
    descriptor: { ...descriptor, kind: "misconfiguration", score: representativeScore(descriptor.severity) },
    *check({ workloads, resources }) {
      const defaults = limitRangeDefaults(resources);
      for (const workload of workloads) {
        for (const container of resourcedContainers(workload)) {
          const missing = missingQuantities(container, field, defaults.get(namespaceKey(workload.resource)));
          if (missing.length === 0) continue;
          yield {
            resource: workload.resource,
            container,
            path: containerFieldPath(container, "resources", field),
            message: `${describeContainer(container, workload.resource)} sets no ${missing.join(" or ")} ${field === "limits" ? "limit" : "request"}.`,
          };
        }
      }
    },
  };
}

const RESOURCES_URI = "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/";
const LIMIT_RANGE_NOTE =
  "Init containers are checked too; ephemeral containers cannot have resources. A LimitRange of type Container in the same namespace among the scanned files that supplies the value counts as set.";

export const missingLimits = resourceRule("limits", {
  id: "workload-resource-limits-missing",
  title: "Container has no CPU or memory limit",
  severity: "medium",
  description: `A container without a memory limit can use all of the node's memory, and without a CPU limit all its spare CPU: one compromised or faulty pod starves its neighbours, and cryptominers run unchecked. ${LIMIT_RANGE_NOTE}`,
  remediation:
    "Set `resources.limits.memory` (and `cpu` where throttling is acceptable) from observed usage, or give the namespace a LimitRange with default limits.",
  fix: "resources:\n  requests:\n    cpu: 100m\n    memory: 128Mi\n  limits:\n    cpu: 500m\n    memory: 256Mi",
  helpUri: RESOURCES_URI,
  standards: [
    NSA_NETWORK,
    mitre("T1496", "Resource Hijacking"),
    mitre("T1499", "Endpoint Denial of Service"),
    azurePolicy(
      "e345eecc-fa47-480f-9e88-67dcc122b164",
      "Kubernetes cluster containers CPU and memory resource limits should not exceed the specified limits",
    ),
  ],
});

export const missingRequests = resourceRule("requests", {
  id: "workload-resource-requests-missing",
  title: "Container has no CPU or memory request",
  severity: "low",
  description: `Without requests the scheduler places the pod as if it needed nothing, and under memory pressure the kubelet evicts it first (BestEffort). A container that sets a limit but no request gets the limit as its request, so only a container with neither is reported. ${LIMIT_RANGE_NOTE}`,
  remediation:
    "Set `resources.requests.cpu` and `resources.requests.memory` from observed usage, or give the namespace a LimitRange with default requests.",
  fix: "resources:\n  requests:\n    cpu: 100m\n    memory: 128Mi",
  helpUri: RESOURCES_URI,
  standards: [
    NSA_NETWORK,
    azurePolicy("03a4ecdb-0684-4039-be91-2762979e1bc8", "Kubernetes cluster containers CPU and memory resource requests must be defined"),
  ],
});

// ---------------------------------------------------------------------------------------
// Probes

const BATCH_KINDS = new Set(["Job", "CronJob"]);
const PROBES = [
  ["livenessProbe", "liveness"],
  ["readinessProbe", "readiness"],
] as const;

/** Pods meant to keep running: not Jobs and CronJobs, nor pods that are not restarted when they exit. */
function isLongRunning(workload: Workload): boolean {
  const restartPolicy = workload.podSpec.restartPolicy;
  return !BATCH_KINDS.has(workload.resource.kind) && restartPolicy !== "Never" && restartPolicy !== "OnFailure";
}

/** Regular containers and sidecars (init containers with `restartPolicy: Always`), which run as long as the pod. */
function servingContainers(workload: Workload): Container[] {
  return workload.containers.filter(
    (container) => container.group === "containers" || (container.group === "initContainers" && container.spec.restartPolicy === "Always"),
  );
}

export const missingProbes: ManifestRule = {
  descriptor: {
    id: "workload-probes-missing",
    kind: "misconfiguration",
    title: "Container has no liveness or readiness probe",
    severity: "low",
    score: representativeScore("low"),
    description:
      "Without a readiness probe a Service sends traffic to the container before it can serve and while it is failing; without a liveness probe a hung container is never restarted. Checked for the containers and sidecars of long-running workloads, not for Jobs, CronJobs, pods with restartPolicy Never or OnFailure, init or ephemeral containers. A startup probe does not replace either.",
    remediation: "Add a readinessProbe that checks the container can serve, and a livenessProbe that fails only when a restart would help.",
    fix: "readinessProbe:\n  httpGet: { path: /healthz/ready, port: http }\n  periodSeconds: 10\nlivenessProbe:\n  httpGet: { path: /healthz/live, port: http }\n  initialDelaySeconds: 15",
    helpUri: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
    standards: [
      azurePolicy("b1a9997f-2883-4f12-bdff-2280f99b5915", "Ensure cluster containers have readiness or liveness probes configured"),
    ],
  },
  *check({ workloads }) {
    for (const workload of workloads) {
      if (!isLongRunning(workload)) continue;
      for (const container of servingContainers(workload)) {
        const missing = PROBES.filter(([field]) => !isRecord(container.spec[field])).map(([, label]) => label);
        if (missing.length === 0) continue;
        yield {
          resource: workload.resource,
          container,
          path: containerFieldPath(container, "livenessProbe"),
          message: `${describeContainer(container, workload.resource)} has no ${missing.join(" or ")} probe.`,
        };
      }
    }
  },
};

// ---------------------------------------------------------------------------------------
// Secrets in environment values

export const literalSecretEnv: ManifestRule = {
  descriptor: {
    id: "workload-env-literal-secret",
    kind: "misconfiguration",
    title: "Secret written as a literal environment value",
    severity: "high",
    score: representativeScore("high"),
    description:
      "An environment variable's `value` holds what looks like a credential: by its name (PASSWORD, PASS, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ACCESS_KEY, CREDENTIALS…, unless it names a file, path, URL or name) or by its shape (AWS access key IDs, GitHub and Slack tokens, private key blocks, JSON Web Tokens, Azure connection strings with an account key, URLs with a password). The secret is then in the repository's history, in every rendered manifest and readable by anyone who can get the workload. The finding shows only its first characters.",
    remediation:
      "Rotate the credential, store it in a Secret (or an external secret store) and reference it with `valueFrom.secretKeyRef`, or better mount it as a file.",
    fix: "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db\n        key: password",
    helpUri: "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables",
    standards: [
      cis("5.4.1", "Prefer using Secrets as files over Secrets as environment variables"),
      NSA_NETWORK,
      mitre("T1552.001", "Unsecured Credentials: Credentials In Files"),
      mitre("T1552.007", "Unsecured Credentials: Container API"),
    ],
  },
  *check({ workloads }) {
    for (const workload of workloads) {
      for (const container of workload.containers) {
        const env = container.spec.env;
        if (!Array.isArray(env)) continue;
        for (const [index, variable] of env.entries()) {
          if (!isRecord(variable) || typeof variable.name !== "string" || typeof variable.value !== "string") continue;
          const suspicion = secretSuspicion(variable.name, variable.value);
          if (!suspicion) continue;
          yield {
            resource: workload.resource,
            container,
            path: [...container.path, "env", index, "value"],
            message: `${describeContainer(container, workload.resource)} sets ${variable.name} to a literal value (${maskSecret(variable.value)}); ${suspicion}.`,
          };
        }
      }
    }
  },
};

// ---------------------------------------------------------------------------------------
// The default ServiceAccount's token

/** The ServiceAccount a pod runs as: serviceAccountName, else the deprecated serviceAccount, else `default`. */
function serviceAccountOf(podSpec: Record<string, unknown>): string {
  for (const field of ["serviceAccountName", "serviceAccount"]) {
    const name = podSpec[field];
    if (typeof name === "string" && name !== "") return name;
  }
  return "default";
}

/** Namespaces whose scanned `default` ServiceAccount opts out of token automounting. */
function namespacesWithQuietDefaultAccount(resources: readonly Resource[]): Set<string> {
  return new Set(
    resources
      .filter(
        (resource) =>
          resource.kind === "ServiceAccount" && resource.name === "default" && resource.object.automountServiceAccountToken === false,
      )
      .map(namespaceKey),
  );
}

export const defaultServiceAccountToken: ManifestRule = {
  descriptor: {
    id: "workload-default-service-account-token",
    kind: "misconfiguration",
    title: "Pod mounts the default ServiceAccount's token",
    severity: "medium",
    score: representativeScore("medium"),
    description:
      "The pod runs as its namespace's `default` ServiceAccount and gets its API token mounted, because neither the pod nor a `default` ServiceAccount among the scanned files in the same namespace sets `automountServiceAccountToken: false`. Every pod of the namespace shares that identity, so a compromised container can use whatever the namespace's default account was granted, and the token is handed to code that rarely needs the API.",
    remediation:
      "Set `automountServiceAccountToken: false` on the pod (or on the namespace's default ServiceAccount); give a workload that needs the API its own ServiceAccount with a minimal Role.",
    fix: "spec:\n  serviceAccountName: web\n  automountServiceAccountToken: false",
    helpUri: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting",
    standards: [
      cis("5.1.5", "Ensure that default service accounts are not actively used"),
      cis("5.1.6", "Ensure that Service Account Tokens are only mounted where necessary"),
      NSA_POD_SECURITY,
      mitre("T1528", "Steal Application Access Token"),
      azurePolicy("423dd1ba-798e-40e4-9c4d-b6902674b423", "Kubernetes clusters should disable automounting API credentials"),
    ],
  },
  *check({ workloads, resources }) {
    const quiet = namespacesWithQuietDefaultAccount(resources);
    for (const { resource, podSpec, podSpecPath } of workloads) {
      if (serviceAccountOf(podSpec) !== "default") continue;
      const automount = podSpec.automountServiceAccountToken;
      if (automount === false || (automount === undefined && quiet.has(namespaceKey(resource)))) continue;
      const field =
        automount !== undefined || podSpec.serviceAccountName === undefined ? "automountServiceAccountToken" : "serviceAccountName";
      yield {
        resource,
        path: [...podSpecPath, field],
        message: `${describeResource(resource)} runs as the default ServiceAccount with its API token mounted (${automount === true ? "automountServiceAccountToken: true" : "automountServiceAccountToken is not false"}).`,
      };
    }
  },
};

// ---------------------------------------------------------------------------------------
// The default namespace

export const defaultNamespace: ManifestRule = {
  descriptor: {
    id: "workload-default-namespace",
    kind: "misconfiguration",
    title: "Resource is placed in the default namespace",
    severity: "low",
    score: representativeScore("low"),
    description:
      "The resource sets `metadata.namespace: default`. The default namespace is where everything lands by accident, so RBAC, quotas, NetworkPolicies and Pod Security levels scoped to it protect nothing in particular, and unrelated workloads share its default ServiceAccount. Only an explicit `default` is reported: manifests without a namespace are usually applied with `kubectl -n`. Cluster-scoped kinds are exempt.",
    remediation: "Create a namespace per application or team and set `metadata.namespace` to it (or leave it unset and apply with `-n`).",
    fix: "metadata:\n  name: web\n  namespace: shop",
    helpUri: "https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/",
    standards: [
      cis("5.7.1", "Create administrative boundaries between resources using namespaces"),
      cis("5.7.4", "The default namespace should not be used"),
      NSA_NETWORK,
      azurePolicy("9f061a12-e40d-4183-a00e-171812443373", "Kubernetes clusters should not use the default namespace"),
    ],
  },
  *check({ resources }) {
    for (const resource of resources) {
      if (resource.namespace !== "default" || isClusterScopedKind(resource.kind)) continue;
      yield { resource, path: ["metadata", "namespace"], message: `${describeResource(resource)} is placed in the default namespace.` };
    }
  },
};

// ---------------------------------------------------------------------------------------
// NetworkPolicy coverage

function isKubernetesNetworkPolicy(resource: Resource): boolean {
  return (
    resource.kind === "NetworkPolicy" &&
    (resource.apiVersion.startsWith("networking.k8s.io/") || resource.apiVersion === "extensions/v1beta1")
  );
}

/** Calico, Cilium, Antrea, AdminNetworkPolicy…: policies this rule cannot evaluate. */
function isOtherPolicyEngine(resource: Resource): boolean {
  return resource.kind.endsWith("NetworkPolicy") && !isKubernetesNetworkPolicy(resource);
}

/** A NetworkPolicy's pod selector: a missing spec or podSelector selects every pod, as in Kubernetes. */
function podSelectorOf(policy: Resource): unknown {
  const spec = policy.object.spec ?? {};
  return isRecord(spec) ? (spec.podSelector ?? {}) : undefined;
}

/**
 * Namespaces whose NetworkPolicies could be among the scanned files: all of them once the
 * files hold any NetworkPolicy, else those whose Namespace object is scanned. None when the
 * files hold policies of another engine, which this rule cannot evaluate.
 */
function judgedNamespaces({ resources }: RuleContext): (namespace: string) => boolean {
  if (resources.some(isOtherPolicyEngine)) return () => false;
  if (resources.some(isKubernetesNetworkPolicy)) return () => true;
  const declared = new Set(resources.filter((resource) => resource.kind === "Namespace" && resource.name).map((resource) => resource.name));
  return (namespace) => declared.has(namespace);
}

export const missingNetworkPolicy: ManifestRule = {
  descriptor: {
    id: "workload-network-policy-missing",
    kind: "misconfiguration",
    title: "No NetworkPolicy selects the workload's pods",
    severity: "medium",
    score: representativeScore("medium"),
    description:
      "No NetworkPolicy in the workload's namespace selects its pods (by `podSelector` matchLabels and matchExpressions against the pod template's labels; an empty podSelector selects all), so they accept traffic from any pod in the cluster and can reach anything: a compromised pod moves laterally at will. Only NetworkPolicies among the scanned files are seen, so a namespace is judged only when its policies could be there: once the files hold any NetworkPolicy, or when they declare the Namespace. The rule stays silent when the files hold another engine's policies (Calico, Cilium, Antrea, AdminNetworkPolicy), and skips hostNetwork pods, which NetworkPolicies do not isolate.",
    remediation:
      "Add a default-deny NetworkPolicy to the namespace (`podSelector: {}` with policyTypes Ingress and Egress), then policies that allow the traffic each workload needs.",
    fix: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: shop\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]",
    helpUri: "https://kubernetes.io/docs/concepts/services-networking/network-policies/",
    standards: [cis("5.3.2", "Ensure that all Namespaces have NetworkPolicies defined"), NSA_NETWORK],
  },
  *check(context) {
    const isJudged = judgedNamespaces(context);
    const policies = context.resources.filter(isKubernetesNetworkPolicy);
    for (const workload of context.workloads) {
      const { resource, podSpec } = workload;
      if (podSpec.hostNetwork === true || !isJudged(namespaceKey(resource))) continue;
      const labels = podLabelsOf(workload);
      const selected = policies.some(
        (policy) => namespaceKey(policy) === namespaceKey(resource) && selectorMatches(podSelectorOf(policy), labels),
      );
      if (selected) continue;
      yield {
        resource,
        path: ["metadata", "name"],
        message: `${describeResource(resource)}: no NetworkPolicy in ${namespaceLabel(resource)} selects its pods, so they accept traffic from any pod.`,
      };
    }
  },
};

/** Workload hygiene: resources, probes, secrets in env, service account tokens, namespaces, network policies. */
export const WORKLOAD_HYGIENE_RULES: readonly ManifestRule[] = [
  missingLimits,
  missingRequests,
  missingProbes,
  literalSecretEnv,
  defaultServiceAccountToken,
  defaultNamespace,
  missingNetworkPolicy,
];
