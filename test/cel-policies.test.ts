import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_RULE_OPTIONS,
  type Finding,
  loadManifests,
  type ManifestRule,
  runRules,
  toWorkloads,
  UserError,
} from "../core/src/index.js";
import { loadCelPolicies } from "../core/src/rules/custom/index.js";
import { tempTree } from "./support/files.js";

const FIXTURES = "test/fixtures/policies";

function fixtureRules(...files: string[]): Promise<ManifestRule[]> {
  return loadCelPolicies(
    files.map((file) => join(FIXTURES, file)),
    process.cwd(),
  );
}

/** Policies written to a temporary directory that is also the source root, so errors name `p.yaml`. */
function policyRules(files: Record<string, string>): Promise<ManifestRule[]> {
  const root = tempTree(files);
  return loadCelPolicies(
    Object.keys(files).map((file) => join(root, file)),
    root,
  );
}

async function policyError(text: string): Promise<UserError> {
  const error = await policyRules({ "p.yaml": text }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
  return error;
}

function scan(rules: readonly ManifestRule[], manifests: string): Finding[] {
  const { resources } = loadManifests([{ path: "m.yaml", text: manifests }]);
  return runRules(rules, { resources, workloads: toWorkloads(resources), options: DEFAULT_RULE_OPTIONS }, "t");
}

/** [name, line, column, message] of each finding. */
function located(findings: readonly Finding[]) {
  return findings.map((finding) => [finding.resource?.name, finding.location?.startLine, finding.location?.startColumn, finding.message]);
}

function messages(findings: readonly Finding[]) {
  return findings.map((finding) => finding.message);
}

/** 1-based line and column of the first occurrence of `needle`. */
function positionOf(text: string, needle: string): [number, number] {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`${needle} not found`);
  const before = text.slice(0, offset).split("\n");
  return [before.length, (before.at(-1)?.length ?? 0) + 1];
}

/** YAML documents from objects (JSON is YAML), for tests where lines do not matter. */
function documents(...objects: object[]): string {
  return objects.map((object) => JSON.stringify(object)).join("\n---\n");
}

const ANY_CREATE = { resourceRules: [{ apiGroups: ["*"], apiVersions: ["*"], resources: ["*"], operations: ["CREATE"] }] };

/** A policy (as JSON) named `p`; by default it matches everything and denies everything. */
function policy(spec: object, metadata: object = { name: "p" }): string {
  return JSON.stringify({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata,
    spec: { matchConstraints: ANY_CREATE, validations: [{ expression: "false" }], ...spec },
  });
}

function configMap(name: string, extra: object = {}) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, ...extra };
}

const REPLICAS_MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 7
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: small, namespace: shop }
spec: { replicas: 5 }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: shop }
spec: { replicas: 9 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { generateName: batch-, namespace: shop }
spec: { replicas: 6 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: unset, namespace: shop }
spec: {}
---
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: listed, namespace: shop }
    spec: { replicas: 8 }
`;

describe("the replicas example (demo-policy.example.com)", () => {
  it("denies more than five replicas, at the resource's name, and reports an expression that errors", async () => {
    const findings = scan(await fixtureRules("replicas.yaml"), REPLICAS_MANIFESTS);
    const denied = "ValidatingAdmissionPolicy 'demo-policy.example.com' denies";
    expect(located(findings)).toEqual([
      ["web", 4, 3, `${denied} Deployment shop/web: failed expression: object.spec.replicas <= 5`],
      [undefined, 19, 1, `${denied} Deployment shop/(unnamed): failed expression: object.spec.replicas <= 5`],
      [
        "unset",
        ...positionOf(REPLICAS_MANIFESTS, "name: unset"),
        `${denied} Deployment shop/unset: expression 'object.spec.replicas <= 5' resulted in error: field not found: replicas`,
      ],
      [
        "listed",
        ...positionOf(REPLICAS_MANIFESTS, "name: listed"),
        `${denied} Deployment shop/listed: failed expression: object.spec.replicas <= 5`,
      ],
    ]);
    expect(new Set(findings.map((finding) => finding.ruleId))).toEqual(new Set(["policy/demo-policy.example.com"]));
    expect(new Set(findings.map((finding) => finding.fingerprint)).size).toBe(findings.length);
  });

  it("describes the policy as a rule", async () => {
    const [rule] = await fixtureRules("replicas.yaml");
    expect(rule?.descriptor).toMatchObject({
      id: "policy/demo-policy.example.com",
      kind: "misconfiguration",
      title: "demo-policy.example.com",
      severity: "medium",
      score: 5.5,
      helpUri: "https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/",
      standards: [],
    });
    expect(rule?.descriptor.description).toBe(
      'The ValidatingAdmissionPolicy "demo-policy.example.com" from test/fixtures/policies/replicas.yaml, evaluated as the API server evaluates a CREATE of each resource it matches (deployments in API group apps). A resource is denied when one of these validations is false: `object.spec.replicas <= 5`. An expression that cannot be evaluated is reported too (failurePolicy Fail).',
    );
  });
});

describe("the matchConditions example", () => {
  const manifests = documents(
    configMap("demo-settings"),
    { ...configMap("demo-settings"), metadata: { name: "demo-settings", namespace: "demo" } },
    configMap("settings"),
    { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "demo-lock", namespace: "default" } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "demo-reader", namespace: "default" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } },
  );

  it("skips leases and RBAC objects, denies demo objects outside the demo namespace", async () => {
    const expression = "!object.metadata.name.contains('demo') || object.metadata.namespace == 'demo'";
    expect(messages(scan(await fixtureRules("match-conditions.yaml"), manifests))).toEqual([
      `ValidatingAdmissionPolicy 'demo-policy.example.com' denies ConfigMap default/demo-settings: failed expression: ${expression}`,
      // A cluster-scoped object has no metadata.namespace: the API server's evaluation errors the same way.
      `ValidatingAdmissionPolicy 'demo-policy.example.com' denies Namespace demo: expression '${expression}' resulted in error: field not found: namespace`,
    ]);
  });

  it("takes the title and severity from the annotations", async () => {
    const [rule] = await fixtureRules("match-conditions.yaml");
    expect([rule?.descriptor.title, rule?.descriptor.severity, rule?.descriptor.score]).toEqual([
      "Demo objects only in the demo namespace",
      "high",
      8,
    ]);
  });
});

describe("the variables example (image-matches-namespace-environment)", () => {
  const deployment = (name: string, namespace: string, labels: object | undefined, images: string[]) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, ...(labels && { labels }) },
    spec: { template: { spec: { containers: images.map((image, index) => ({ name: `c${index}`, image })) } } },
  });
  const manifests = documents(
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "staging", labels: { environment: "staging" } } },
    deployment("api", "staging", { app: "api" }, ["staging.example.com/api:1", "prod.example.com/sidecar:1", "nginx:1.27"]),
    deployment("web", "staging", { app: "web" }, ["staging.example.com/web:2", "docker.io/library/redis:7"]),
    deployment("legacy", "staging", { exempt: "true" }, ["prod.example.com/old:1"]),
    deployment("payments", "payments", { app: "pay" }, ["staging.example.com/pay:1"]),
    deployment("bare-ok", "staging", undefined, ["staging.example.com/bare:1"]),
    deployment("bare-bad", "staging", undefined, ["prod.example.com/bare:1"]),
  );

  it("uses the namespace's environment label, the messageExpression, and CEL's error absorption", async () => {
    const policyName = "ValidatingAdmissionPolicy 'image-matches-namespace-environment.policy.example.com'";
    expect(messages(scan(await fixtureRules("variables.yaml"), manifests))).toEqual([
      `${policyName} denies Deployment staging/api: only staging images are allowed in namespace staging`,
      // payments is not in the scanned set: its namespaceObject has no environment label, so 'prod'.
      `${policyName} denies Deployment payments/payments: only prod images are allowed in namespace payments`,
      // Without labels `variables.exempt` errors; `||` absorbs that for bare-ok (the images pass), not for bare-bad.
      `${policyName} denies Deployment staging/bare-bad: expression 'variables.exempt || variables.containersToCheck.all(c, c.image.startsWith(variables.environment + '.'))' resulted in error: variable 'exempt' resulted in error: field not found: labels`,
    ]);
  });
});

describe("params (the ReplicaLimit example)", () => {
  const deployment = (name: string, namespace: string, replicas: number) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: { replicas },
  });
  const namespaces = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "test-ns", labels: { environment: "test" } } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod-ns", labels: { environment: "prod" } } },
  ];

  it("evaluates with the param the binding names, only where the binding's namespaceSelector matches", async () => {
    const manifests = documents(
      ...namespaces,
      deployment("big", "test-ns", 5),
      deployment("small", "test-ns", 3),
      deployment("huge", "prod-ns", 50),
      deployment("far", "unscanned", 4),
    );
    const setting = "[binding 'replicalimit-binding-test.example.com', params ReplicaLimit default/replica-limit-test.example.com]";
    expect(messages(scan(await fixtureRules("replica-limit.yaml"), manifests))).toEqual([
      `ValidatingAdmissionPolicy 'deploy-replica-policy.example.com' denies Deployment test-ns/big: ${setting} object.spec.replicas must be no greater than 3`,
      // The namespace "unscanned" is not in the set: its environment label is unknown, the selector is assumed to match.
      `ValidatingAdmissionPolicy 'deploy-replica-policy.example.com' denies Deployment unscanned/far: ${setting} object.spec.replicas must be no greater than 3`,
    ]);
  });

  it("evaluates once per param of the paramKind when no binding is in the files", async () => {
    const limit = (name: string, maxReplicas: number) => ({
      apiVersion: "rules.example.com/v1",
      kind: "ReplicaLimit",
      metadata: { name, namespace: "default" },
      maxReplicas,
    });
    const rules = await policyRules({
      "p.yaml": documents(
        JSON.parse(
          policy({
            paramKind: { apiVersion: "rules.example.com/v1", kind: "ReplicaLimit" },
            validations: [{ expression: "object.spec.replicas <= params.maxReplicas", message: "too many replicas" }],
          }),
        ),
        limit("strict", 3),
        limit("loose", 100),
      ),
    });
    expect(messages(scan(rules, documents(deployment("mid", "test-ns", 50), deployment("max", "test-ns", 200))))).toEqual([
      "ValidatingAdmissionPolicy 'p' denies Deployment test-ns/mid: [params ReplicaLimit default/strict] too many replicas",
      "ValidatingAdmissionPolicy 'p' denies Deployment test-ns/max: [params ReplicaLimit default/strict] too many replicas; [params ReplicaLimit default/loose] too many replicas",
    ]);
  });

  it("refuses a policy whose params are not in the policy files, unless the binding allows that", async () => {
    const needsParams = policy({ paramKind: { apiVersion: "rules.example.com/v1", kind: "ReplicaLimit" } });
    const error = await policyError(needsParams);
    expect(error.message).toBe(
      'policy file p.yaml, line 1: the ValidatingAdmissionPolicy "p" needs params (rules.example.com/v1 ReplicaLimit), but the policy files hold none.',
    );
    expect(error.hint).toContain("Add the ReplicaLimit resource to a file passed with --policy");
    const allowed = documents(JSON.parse(needsParams), {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: "b" },
      spec: { policyName: "p", validationActions: ["Deny"], paramRef: { name: "absent", parameterNotFoundAction: "Allow" } },
    });
    expect(scan(await policyRules({ "p.yaml": allowed }), documents(configMap("c")))).toEqual([]);
  });
});

describe("validationActions and severity", () => {
  const bound = (actions: string[], metadata?: object) =>
    documents(JSON.parse(policy({}, metadata)), {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: "b" },
      spec: { policyName: "p", validationActions: actions },
    });

  it("is medium for Deny (or no binding), low for Warn, info for Audit, unless the annotation says otherwise", async () => {
    const severityOf = async (text: string) => (await policyRules({ "p.yaml": text }))[0]?.descriptor.severity;
    expect(await severityOf(policy({}))).toBe("medium");
    expect(await severityOf(bound(["Deny", "Audit"]))).toBe("medium");
    expect(await severityOf(bound(["Warn", "Audit"]))).toBe("low");
    expect(await severityOf(bound(["Audit"]))).toBe("info");
    expect(await severityOf(bound(["Audit"], { name: "p", annotations: { "portcullis.dev/severity": "critical" } }))).toBe("critical");
  });

  it("names the binding in findings and ignores bindings of other policies", async () => {
    const text = `${bound(["Warn"])}\n---\n${JSON.stringify({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: "elsewhere" },
      spec: { policyName: "not-in-these-files", validationActions: ["Deny"] },
    })}`;
    expect(messages(scan(await policyRules({ "p.yaml": text }), documents(configMap("c"))))).toEqual([
      "ValidatingAdmissionPolicy 'p' denies ConfigMap default/c: [binding 'b'] failed expression: false",
    ]);
  });
});

describe("matching a CREATE of each resource", () => {
  const denied = async (spec: object, manifests: object[]) =>
    scan(await policyRules({ "p.yaml": policy(spec) }), documents(...manifests)).map((finding) => finding.resource?.name);
  const rule = (fields: object) => ({ apiGroups: ["*"], apiVersions: ["*"], resources: ["*"], operations: ["*"], ...fields });
  const pod = (name: string, metadata: object = {}) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", ...metadata },
  });

  it("needs CREATE (or *) among the operations", async () => {
    expect(await denied({ matchConstraints: { resourceRules: [rule({ operations: ["UPDATE", "DELETE"] })] } }, [pod("a")])).toEqual([]);
    expect(await denied({ matchConstraints: { resourceRules: [rule({ operations: ["*"] })] } }, [pod("a")])).toEqual(["a"]);
  });

  it("matches API groups, plural resources, subresource patterns, scope and resourceNames", async () => {
    const manifests = [
      pod("p"),
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "default" } },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "np", namespace: "default" } },
      { apiVersion: "v1", kind: "Endpoints", metadata: { name: "ep", namespace: "default" } },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "cr" } },
    ];
    const only = (fields: object) => denied({ matchConstraints: { resourceRules: [rule(fields)] } }, manifests);
    expect(await only({ apiGroups: [""] })).toEqual(["p", "ep"]);
    expect(await only({ apiGroups: ["apps"], resources: ["deployments"] })).toEqual(["d"]);
    expect(await only({ resources: ["networkpolicies", "endpoints"] })).toEqual(["np", "ep"]);
    expect(await only({ resources: ["pods/*"] })).toEqual(["p"]);
    expect(await only({ resources: ["pods/status"] })).toEqual([]);
    expect(await only({ resources: ["*/*"] })).toEqual(["p", "d", "np", "ep", "cr"]);
    expect(await only({ scope: "Cluster" })).toEqual(["cr"]);
    expect(await only({ scope: "Namespaced" })).toEqual(["p", "d", "np", "ep"]);
    expect(await only({ resourceNames: ["d", "cr"] })).toEqual(["d", "cr"]);
  });

  it("checks versions only with matchPolicy Exact, and lets excludeResourceRules win", async () => {
    const manifests = [{ apiVersion: "apps/v1beta2", kind: "Deployment", metadata: { name: "old", namespace: "default" } }, pod("p")];
    const deployments = rule({ apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"] });
    expect(await denied({ matchConstraints: { resourceRules: [deployments] } }, manifests)).toEqual(["old"]);
    expect(await denied({ matchConstraints: { resourceRules: [deployments], matchPolicy: "Exact" } }, manifests)).toEqual([]);
    expect(
      await denied({ matchConstraints: { resourceRules: [rule({})], excludeResourceRules: [rule({ resources: ["pods"] })] } }, manifests),
    ).toEqual(["old"]);
  });

  it("names custom resources by the CRD in the scanned set, else by the lower-case plural", async () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "mice.example.com" },
      spec: { group: "example.com", names: { kind: "Mouse", plural: "mice" }, scope: "Cluster" },
    };
    const mouse = { apiVersion: "example.com/v1", kind: "Mouse", metadata: { name: "jerry" } };
    const policyObject = { apiVersion: "example.com/v1", kind: "Policy", metadata: { name: "pol", namespace: "default" } };
    const only = (fields: object) => denied({ matchConstraints: { resourceRules: [rule(fields)] } }, [crd, mouse, policyObject]);
    expect(await only({ apiGroups: ["example.com"], resources: ["mice"], scope: "Cluster" })).toEqual(["jerry"]);
    expect(await only({ apiGroups: ["example.com"], resources: ["mouses"] })).toEqual([]);
    expect(await only({ apiGroups: ["example.com"], resources: ["policies"], scope: "Namespaced" })).toEqual(["pol"]);
  });

  it("selects objects by their labels with matchLabels and every operator", async () => {
    const manifests = [
      pod("prod", { labels: { tier: "web", env: "prod" } }),
      pod("dev", { labels: { tier: "web", env: "dev" } }),
      pod("plain"),
    ];
    const selecting = (objectSelector: object) => denied({ matchConstraints: { ...ANY_CREATE, objectSelector } }, manifests);
    expect(await selecting({})).toEqual(["prod", "dev", "plain"]);
    expect(await selecting({ matchLabels: { env: "prod" } })).toEqual(["prod"]);
    expect(await selecting({ matchExpressions: [{ key: "env", operator: "In", values: ["dev", "qa"] }] })).toEqual(["dev"]);
    expect(await selecting({ matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }] })).toEqual(["prod", "plain"]);
    expect(await selecting({ matchExpressions: [{ key: "tier", operator: "Exists" }] })).toEqual(["prod", "dev"]);
    expect(await selecting({ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] })).toEqual(["plain"]);
    expect(
      await selecting({ matchLabels: { tier: "web" }, matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }),
    ).toEqual(["dev"]);
  });

  it("selects namespaces from the scanned set, by name label when the namespace is not in it", async () => {
    const manifests = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "team", labels: { owner: "team" } } },
      pod("in-team", { namespace: "team" }),
      pod("in-default"),
      pod("no-namespace", { namespace: undefined }),
      pod("in-kube-system", { namespace: "kube-system" }),
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "cluster-wide" } },
    ];
    const selecting = (namespaceSelector: object) => denied({ matchConstraints: { ...ANY_CREATE, namespaceSelector } }, manifests);
    // Unknown namespaces are assumed to have the label; cluster-scoped objects other than a Namespace are always selected.
    expect(await selecting({ matchLabels: { owner: "team" } })).toEqual([
      "team",
      "in-team",
      "in-default",
      "no-namespace",
      "in-kube-system",
      "cluster-wide",
    ]);
    expect(await selecting({ matchLabels: { owner: "other" } })).toEqual(["in-default", "no-namespace", "in-kube-system", "cluster-wide"]);
    // The name label is known for every namespace; a resource without metadata.namespace goes to default.
    expect(
      await selecting({
        matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "default"] }],
      }),
    ).toEqual(["team", "in-team", "cluster-wide"]);
  });
});

describe("the CEL environment", () => {
  const object = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web-1", namespace: "shop", labels: { app: "web" } },
    spec: {
      replicas: 3,
      ratio: 0.5,
      ports: [8080, 443, 80],
      template: {
        spec: {
          containers: [
            { name: "app", image: "registry.example.com/app:1.2", env: [{ name: "MODE", value: "prod" }] },
            { name: "proxy", image: "envoy@sha256:abc" },
          ],
        },
      },
    },
  };
  const holds = [
    // Numbers: integers are int, other numbers double; request describes the CREATE.
    "object.spec.replicas + 1 == 4 && type(object.spec.replicas) == int && object.spec.ratio == 0.5",
    "request.operation == 'CREATE' && request.kind.kind == 'Deployment' && request.resource.resource == 'deployments' && request.resource.group == 'apps'",
    "request.namespace == 'shop' && request.name == 'web-1' && oldObject == null && request.userInfo.groups == []",
    "namespaceObject.metadata.name == 'shop' && namespaceObject.metadata.labels['kubernetes.io/metadata.name'] == 'shop'",
    // Macros.
    "has(object.metadata.labels) && !has(object.metadata.annotations) && has(object.spec.template.spec.containers[0].env)",
    "object.spec.template.spec.containers.all(c, c.name.size() > 0) && object.spec.template.spec.containers.exists(c, c.name == 'proxy')",
    "object.spec.template.spec.containers.exists_one(c, c.image.contains('@sha256:'))",
    "object.spec.template.spec.containers.map(c, c.name) == ['app', 'proxy'] && object.spec.ports.filter(p, p < 1024) == [443, 80]",
    "object.metadata.labels.all(key, key == 'app') && 'app' in object.metadata.labels",
    // Strings, the strings extension and RE2 regular expressions.
    "object.metadata.name.startsWith('web') && object.metadata.name.endsWith('-1') && object.metadata.name.matches('^[a-z]+-[0-9]$')",
    "'a,b'.split(',') == ['a', 'b'] && 'Web'.lowerAscii() == 'web' && 'x-y'.replace('-', '_') == 'x_y' && ' s '.trim() == 's'",
    "'abc'.charAt(1) == 'b' && 'abcb'.lastIndexOf('b') == 3 && 'abc'.substring(1, 2) == 'b' && ['a', 'b'].join('/') == 'a/b'",
    "'%s has %d'.format(['web', 3]) == 'web has 3' && 'web'.upperAscii() == 'WEB'",
    // The Kubernetes list library.
    "object.spec.ports.sum() == 8603 && object.spec.ports.min() == 80 && object.spec.ports.max() == 8080",
    "[1, 2, 3].isSorted() && !object.spec.ports.isSorted() && object.spec.ports.indexOf(443) == 1 && [1, 2, 1].lastIndexOf(1) == 2",
    "[].sum() == 0 && ['b', 'a'].min() == 'a' && [0.5, 1.5].sum() == 2.0 && object.spec.ports.indexOf(1) == -1",
  ];

  it.each(holds)("evaluates %s to true", async (expression) => {
    const rules = await policyRules({ "p.yaml": policy({ validations: [{ expression }] }) });
    expect(messages(scan(rules, documents(object)))).toEqual([]);
  });

  it("sees the namespace the API server fills in for a namespaced resource without one, and none for a cluster-scoped one", async () => {
    const expression =
      "request.namespace == 'default' && object.metadata.namespace == 'default' && namespaceObject.metadata.name == 'default'";
    const rules = await policyRules({ "p.yaml": policy({ validations: [{ expression }] }) });
    const clusterRole = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "cr" } };
    expect(messages(scan(rules, documents({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }, clusterRole)))).toEqual([
      `ValidatingAdmissionPolicy 'p' denies ClusterRole cr: failed expression: ${expression}`,
    ]);
  });

  it.each([
    ["[].min()", "min() called on an empty list"],
    ["['a', 1].isSorted()", "cannot compare string with int"],
    ["[1, 2.5].sum() > 0", "sum() needs a list of only ints or only doubles"],
    ["object.metadata.name.matches('[')", "missing closing ]"],
    ["int('x') == 1", "Cannot convert x to a BigInt"],
  ])("reports the runtime error of %s", async (expression, reason) => {
    const rules = await policyRules({ "p.yaml": policy({ validations: [{ expression }] }) });
    const [message] = messages(scan(rules, documents(object)));
    expect(message).toContain(`expression '${expression}' resulted in error: `);
    expect(message).toContain(reason);
  });
});

describe("failurePolicy and matchConditions", () => {
  const failing = { expression: "object.spec.missing == 1" };
  const run = async (spec: object) => messages(scan(await policyRules({ "p.yaml": policy(spec) }), documents(configMap("c"))));

  it("reports an evaluation error with Fail and ignores it with Ignore", async () => {
    expect(await run({ validations: [failing] })).toEqual([
      "ValidatingAdmissionPolicy 'p' denies ConfigMap default/c: expression 'object.spec.missing == 1' resulted in error: field not found: spec",
    ]);
    expect(await run({ failurePolicy: "Ignore", validations: [failing, { expression: "false", message: "still denied" }] })).toEqual([
      "ValidatingAdmissionPolicy 'p' denies ConfigMap default/c: still denied",
    ]);
  });

  it("skips the policy when any condition is false, even if another errors; an error alone follows failurePolicy", async () => {
    const erroring = { name: "broken", expression: "object.spec.missing" };
    expect(await run({ matchConditions: [erroring, { name: "never", expression: "false" }] })).toEqual([]);
    expect(await run({ matchConditions: [erroring, { name: "always", expression: "true" }] })).toEqual([
      "ValidatingAdmissionPolicy 'p' denies ConfigMap default/c: matchCondition 'broken': expression 'object.spec.missing' resulted in error: field not found: spec",
    ]);
    expect(await run({ failurePolicy: "Ignore", matchConditions: [erroring] })).toEqual([]);
  });

  it("treats a non-boolean result of a dynamic expression as an error", async () => {
    expect(await run({ validations: [{ expression: "object.metadata.name" }] })).toEqual([
      "ValidatingAdmissionPolicy 'p' denies ConfigMap default/c: expression 'object.metadata.name' must evaluate to bool, but evaluated to string",
    ]);
  });
});

describe("denial messages", () => {
  const run = async (validation: object) =>
    messages(
      scan(await policyRules({ "p.yaml": policy({ validations: [{ expression: "false", ...validation }] }) }), documents(configMap("c"))),
    );
  const prefix = "ValidatingAdmissionPolicy 'p' denies ConfigMap default/c: ";

  it("prefers a usable messageExpression, then message, then the failed expression", async () => {
    expect(await run({ messageExpression: "'name ' + object.metadata.name", message: "static" })).toEqual([`${prefix}name c`]);
    expect(await run({ messageExpression: "'  '", message: " static " })).toEqual([`${prefix}static`]);
    expect(await run({ messageExpression: "'two\\nlines'", message: "static" })).toEqual([`${prefix}static`]);
    expect(await run({ messageExpression: "object.missing", message: "static" })).toEqual([`${prefix}static`]);
    expect(await run({ messageExpression: "object.metadata.name + 'x'.substring(5)" })).toEqual([`${prefix}failed expression: false`]);
  });
  it("puts a multi-line expression on one line, and lists validations with their reason in the description", async () => {
    const [rule] = await policyRules({
      "p.yaml": `${HEADER}  validations:\n    - expression: |\n        object.metadata.name.startsWith('a') &&\n        object.metadata.name.endsWith('z')\n      reason: Forbidden\n`,
    });
    if (!rule) throw new Error("no rule");
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" } };
    const expression = "object.metadata.name.startsWith('a') && object.metadata.name.endsWith('z')";
    expect(messages(scan([rule], documents(deployment)))).toEqual([
      `ValidatingAdmissionPolicy 'broken' denies Deployment default/web: failed expression: ${expression}`,
    ]);
    expect(rule.descriptor.description).toContain(`these validations is false: \`${expression}\` (reason Forbidden).`);
  });
});

describe("runaway and hostile input", () => {
  it("stops an expression that runs away, after its iteration budget", async () => {
    const hundred = `[${Array.from({ length: 100 }, (_, index) => index).join(", ")}]`;
    const expression = `${hundred}.all(a, ${hundred}.all(b, ${hundred}.all(c, ${hundred}.all(d, a + b + c + d >= 0))))`;
    const rules = await policyRules({ "p.yaml": policy({ validations: [{ expression }] }) });
    const started = performance.now();
    const [message] = messages(scan(rules, documents(configMap("c"))));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(message).toMatch(/resulted in error: the evaluation exceeded its budget of 1,000,000 comprehension iterations and was stopped$/);
  });

  it("matches regular expressions in linear time (RE2), so a catastrophic pattern cannot hang the scan", async () => {
    const rules = await policyRules({ "p.yaml": policy({ validations: [{ expression: "object.data.value.matches('^(a+)+$')" }] }) });
    const started = performance.now();
    const findings = scan(rules, documents(configMap("c", { data: { value: `${"a".repeat(20_000)}!` } })));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(messages(findings)).toEqual([
      "ValidatingAdmissionPolicy 'p' denies ConfigMap default/c: failed expression: object.data.value.matches('^(a+)+$')",
    ]);
  });

  it("evaluates hostile resource shapes without throwing", async () => {
    const rules = await fixtureRules("variables.yaml");
    const manifests = [
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: 7\nspec: x\n",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: strings, namespace: n, labels: { a: b } }\nspec: { template: { spec: { containers: x } } }\n",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: nulls, namespace: n, labels: null }\nspec: { template: { spec: { containers: [null, 7, { image: 5 }] } } }\n",
    ].join("---\n");
    const findings = scan(rules, manifests);
    expect(located(findings).map(([name, line, column]) => [name, line, column])).toEqual([
      [undefined, 1, 1],
      ["strings", ...positionOf(manifests, "name: strings")],
      ["nulls", ...positionOf(manifests, "name: nulls")],
    ]);
    expect(messages(findings).every((message) => message.includes("resulted in error"))).toBe(true);
  });
});

const HEADER = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: broken
spec:
  matchConstraints:
    resourceRules: [{ apiGroups: [apps], apiVersions: [v1], resources: [deployments], operations: [CREATE] }]
`;

describe("policies that cannot be used are UserErrors naming the file and line", () => {
  const problem = async (text: string) => (await policyError(text)).message;
  const validation = (expression: string) => `${HEADER}  validations:\n    - expression: ${JSON.stringify(expression)}\n`;

  it("names an expression that does not compile and the compiler's message", async () => {
    const error = await policyError(validation("object.spec.replicas <= "));
    expect(error.message).toBe(
      "policy file p.yaml, line 9: the validation expression `object.spec.replicas <=` does not compile: syntax error at 1:22: found < but expecting end of input.",
    );
    expect(error.hint).toContain("optional types (`.?`)");
  });

  it.each([
    ["'hello'", "it must evaluate to bool, but it evaluates to string"],
    ["object.spec.replicas + 1", "it must evaluate to bool, but it evaluates to int"],
    ["[true]", "it must evaluate to bool, but it evaluates to list"],
    ["size(object) > 1 ? 'yes' : 'no'", "it must evaluate to bool, but it evaluates to string"],
    ["obj.spec.replicas > 1", "undeclared reference to 'obj'"],
    ["object.spec.replicas.quantity() > 1", "undeclared reference to function 'quantity'"],
    ["object.spec.containers.all(c)", "the macro 'all' is written list.all(x, predicate)"],
    ["has(object)", "the macro 'has' is written has(x.field)"],
    ["'abc'.contains()", "found no matching overload for 'contains' as a method call with 0 argument(s)"],
    [
      "authorizer.group('').resource('pods').check('get').allowed()",
      "it uses `authorizer`, which needs a live cluster's authorization and cannot be evaluated offline",
    ],
    ["params.maxReplicas > 1", "it uses `params`, but the policy has no spec.paramKind"],
    ["variables.missing", "variables.missing is not defined (a variable can only use the variables listed before it)"],
    ["object.?spec.orValue(1) == 1", "syntax error at 1:7: found . but expecting end of input"],
  ])("rejects %s", async (expression, reason) => {
    expect(await problem(validation(expression))).toBe(
      `policy file p.yaml, line 9: the validation expression \`${expression}\` does not compile: ${reason}.`,
    );
  });

  it("rejects an expression nested too deeply to compile, quoting it shortened", async () => {
    const deep = `${"(".repeat(3000)}true${")".repeat(3000)}`;
    expect(await problem(validation(deep))).toBe(
      `policy file p.yaml, line 9: the validation expression \`${"(".repeat(199)}…\` does not compile: it is nested too deeply.`,
    );
  });

  it("rejects a variable that uses a later one, a messageExpression that is not a string, a non-boolean matchCondition", async () => {
    const variables = `${HEADER}  variables:\n    - name: first\n      expression: "variables.second"\n    - name: second\n      expression: "1"\n  validations: [{ expression: "true" }]\n`;
    expect(await problem(variables)).toBe(
      "policy file p.yaml, line 10: the variable `variables.second` does not compile: variables.second is not defined (a variable can only use the variables listed before it).",
    );
    const message = `${HEADER}  validations:\n    - expression: "true"\n      messageExpression: "size(object)"\n`;
    expect(await problem(message)).toBe(
      "policy file p.yaml, line 10: the messageExpression `size(object)` does not compile: it must evaluate to string, but it evaluates to int.",
    );
    const condition = `${HEADER}  matchConditions: [{ name: c, expression: "'yes'" }]\n  validations: [{ expression: "true" }]\n`;
    expect(await problem(condition)).toBe(
      "policy file p.yaml, line 8: the matchCondition `'yes'` does not compile: it must evaluate to bool, but it evaluates to string.",
    );
  });

  it.each([
    [
      `${HEADER}`,
      "line 5: spec.validations must list at least one validation (Portcullis reports failed validations; auditAnnotations are not findings)",
    ],
    [`${HEADER}  validations: x\n`, "line 8: spec.validations must be a list"],
    [`${HEADER}  validations: [{ message: m }]\n`, "line 8: spec.validations[0].expression is required"],
    [`${HEADER}  validations: [{ expression: 5 }]\n`, "line 8: spec.validations[0].expression must be a string"],
    [
      `${HEADER}  failurePolicy: Sometimes\n  validations: [{ expression: "true" }]\n`,
      'line 8: spec.failurePolicy must be one of Fail, Ignore, not "Sometimes"',
    ],
    [
      `${HEADER.replace("  name: broken\n", "  name: broken\n  annotations: { portcullis.dev/severity: urgent }\n")}  validations: [{ expression: "true" }]\n`,
      'line 5: severity "urgent" is not one of critical, high, medium, low, info',
    ],
    [
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: 7\nspec: {}\n",
      "line 3: metadata.name is required",
    ],
    [
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: { name: x }\nspec: x\n",
      "line 4: spec must be a map",
    ],
    [
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: { name: x }\nspec:\n  validations: [{ expression: 'true' }]\n",
      "line 4: spec.matchConstraints is required",
    ],
    [
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: { name: x }\nspec:\n  matchConstraints:\n    resourceRules: [7]\n  validations: [{ expression: 'true' }]\n",
      "line 6: spec.matchConstraints.resourceRules[0] must be a map",
    ],
    [
      "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: { name: x }\nspec:\n  matchConstraints:\n    resourceRules: [{ apiGroups: [''], apiVersions: [v1], resources: [pods] }]\n  validations: [{ expression: 'true' }]\n",
      "line 6: spec.matchConstraints.resourceRules[0].operations must list at least one value",
    ],
    [
      `${HEADER}    objectSelector: { matchExpressions: [{ key: a, operator: Near, values: [b] }] }\n  validations: [{ expression: "true" }]\n`,
      'line 8: spec.matchConstraints.objectSelector.matchExpressions[0].operator must be one of In, NotIn, Exists, DoesNotExist, not "Near"',
    ],
    [
      `${HEADER}    namespaceSelector: { matchExpressions: [{ key: a, operator: Exists, values: [b] }] }\n  validations: [{ expression: "true" }]\n`,
      "line 8: spec.matchConstraints.namespaceSelector.matchExpressions[0].values: Exists takes no values",
    ],
    [
      `${HEADER}  validations: [{ expression: "true" }]\n---\n${HEADER}  validations: [{ expression: "true" }]\n`,
      'line 13: a second ValidatingAdmissionPolicy is named "broken"',
    ],
  ])("rejects a malformed policy (%#)", async (text, reason) => {
    expect(await problem(text)).toBe(`policy file p.yaml, ${reason}.`);
  });

  it("rejects files that are not policy files", async () => {
    expect(await problem("a: [1\n")).toMatch(/^policy file p\.yaml, line 2: invalid YAML: /);
    expect(await problem("# nothing yet\n")).toBe("policy file p.yaml is empty.");
    expect(await problem("just: data\n")).toBe(
      "policy file p.yaml holds 1 document(s) that are not Kubernetes objects (no apiVersion and kind).",
    );
    expect(await problem(documents(configMap("c")))).toBe("the policy files hold no ValidatingAdmissionPolicy (1 other document(s)).");
    const missing = await loadCelPolicies(["test/fixtures/policies/absent.yaml"], process.cwd()).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(UserError);
    expect((missing as UserError).message).toBe("policy file test/fixtures/policies/absent.yaml cannot be read (ENOENT).");
  });

  it("rejects two policies of the same name across files", async () => {
    await expect(fixtureRules("replicas.yaml", "match-conditions.yaml")).rejects.toThrow(
      'policy file test/fixtures/policies/match-conditions.yaml, line 6: a second ValidatingAdmissionPolicy is named "demo-policy.example.com".',
    );
  });

  it("loads nothing from no files", async () => {
    expect(await loadCelPolicies([], process.cwd())).toEqual([]);
  });
});
