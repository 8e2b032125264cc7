import { describe, expect, it } from "vitest";
import { DEFAULT_RULE_OPTIONS, type Finding, loadManifests, representativeScore, runRules, toWorkloads } from "../core/src/index.js";
import { RBAC_RULES } from "../core/src/rules/rbac.js";

function findingsFor(text: string): Finding[] {
  const { resources } = loadManifests([{ path: "rbac.yaml", text }]);
  return runRules(RBAC_RULES, { resources, workloads: toWorkloads(resources), options: DEFAULT_RULE_OPTIONS }, "t");
}

/** `rule-id@line:column`, the shape most assertions compare. */
function at(findings: Finding[]): string[] {
  return findings.map((finding) => `${finding.ruleId}@${finding.location?.startLine}:${finding.location?.startColumn}`);
}

/** A role document whose rules are given as YAML lines (indented by 2), starting on line 5. */
function role(kind: "Role" | "ClusterRole", rules: string): string {
  const namespace = kind === "Role" ? "  namespace: shop\n" : "";
  return `apiVersion: rbac.authorization.k8s.io/v1\nkind: ${kind}\nmetadata:\n  name: r\n${namespace}rules:\n${rules}`;
}

function binding(kind: "RoleBinding" | "ClusterRoleBinding", roleRef: string, subjects: string): string {
  const namespace = kind === "RoleBinding" ? "  namespace: shop\n" : "";
  return `apiVersion: rbac.authorization.k8s.io/v1\nkind: ${kind}\nmetadata:\n  name: b\n${namespace}roleRef:\n${roleRef}subjects:\n${subjects}`;
}

describe("the RBAC rule catalogue", () => {
  it("has stable ids, the severities by what they grant, and scores that follow them", () => {
    expect(RBAC_RULES.map((rule) => `${rule.descriptor.id}:${rule.descriptor.severity}`)).toEqual([
      "rbac-wildcard-all:critical",
      "rbac-wildcard-resources:high",
      "rbac-wildcard-verbs:medium",
      "rbac-wildcard-api-groups:low",
      "rbac-cluster-admin-binding:critical",
      "rbac-namespace-cluster-admin-binding:high",
      "rbac-anonymous-binding:critical",
      "rbac-authenticated-binding:high",
      "rbac-secrets-read:high",
      "rbac-escalation-verbs:high",
      "rbac-pod-exec:high",
      "rbac-create-workloads:medium",
      "rbac-nodes-proxy:high",
      "rbac-token-create:high",
      "rbac-modify-permissions:high",
    ]);
    for (const { descriptor } of RBAC_RULES) {
      expect(descriptor.score).toBe(representativeScore(descriptor.severity));
      expect(descriptor.kind).toBe("misconfiguration");
      expect(descriptor.fix).toMatch(/\S/);
      expect(descriptor.helpUri).toMatch(/^https:\/\//);
    }
  });

  it("maps to the CIS 5.1 controls and Azure Policy definitions that were verified", () => {
    const controls = (id: string, framework: string) =>
      RBAC_RULES.find((rule) => rule.descriptor.id === id)
        ?.descriptor.standards.filter((standard) => standard.framework === framework)
        .map((standard) => standard.control);
    expect(controls("rbac-cluster-admin-binding", "cis-k8s")).toEqual(["5.1.1"]);
    expect(controls("rbac-cluster-admin-binding", "azure-policy")).toEqual(["a3dc4946-dba6-43e6-950d-f96532848c9f"]);
    expect(controls("rbac-secrets-read", "cis-k8s")).toEqual(["5.1.2"]);
    expect(controls("rbac-wildcard-all", "cis-k8s")).toEqual(["5.1.3"]);
    expect(controls("rbac-wildcard-all", "azure-policy")).toEqual(["ca8d5704-aa2b-40cf-b110-dc19052825ad"]);
    expect(controls("rbac-create-workloads", "cis-k8s")).toEqual(["5.1.4"]);
    expect(controls("rbac-escalation-verbs", "cis-k8s")).toEqual(["5.1.8"]);
    expect(controls("rbac-nodes-proxy", "cis-k8s")).toEqual(["5.1.10"]);
    expect(controls("rbac-token-create", "cis-k8s")).toEqual(["5.1.13"]);
    expect(controls("rbac-pod-exec", "mitre-attack")).toEqual(["T1609"]);
  });
});

describe("wildcards", () => {
  it("reports verbs * on resources * once, as critical, at the resources wildcard, and nothing more", () => {
    const findings = findingsFor(role("ClusterRole", '  - apiGroups: ["*"]\n    resources: ["*"]\n    verbs: ["*"]\n'));
    expect(at(findings)).toEqual(["rbac-wildcard-all@7:17"]);
    expect(findings[0]?.message).toBe(
      "ClusterRole r grants every verb on every resource in every API group, so it can read Secrets, escalate its privileges, run commands in pods, create pods, reach every node's kubelet API, mint service account tokens and create or change RBAC.",
    );
    expect(findings[0]?.severity).toBe("critical");
  });

  it("names the API groups of a full wildcard limited to some groups, and only the rights a Role can grant", () => {
    const findings = findingsFor(role("Role", '  - apiGroups: ["", "apps"]\n    resources: ["*"]\n    verbs: ["*"]\n'));
    expect(findings.map((finding) => finding.message)).toEqual([
      "Role shop/r grants every verb on every resource in API groups core, apps, so it can read Secrets, escalate its privileges, run commands in pods, create pods and mint service account tokens.",
    ]);
  });

  it("rates a full wildcard over groups without a known dangerous right as a resources wildcard (high)", () => {
    const findings = findingsFor(role("ClusterRole", '  - apiGroups: ["custom.metrics.k8s.io"]\n    resources: ["*"]\n    verbs: ["*"]\n'));
    expect(at(findings)).toEqual(["rbac-wildcard-resources@7:17"]);
    expect(findings[0]?.message).toBe("ClusterRole r grants every verb on every resource in API group custom.metrics.k8s.io.");
  });

  it("reports the broadest wildcard of an entry, and every dangerous right it hides (get on every core resource includes pods/exec)", () => {
    const findings = findingsFor(
      role(
        "ClusterRole",
        [
          '  - apiGroups: [""]', // line 6
          '    resources: ["*"]',
          '    verbs: ["get", "list"]',
          '  - apiGroups: [""]', // line 9
          '    resources: ["secrets", "configmaps"]',
          '    verbs: ["*"]',
          '  - apiGroups: ["*"]', // line 12
          '    resources: ["deployments"]',
          '    verbs: ["get"]',
          "",
        ].join("\n"),
      ),
    );
    expect(at(findings)).toEqual([
      "rbac-wildcard-resources@7:17",
      "rbac-wildcard-verbs@11:13",
      "rbac-wildcard-api-groups@12:17",
      "rbac-secrets-read@7:17",
      "rbac-secrets-read@10:17",
      "rbac-pod-exec@7:17",
      "rbac-nodes-proxy@7:17",
    ]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "ClusterRole r grants get, list on every resource in API group core.",
      "ClusterRole r grants every verb on secrets, configmaps in API group core.",
      "ClusterRole r grants get on deployments in every API group, including ones added later.",
      "ClusterRole r can read Secrets (get, list on secrets, through a wildcard).",
      "ClusterRole r can read Secrets (get, list, watch on secrets, through a wildcard).",
      "ClusterRole r can run commands in pods (get on pods/exec, pods/attach, through a wildcard).",
      "ClusterRole r can reach every node's kubelet API (get on nodes/proxy, through a wildcard).",
    ]);
  });

  it("does not count */subresource forms as a wildcard use of their own", () => {
    const findings = findingsFor(role("Role", '  - apiGroups: [""]\n    resources: ["*/status"]\n    verbs: ["get"]\n'));
    expect(findings).toEqual([]);
  });
});

describe("specific dangerous rights", () => {
  it("reads secrets only in the core group: apps/secrets grants nothing", () => {
    const findings = findingsFor(
      role(
        "Role",
        '  - apiGroups: ["apps"]\n    resources: ["secrets"]\n    verbs: ["get"]\n  - apiGroups: [""]\n    resources: ["secrets"]\n    verbs: ["watch", "get", "update"]\n',
      ),
    );
    expect(at(findings)).toEqual(["rbac-secrets-read@11:17"]);
    expect(findings[0]?.message).toBe("Role shop/r can read Secrets (get, watch on secrets).");
  });

  it("accepts reading named Secrets, the minimal form, but not creating pods by name, which grants nothing", () => {
    const findings = findingsFor(
      role(
        "Role",
        '  - apiGroups: [""]\n    resources: ["secrets", "pods"]\n    resourceNames: ["app-config"]\n    verbs: ["get", "create"]\n',
      ),
    );
    expect(findings).toEqual([]);
  });

  it("tells pods from pods/exec the way the authorizer does: */exec matches exec only", () => {
    const findings = findingsFor(
      role(
        "Role",
        [
          '  - apiGroups: [""]', // line 7
          '    resources: ["pods"]',
          '    verbs: ["create", "get"]',
          '  - apiGroups: [""]', // line 10
          '    resources: ["pods/log", "pods/attach"]',
          '    verbs: ["get"]',
          '  - apiGroups: [""]', // line 13
          '    resources: ["*/exec"]',
          '    verbs: ["create"]',
          "",
        ].join("\n"),
      ),
    );
    expect(at(findings)).toEqual(["rbac-pod-exec@11:29", "rbac-pod-exec@14:17", "rbac-create-workloads@8:17"]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "Role shop/r can run commands in pods (get on pods/attach).",
      "Role shop/r can run commands in pods (create on pods/exec, through a wildcard).",
      "Role shop/r can create pods (create on pods).",
    ]);
  });

  it("finds pod-creating workload controllers in their own API groups only", () => {
    const findings = findingsFor(
      role(
        "Role",
        '  - apiGroups: ["apps", "batch"]\n    resources: ["deployments", "cronjobs", "jobs", "configmaps"]\n    verbs: ["create", "delete"]\n',
      ),
    );
    expect(at(findings)).toEqual(["rbac-create-workloads@8:17"]);
    expect(findings[0]?.message).toBe("Role shop/r can create pods (create on deployments, jobs, cronjobs).");
  });

  it("points at the verb for escalate, bind and impersonate, and ignores cluster-scoped resources in a Role", () => {
    const clusterRole = findingsFor(
      role(
        "ClusterRole",
        '  - apiGroups: ["rbac.authorization.k8s.io"]\n    resources: ["clusterroles"]\n    verbs: ["get", "bind", "escalate"]\n  - apiGroups: [""]\n    resources: ["users", "groups", "pods"]\n    verbs: ["impersonate"]\n',
      ),
    );
    expect(at(clusterRole)).toEqual(["rbac-escalation-verbs@8:20", "rbac-escalation-verbs@11:13"]);
    expect(clusterRole.map((finding) => finding.message)).toEqual([
      "ClusterRole r can escalate its privileges (escalate, bind on clusterroles).",
      "ClusterRole r can escalate its privileges (impersonate on users, groups).",
    ]);
    const namespaced = findingsFor(
      role(
        "Role",
        '  - apiGroups: ["rbac.authorization.k8s.io", ""]\n    resources: ["clusterroles", "users"]\n    verbs: ["bind", "impersonate"]\n',
      ),
    );
    expect(namespaced).toEqual([]);
  });

  it("finds nodes/proxy in a ClusterRole, token minting and RBAC writes", () => {
    const findings = findingsFor(
      role(
        "ClusterRole",
        [
          '  - apiGroups: [""]', // line 6
          '    resources: ["nodes/stats", "nodes/proxy"]',
          '    verbs: ["get"]',
          '  - apiGroups: [""]', // line 9
          '    resources: ["serviceaccounts", "serviceaccounts/token"]',
          '    verbs: ["create"]',
          '  - apiGroups: ["rbac.authorization.k8s.io"]', // line 12
          '    resources: ["roles", "clusterrolebindings"]',
          '    verbs: ["get", "patch", "create"]',
          "",
        ].join("\n"),
      ),
    );
    expect(at(findings)).toEqual(["rbac-nodes-proxy@7:32", "rbac-token-create@10:36", "rbac-modify-permissions@13:17"]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "ClusterRole r can reach every node's kubelet API (get on nodes/proxy).",
      "ClusterRole r can mint service account tokens (create on serviceaccounts/token).",
      "ClusterRole r can create or change RBAC (create, patch on roles, clusterrolebindings).",
    ]);
  });

  it("grants nothing from aggregated roles without rules, non-resource URLs or entries without API groups", () => {
    const findings = findingsFor(
      [
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: agg }\naggregationRule:\n  clusterRoleSelectors: [{ matchLabels: { x: y } }]\n",
        role("ClusterRole", '  - nonResourceURLs: ["*"]\n    verbs: ["*"]\n  - resources: ["secrets"]\n    verbs: ["get"]\n'),
        "apiVersion: example.com/v1\nkind: Role\nmetadata: { name: not-rbac }\nrules:\n  - { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }\n",
      ].join("---\n"),
    );
    expect(findings).toEqual([]);
  });
});

describe("bindings", () => {
  it("rates cluster-admin by binding kind, at roleRef.name, and ignores a Role that is only named cluster-admin", () => {
    const findings = findingsFor(
      [
        binding(
          "ClusterRoleBinding",
          "  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\n",
          "  - kind: ServiceAccount\n    name: deployer\n    namespace: ci\n  - kind: Group\n    name: ops\n",
        ),
        binding("RoleBinding", "  kind: ClusterRole\n  name: cluster-admin\n", "  - kind: User\n    name: alice\n"),
        binding("RoleBinding", "  kind: Role\n  name: cluster-admin\n", "  - kind: User\n    name: bob\n"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: empty }\nroleRef: { kind: ClusterRole, name: cluster-admin }\n",
      ].join("---\n"),
    );
    expect(at(findings)).toEqual([
      "rbac-cluster-admin-binding@8:3",
      "rbac-cluster-admin-binding@43:31",
      "rbac-namespace-cluster-admin-binding@23:3",
    ]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "ClusterRoleBinding b grants cluster-admin, full control of the whole cluster, to ServiceAccount ci/deployer, Group ops.",
      "ClusterRoleBinding empty grants cluster-admin, full control of the whole cluster, to no subject yet.",
      "RoleBinding shop/b grants cluster-admin, full control of namespace shop, to User alice.",
    ]);
    expect(findings.map((finding) => finding.severity)).toEqual(["critical", "critical", "high"]);
  });

  it("finds anonymous and all-authenticated subjects, each at its name, and skips Kubernetes' own discovery bindings", () => {
    const findings = findingsFor(
      [
        binding(
          "ClusterRoleBinding",
          "  kind: ClusterRole\n  name: view\n",
          [
            "  - kind: User", // line 9
            "    name: system:anonymous",
            "  - kind: Group",
            "    name: system:unauthenticated",
            "  - kind: Group",
            "    name: system:authenticated",
            "  - kind: Group",
            "    name: system:serviceaccounts",
            "  - kind: Group",
            "    name: system:anonymous", // a group nobody is in
            "",
          ].join("\n"),
        ),
        binding(
          "ClusterRoleBinding",
          "  kind: ClusterRole\n  name: system:public-info-viewer\n",
          "  - kind: Group\n    name: system:unauthenticated\n",
        ),
      ].join("---\n"),
    );
    expect(at(findings)).toEqual([
      "rbac-anonymous-binding@10:5",
      "rbac-anonymous-binding@12:5",
      "rbac-authenticated-binding@14:5",
      "rbac-authenticated-binding@16:5",
    ]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "ClusterRoleBinding b grants ClusterRole view to anonymous requests (User system:anonymous).",
      "ClusterRoleBinding b grants ClusterRole view to every unauthenticated request (Group system:unauthenticated).",
      "ClusterRoleBinding b grants ClusterRole view to every authenticated user and service account (Group system:authenticated).",
      "ClusterRoleBinding b grants ClusterRole view to every service account of every namespace (Group system:serviceaccounts).",
    ]);
  });
});

describe("hostile shapes", () => {
  it("never throws and reports nothing it cannot read", () => {
    const documents = [
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: 7\nrules: "x"\n',
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: { name: r }\nrules: [null, 7, [], { verbs: '*', resources: { a: 1 }, apiGroups: null }, { verbs: [7, null], resources: [[]], apiGroups: [{}] }]\n",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: b }\nsubjects: null\n",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: b }\nroleRef: 7\nsubjects: [null, { kind: Group }, { name: system:anonymous }, 'x']\n",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: c }\nroleRef: { kind: [ClusterRole], name: { n: cluster-admin } }\nsubjects: 'all'\n",
    ];
    expect(findingsFor(documents.join("---\n"))).toEqual([]);
  });

  it("still finds the readable parts of a partly broken rule list", () => {
    const findings = findingsFor(
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: r }\nrules:\n  - null\n  - apiGroups: [7, '']\n    resources: [null, secrets]\n    verbs: [{}, list]\n",
    );
    expect(at(findings)).toEqual(["rbac-secrets-read@7:23"]);
    expect(findings[0]?.message).toBe("ClusterRole r can read Secrets (list on secrets).");
  });
});
