import { isRecord, type Resource } from "../manifests/load.js";
import { type RuleDescriptor, representativeScore } from "../model/index.js";
import { describeResource } from "./describe.js";
import {
  describeApiGroups,
  type Grant,
  grantOf,
  isFullWildcard,
  isRbacKind,
  type ListItem,
  type Permission,
  type PolicyRuleEntry,
  policyRules,
  summarizeGrants,
  wildcardItem,
} from "./rbac-matching.js";
import { azurePolicy, cis, mitre, nsaCisa } from "./standards.js";
import type { ManifestRule, Violation } from "./types.js";

/*
 * Double counting policy. Each rule reports a rule entry (`rules[i]`) at most once, naming
 * everything it grants that the rule is about. The wildcard rules report an entry once, by
 * its broadest wildcard (all > resources > verbs > API groups), where "all" (critical) is
 * `verbs: ["*"]` on `resources: ["*"]` in API groups that hold one of the dangerous rights
 * below; a full wildcard over harmless groups (a metrics API) counts as resources (high).
 * The dangerous-right rules (secrets, exec, escalation, ...) also fire when a right comes
 * through a partial wildcard, because the user needs to know which rights a wildcard hides,
 * and their messages say so. A full wildcard is the exception: rbac-wildcard-all already
 * lists what it grants, and one finding per right would bury it.
 */

const RBAC_GOOD_PRACTICES = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/";
const ESCALATION_PREVENTION =
  "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping";
const AUTHENTICATION_REFERENCE = "https://kubernetes.io/docs/reference/access-authn-authz/authentication/";
const DEFENDER_ALERTS = "https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers";
const NSA_AUTHORIZATION = nsaCisa("authentication-authorization", "Authentication and authorization");
const CIS_WILDCARDS = cis("5.1.3", "Minimize wildcard use in Roles and ClusterRoles");
const AZURE_WILDCARDS = azurePolicy(
  "ca8d5704-aa2b-40cf-b110-dc19052825ad",
  "Kubernetes clusters should minimize wildcard use in role and cluster role",
);
const CIS_CLUSTER_ADMIN = cis("5.1.1", "Ensure that the cluster-admin role is only used where required");
const AZURE_CLUSTER_ADMIN = azurePolicy(
  "a3dc4946-dba6-43e6-950d-f96532848c9f",
  "Kubernetes clusters should ensure that the cluster-admin role is only used where required",
);
const CIS_ESCALATION_VERBS = cis("5.1.8", "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster");
const VALID_ACCOUNTS = mitre("T1078", "Valid Accounts");
const CLUSTER_ROLES = mitre("T1098.006", "Account Manipulation: Additional Container Cluster Roles");
const CONTAINER_API_CREDENTIALS = mitre("T1552.007", "Unsecured Credentials: Container API");
const ADMINISTRATION_COMMAND = mitre("T1609", "Container Administration Command");

type RuleFields = Omit<RuleDescriptor, "kind" | "score" | "helpUri"> & { helpUri?: string };

function descriptor(fields: RuleFields): RuleDescriptor {
  return { kind: "misconfiguration", score: representativeScore(fields.severity), helpUri: RBAC_GOOD_PRACTICES, ...fields };
}

// --- dangerous rights ------------------------------------------------------------------

/** A dangerous right: the permissions that make it up and how findings about it read. */
interface Right {
  permissions: readonly Permission[];
  /** Point at the resource for rights about an object, at the verb for the special verbs. */
  locateAt: "resources" | "verbs";
  /** What the right lets a subject do, after "can": "read Secrets". */
  capability: string;
  /** Rights limited to named objects (`resourceNames`) are the accepted, minimal form. */
  allowNamed?: boolean;
}

const READ = ["get", "list", "watch"] as const;
const WRITE = ["create", "update", "patch"] as const;
const RBAC_GROUP = "rbac.authorization.k8s.io";
const core = (resource: string, verbs: readonly string[], clusterScoped = false): Permission => ({
  group: "",
  resource,
  verbs,
  clusterScoped,
});

const RIGHTS = {
  secretsRead: { permissions: [core("secrets", READ)], locateAt: "resources", capability: "read Secrets", allowNamed: true },
  escalation: {
    permissions: [
      { group: RBAC_GROUP, resource: "roles", verbs: ["escalate", "bind"] },
      { group: RBAC_GROUP, resource: "clusterroles", verbs: ["escalate", "bind"], clusterScoped: true },
      core("users", ["impersonate"], true),
      core("groups", ["impersonate"], true),
      core("serviceaccounts", ["impersonate"]),
    ],
    locateAt: "verbs",
    capability: "escalate its privileges",
  },
  podExec: {
    permissions: [core("pods/exec", ["create", "get"]), core("pods/attach", ["create", "get"])],
    locateAt: "resources",
    capability: "run commands in pods",
  },
  createWorkloads: {
    permissions: [
      core("pods", ["create"]),
      core("replicationcontrollers", ["create"]),
      ...["deployments", "daemonsets", "statefulsets", "replicasets"].map((resource) => ({ group: "apps", resource, verbs: ["create"] })),
      ...["jobs", "cronjobs"].map((resource) => ({ group: "batch", resource, verbs: ["create"] })),
    ],
    locateAt: "resources",
    capability: "create pods",
  },
  nodesProxy: {
    permissions: [core("nodes/proxy", ["get", "create", "update", "patch", "delete"], true)],
    locateAt: "resources",
    capability: "reach every node's kubelet API",
  },
  tokenCreate: {
    permissions: [core("serviceaccounts/token", ["create"])],
    locateAt: "resources",
    capability: "mint service account tokens",
  },
  modifyPermissions: {
    permissions: [
      { group: RBAC_GROUP, resource: "roles", verbs: WRITE },
      { group: RBAC_GROUP, resource: "rolebindings", verbs: WRITE },
      { group: RBAC_GROUP, resource: "clusterroles", verbs: WRITE, clusterScoped: true },
      { group: RBAC_GROUP, resource: "clusterrolebindings", verbs: WRITE, clusterScoped: true },
    ],
    locateAt: "resources",
    capability: "create or change RBAC",
  },
} satisfies Record<string, Right>;

/** What an entry grants of a right, empty when nothing (or only the accepted named form). */
function grantsOf(entry: PolicyRuleEntry, right: Right): Grant[] {
  if (right.allowNamed && entry.namedOnly) return [];
  return right.permissions.flatMap((permission) => grantOf(entry, permission) ?? []);
}

/** The capabilities of every dangerous right an entry grants, in the order of RIGHTS. */
function dangerousCapabilities(entry: PolicyRuleEntry): string[] {
  return Object.values(RIGHTS).flatMap((right: Right) => (grantsOf(entry, right).length > 0 ? [right.capability] : []));
}

/** `a`, `a and b`, `a, b and c`. */
function listInProse(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} and ${items.at(-1)}` : (items[0] ?? "");
}

// --- wildcards -------------------------------------------------------------------------

type WildcardScope = "all" | "resources" | "verbs" | "apiGroups";
type RuleList = "resources" | "verbs" | "apiGroups";

/** The broadest wildcard of an entry and the item that carries it. */
function broadestWildcard(entry: PolicyRuleEntry): { scope: WildcardScope; item: ListItem; list: RuleList } | undefined {
  const resources = wildcardItem(entry.resources);
  const verbs = wildcardItem(entry.verbs);
  const apiGroups = wildcardItem(entry.apiGroups);
  if (resources && verbs && dangerousCapabilities(entry).length > 0) return { scope: "all", item: resources, list: "resources" };
  if (resources) return { scope: "resources", item: resources, list: "resources" };
  if (verbs) return { scope: "verbs", item: verbs, list: "verbs" };
  if (apiGroups) return { scope: "apiGroups", item: apiGroups, list: "apiGroups" };
  return undefined;
}

const values = (items: readonly ListItem[]) => items.map((item) => item.value).join(", ");

const WILDCARD_MESSAGES: Record<WildcardScope, (entry: PolicyRuleEntry) => string> = {
  all: (entry) =>
    `grants every verb on every resource in ${describeApiGroups(entry)}, so it can ${listInProse(dangerousCapabilities(entry))}`,
  resources: (entry) =>
    `grants ${wildcardItem(entry.verbs) ? "every verb" : values(entry.verbs)} on every resource in ${describeApiGroups(entry)}`,
  verbs: (entry) => `grants every verb on ${values(entry.resources)} in ${describeApiGroups(entry)}`,
  apiGroups: (entry) => `grants ${values(entry.verbs)} on ${values(entry.resources)} in every API group, including ones added later`,
};

function wildcardRule(scope: WildcardScope, fields: RuleFields): ManifestRule {
  return {
    descriptor: descriptor(fields),
    *check({ resources }) {
      for (const entry of policyRules(resources)) {
        const wildcard = broadestWildcard(entry);
        if (wildcard?.scope !== scope) continue;
        yield {
          resource: entry.role,
          path: [...entry.path, wildcard.list, wildcard.item.index],
          message: `${describeResource(entry.role)} ${WILDCARD_MESSAGES[scope](entry)}.`,
        };
      }
    },
  };
}

const WILDCARD_REMEDIATION =
  "List the exact verbs, resources and API groups the subject needs instead of `*`; `kubectl auth can-i --list --as=<subject>` shows what is used today.";

export const wildcardAll = wildcardRule("all", {
  id: "rbac-wildcard-all",
  title: "Role grants every verb on every resource",
  severity: "critical",
  description:
    'A rule with `verbs: ["*"]` and `resources: ["*"]` grants every right on every object of its API groups. Reported when those groups hold dangerous rights (reading Secrets, running commands in pods, creating pods, editing RBAC, ...), which the message lists; in a ClusterRole with `apiGroups: ["*"]` it is cluster-admin under another name. Rights added to Kubernetes later are granted too.',
  remediation: WILDCARD_REMEDIATION,
  fix: 'rules:\n  - apiGroups: ["apps"]\n    resources: ["deployments"]\n    verbs: ["get", "list", "watch", "update", "patch"]',
  standards: [CIS_WILDCARDS, NSA_AUTHORIZATION, VALID_ACCOUNTS, AZURE_WILDCARDS],
});

export const wildcardResources = wildcardRule("resources", {
  id: "rbac-wildcard-resources",
  title: "Role grants verbs on every resource",
  severity: "high",
  description:
    'A rule with `resources: ["*"]` grants its verbs on every resource and subresource of its API groups: `get` reaches Secrets, `create` reaches pods, `pods/exec` and role bindings. Resources added later (custom resources too) are covered without anyone noticing. A rule granting every verb as well, in groups with no known dangerous right (an aggregated metrics API), is reported here too.',
  remediation: WILDCARD_REMEDIATION,
  fix: 'rules:\n  - apiGroups: [""]\n    resources: ["configmaps", "services"]\n    verbs: ["get", "list"]',
  standards: [CIS_WILDCARDS, NSA_AUTHORIZATION, VALID_ACCOUNTS, AZURE_WILDCARDS],
});

export const wildcardVerbs = wildcardRule("verbs", {
  id: "rbac-wildcard-verbs",
  title: "Role grants every verb on some resources",
  severity: "medium",
  description:
    'A rule with `verbs: ["*"]` grants every verb on its resources: delete and deletecollection, and the special verbs escalate, bind and impersonate where they apply, beyond what a workload usually needs.',
  remediation: WILDCARD_REMEDIATION,
  fix: 'rules:\n  - apiGroups: [""]\n    resources: ["configmaps"]\n    verbs: ["get", "list", "watch"]',
  standards: [CIS_WILDCARDS, NSA_AUTHORIZATION, AZURE_WILDCARDS],
});

export const wildcardApiGroups = wildcardRule("apiGroups", {
  id: "rbac-wildcard-api-groups",
  title: "Role grants rights in every API group",
  severity: "low",
  description:
    'A rule with `apiGroups: ["*"]` grants its rights on every resource of that name in any API group, including custom resources installed later that happen to share the name.',
  remediation: 'Name the API groups the resources belong to (`""` for the core group, `apps`, `batch`, ...).',
  fix: 'rules:\n  - apiGroups: ["apps"]\n    resources: ["deployments"]\n    verbs: ["get", "list"]',
  standards: [CIS_WILDCARDS, NSA_AUTHORIZATION, AZURE_WILDCARDS],
});

// --- rules for the dangerous rights ----------------------------------------------------

function rightRule(fields: RuleFields, right: Right): ManifestRule {
  return {
    descriptor: descriptor(fields),
    *check({ resources }) {
      for (const entry of policyRules(resources)) {
        if (isFullWildcard(entry)) continue; // rbac-wildcard-all or -resources reports it (see the policy above)
        const grants = grantsOf(entry, right);
        const first = grants[0];
        if (first) yield rightViolation(entry, grants, right, first);
      }
    },
  };
}

function rightViolation(entry: PolicyRuleEntry, grants: Grant[], right: Right, first: Grant): Violation {
  const item = right.locateAt === "verbs" ? first.verbItem : first.resourceItem;
  const wildcard = grants.some((grant) => grant.viaWildcard) ? ", through a wildcard" : "";
  return {
    resource: entry.role,
    path: [...entry.path, right.locateAt, item.index],
    message: `${describeResource(entry.role)} can ${right.capability} (${summarizeGrants(grants)}${wildcard}).`,
  };
}

export const secretsRead = rightRule(
  {
    id: "rbac-secrets-read",
    title: "Role can read Secrets",
    severity: "high",
    description:
      "get, list or watch on Secrets returns their contents: passwords, API keys, TLS keys and service account tokens. list and watch return every Secret in scope at once, so one leaked credential of the subject exposes all of them. A rule limited to named Secrets (`resourceNames`) is the minimal form and is not reported.",
    remediation:
      "Remove get, list and watch on `secrets`; mount the Secrets a workload needs as volumes instead of reading them from the API, or limit the rule to named Secrets with `resourceNames` and `get`.",
    fix: 'rules:\n  - apiGroups: [""]\n    resources: ["secrets"]\n    resourceNames: ["app-config"]\n    verbs: ["get"]',
    standards: [cis("5.1.2", "Minimize access to secrets"), NSA_AUTHORIZATION, CONTAINER_API_CREDENTIALS],
  },
  RIGHTS.secretsRead,
);

export const escalationVerbs = rightRule(
  {
    id: "rbac-escalation-verbs",
    title: "Role can escalate, bind or impersonate",
    severity: "high",
    description:
      "escalate on roles lets a subject write roles with rights it does not hold, bind on roles lets it bind any role to anyone, and impersonate on users, groups or service accounts lets it act as any of them (the group system:masters included). Each bypasses RBAC's escalation prevention and leads to full control of the scope.",
    remediation:
      "Remove the escalate, bind and impersonate verbs; if a controller must bind roles, limit bind to the named roles with `resourceNames`.",
    fix: 'rules:\n  - apiGroups: ["rbac.authorization.k8s.io"]\n    resources: ["clusterroles"]\n    resourceNames: ["view"]\n    verbs: ["bind"]',
    references: [ESCALATION_PREVENTION, `${AUTHENTICATION_REFERENCE}#user-impersonation`],
    standards: [CIS_ESCALATION_VERBS, NSA_AUTHORIZATION, CLUSTER_ROLES],
  },
  RIGHTS.escalation,
);

export const podExec = rightRule(
  {
    id: "rbac-pod-exec",
    title: "Role can run commands in pods",
    severity: "high",
    description:
      "create or get on pods/exec and pods/attach opens a shell in any pod in scope: the subject reads the pod's mounted Secrets and service account token and acts with the pod's identity and network access.",
    remediation:
      "Remove pods/exec and pods/attach from roles used by workloads and automation; grant them to people only, through a break-glass role.",
    fix: 'rules:\n  - apiGroups: [""]\n    resources: ["pods", "pods/log"]\n    verbs: ["get", "list"]',
    standards: [NSA_AUTHORIZATION, ADMINISTRATION_COMMAND],
  },
  RIGHTS.podExec,
);

export const createWorkloads = rightRule(
  {
    id: "rbac-create-workloads",
    title: "Role can create pods",
    severity: "medium",
    description:
      "Creating pods, directly or through a Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob or ReplicationController, lets a subject run any image with any service account and any Secret of the namespace mounted, and with privileged settings wherever admission allows them.",
    remediation:
      "Give create on pods and workload controllers only to the deployment pipeline's identity, and enforce the restricted Pod Security Standard in the namespaces it deploys to.",
    fix: 'rules:\n  - apiGroups: ["apps"]\n    resources: ["deployments"]\n    verbs: ["get", "list", "watch"]',
    standards: [cis("5.1.4", "Minimize access to create pods"), NSA_AUTHORIZATION, mitre("T1610", "Deploy Container")],
  },
  RIGHTS.createWorkloads,
);

export const nodesProxy = rightRule(
  {
    id: "rbac-nodes-proxy",
    title: "Role can reach the kubelet API through nodes/proxy",
    severity: "high",
    description:
      "nodes/proxy forwards requests to the kubelet API of any node, which runs commands in every container on the node and reads their logs, bypassing the API server's admission and most of its audit trail.",
    remediation: "Remove nodes/proxy; monitoring agents get metrics from nodes/metrics and nodes/stats instead.",
    fix: 'rules:\n  - apiGroups: [""]\n    resources: ["nodes/metrics", "nodes/stats"]\n    verbs: ["get"]',
    standards: [cis("5.1.10", "Minimize access to the proxy sub-resource of nodes"), NSA_AUTHORIZATION, ADMINISTRATION_COMMAND],
  },
  RIGHTS.nodesProxy,
);

export const tokenCreate = rightRule(
  {
    id: "rbac-token-create",
    title: "Role can create service account tokens",
    severity: "high",
    description:
      "create on serviceaccounts/token mints a token for any service account in scope; the subject then acts as that service account, with all of its rights, for as long as the token lives.",
    remediation: "Remove create on serviceaccounts/token; workloads get their own token through a projected volume.",
    fix: 'rules:\n  - apiGroups: [""]\n    resources: ["serviceaccounts"]\n    verbs: ["get", "list"]',
    standards: [cis("5.1.13", "Minimize access to the service account token creation"), NSA_AUTHORIZATION, CONTAINER_API_CREDENTIALS],
  },
  RIGHTS.tokenCreate,
);

export const modifyPermissions = rightRule(
  {
    id: "rbac-modify-permissions",
    title: "Role can create or change roles and role bindings",
    severity: "high",
    description:
      "create, update or patch on roles, clusterroles, rolebindings or clusterrolebindings lets a subject hand its own rights to any account, including one the attacker controls, and keep them after the original credential is revoked (Defender for Containers alerts on such roles being created). With escalate or bind it can grant rights it does not even hold.",
    remediation:
      "Leave RBAC changes to the cluster's deployment pipeline or GitOps controller; remove create, update and patch on RBAC resources from every other role.",
    fix: 'rules:\n  - apiGroups: ["rbac.authorization.k8s.io"]\n    resources: ["roles", "rolebindings"]\n    verbs: ["get", "list", "watch"]',
    references: [ESCALATION_PREVENTION, DEFENDER_ALERTS],
    standards: [NSA_AUTHORIZATION, CLUSTER_ROLES],
  },
  RIGHTS.modifyPermissions,
);

// --- bindings --------------------------------------------------------------------------

interface Subject {
  index: number;
  kind: string;
  name: string;
  namespace?: string;
}

function subjectsOf(binding: Resource): Subject[] {
  const subjects = binding.object.subjects;
  if (!Array.isArray(subjects)) return [];
  return subjects.flatMap((subject, index) =>
    isRecord(subject) && typeof subject.kind === "string" && typeof subject.name === "string"
      ? [
          {
            index,
            kind: subject.kind,
            name: subject.name,
            namespace: typeof subject.namespace === "string" ? subject.namespace : undefined,
          },
        ]
      : [],
  );
}

function roleRefOf(binding: Resource): { kind?: string; name?: string } {
  const roleRef = binding.object.roleRef;
  if (!isRecord(roleRef)) return {};
  return {
    kind: typeof roleRef.kind === "string" ? roleRef.kind : undefined,
    name: typeof roleRef.name === "string" ? roleRef.name : undefined,
  };
}

function describeSubject(subject: Subject): string {
  return `${subject.kind} ${subject.namespace ? `${subject.namespace}/` : ""}${subject.name}`;
}

function bindingsOf(resources: readonly Resource[], kinds: readonly string[]): Resource[] {
  return resources.filter((resource) => isRbacKind(resource, kinds));
}

function clusterAdminRule(kind: "ClusterRoleBinding" | "RoleBinding", fields: RuleFields): ManifestRule {
  return {
    descriptor: descriptor(fields),
    *check({ resources }) {
      for (const binding of bindingsOf(resources, [kind])) {
        const roleRef = roleRefOf(binding);
        if (roleRef.kind !== "ClusterRole" || roleRef.name !== "cluster-admin") continue;
        const scope = kind === "ClusterRoleBinding" ? "the whole cluster" : namespaceScope(binding);
        const subjects = subjectsOf(binding).map(describeSubject);
        const to = subjects.length > 0 ? `to ${subjects.join(", ")}` : "to no subject yet";
        yield {
          resource: binding,
          path: ["roleRef", "name"],
          message: `${describeResource(binding)} grants cluster-admin, full control of ${scope}, ${to}.`,
        };
      }
    },
  };
}

function namespaceScope(binding: Resource): string {
  return binding.namespace ? `namespace ${binding.namespace}` : "its namespace";
}

const CLUSTER_ADMIN_REMEDIATION =
  "Bind a role with only the rights the subjects need (the built-in `admin`, `edit` or `view`, or your own); keep cluster-admin for break-glass access.";

export const clusterAdminBinding = clusterAdminRule("ClusterRoleBinding", {
  id: "rbac-cluster-admin-binding",
  title: "ClusterRoleBinding grants cluster-admin",
  severity: "critical",
  description:
    "A ClusterRoleBinding to cluster-admin gives its subjects every right on every object in every namespace, and on the cluster itself. A leaked token of any subject is a full cluster compromise.",
  remediation: CLUSTER_ADMIN_REMEDIATION,
  fix: "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view",
  references: [DEFENDER_ALERTS],
  standards: [CIS_CLUSTER_ADMIN, NSA_AUTHORIZATION, VALID_ACCOUNTS, CLUSTER_ROLES, AZURE_CLUSTER_ADMIN],
});

export const namespaceClusterAdminBinding = clusterAdminRule("RoleBinding", {
  id: "rbac-namespace-cluster-admin-binding",
  title: "RoleBinding grants cluster-admin in a namespace",
  severity: "high",
  description:
    "A RoleBinding to cluster-admin gives its subjects every right in the namespace: all of its Secrets, exec into every pod and RBAC changes there. The built-in `admin` role is meant for this and, unlike cluster-admin, excludes editing the namespace's ResourceQuota and the Namespace object.",
  remediation: CLUSTER_ADMIN_REMEDIATION,
  fix: "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: edit",
  standards: [CIS_CLUSTER_ADMIN, NSA_AUTHORIZATION, CLUSTER_ROLES, AZURE_CLUSTER_ADMIN],
});

/**
 * Roles Kubernetes itself binds to system:authenticated and system:unauthenticated: they
 * grant only discovery and self-review, so binding them to everyone is expected.
 */
const DISCOVERY_ROLES = new Set(["system:public-info-viewer", "system:discovery", "system:basic-user"]);

/** Who a subject stands for when it stands for a whole population, else undefined. */
type Audience = (subject: Subject) => string | undefined;

function broadSubjectRule(audience: Audience, fields: RuleFields): ManifestRule {
  return {
    descriptor: descriptor(fields),
    *check({ resources }) {
      for (const binding of bindingsOf(resources, ["RoleBinding", "ClusterRoleBinding"])) {
        const roleRef = roleRefOf(binding);
        if (roleRef.kind === "ClusterRole" && roleRef.name && DISCOVERY_ROLES.has(roleRef.name)) continue;
        const role = roleRef.name ? `${roleRef.kind ?? "role"} ${roleRef.name}` : "its role";
        for (const subject of subjectsOf(binding)) {
          const who = audience(subject);
          if (!who) continue;
          yield {
            resource: binding,
            path: ["subjects", subject.index, "name"],
            message: `${describeResource(binding)} grants ${role} to ${who} (${subject.kind} ${subject.name}).`,
          };
        }
      }
    },
  };
}

export const anonymousBinding = broadSubjectRule(
  ({ kind, name }) => {
    if (kind === "User" && name === "system:anonymous") return "anonymous requests";
    if (kind === "Group" && name === "system:unauthenticated") return "every unauthenticated request";
    return undefined;
  },
  {
    id: "rbac-anonymous-binding",
    title: "Binding grants rights to unauthenticated users",
    severity: "critical",
    description:
      "Requests without credentials are authenticated as the user system:anonymous in the group system:unauthenticated. Binding a role to either gives its rights to anyone who can reach the API server, with nothing to revoke and no identity in the audit log.",
    remediation:
      "Remove system:anonymous and system:unauthenticated from the binding's subjects and bind the role to named users, groups or service accounts.",
    fix: "subjects:\n  - kind: Group\n    name: platform-operators\n    apiGroup: rbac.authorization.k8s.io",
    references: [`${AUTHENTICATION_REFERENCE}#anonymous-requests`],
    standards: [NSA_AUTHORIZATION],
  },
);

export const authenticatedBinding = broadSubjectRule(
  ({ kind, name }) => {
    if (kind === "Group" && name === "system:authenticated") return "every authenticated user and service account";
    if (kind === "Group" && name === "system:serviceaccounts") return "every service account of every namespace";
    return undefined;
  },
  {
    id: "rbac-authenticated-binding",
    title: "Binding grants rights to every authenticated identity",
    severity: "high",
    description:
      "The group system:authenticated holds every user and every service account of the cluster, and system:serviceaccounts every service account; on managed clusters the first can include any account of the cloud provider's identity service. A role bound to them is granted to any compromised pod.",
    remediation: "Bind the role to the specific users, groups or service accounts that need it.",
    fix: "subjects:\n  - kind: ServiceAccount\n    name: reporter\n    namespace: monitoring",
    standards: [NSA_AUTHORIZATION, VALID_ACCOUNTS],
  },
);

export const RBAC_RULES: ManifestRule[] = [
  wildcardAll,
  wildcardResources,
  wildcardVerbs,
  wildcardApiGroups,
  clusterAdminBinding,
  namespaceClusterAdminBinding,
  anonymousBinding,
  authenticatedBinding,
  secretsRead,
  escalationVerbs,
  podExec,
  createWorkloads,
  nodesProxy,
  tokenCreate,
  modifyPermissions,
];
