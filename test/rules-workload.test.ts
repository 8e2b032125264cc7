import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_RULE_OPTIONS, loadManifests, runRules, toWorkloads } from "../core/src/index.js";
import { maskSecret, secretSuspicion } from "../core/src/rules/secret-patterns.js";
import { WORKLOAD_HYGIENE_RULES } from "../core/src/rules/workload-hygiene.js";

function findingsFor(text: string, ruleId?: string, path = "w.yaml") {
  const { resources } = loadManifests([{ path, text }]);
  const findings = runRules(WORKLOAD_HYGIENE_RULES, { resources, workloads: toWorkloads(resources), options: DEFAULT_RULE_OPTIONS }, "t");
  return ruleId ? findings.filter((finding) => finding.ruleId === ruleId) : findings;
}

function at(findings: ReturnType<typeof findingsFor>): string[] {
  return findings.map((finding) => `${finding.location?.startLine}:${finding.location?.startColumn} ${finding.message}`);
}

/** A Deployment "web" in namespace shop with this pod spec (indented by the caller, from line 8 on). */
function deployment(podSpec: string, namespace = "shop"): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: ${namespace} }\nspec:\n  template:\n    metadata: { labels: { app: web, tier: front } }\n    spec:\n${podSpec}`;
}

describe("resource requests and limits", () => {
  const podSpec = [
    "      initContainers:",
    "        - name: migrate",
    "          image: app:1",
    "          resources:",
    "            limits: { cpu: 200m, memory: 128Mi }",
    "      containers:",
    "        - name: app",
    "          image: app:1",
    "          resources:",
    "            requests: { cpu: 100m }",
    "            limits: { memory: 256Mi }",
    "        - name: bare",
    "          image: app:1",
    "      ephemeralContainers:",
    "        - name: debug",
    "          image: busybox:1",
    "",
  ].join("\n");

  it("report what each init and regular container lacks, at resources or the container's name", () => {
    expect(at(findingsFor(deployment(podSpec), "workload-resource-limits-missing"))).toEqual([
      '18:13 Container "app" in Deployment shop/web sets no cpu limit.',
      '19:11 Container "bare" in Deployment shop/web sets no cpu or memory limit.',
    ]);
    expect(at(findingsFor(deployment(podSpec), "workload-resource-requests-missing"))).toEqual([
      '19:11 Container "bare" in Deployment shop/web sets no cpu or memory request.',
    ]);
  });

  it("take the defaults of a LimitRange in the same namespace, with Kubernetes' defaulting from max", () => {
    const limitRange = (namespace: string, item: string) =>
      `---\napiVersion: v1\nkind: LimitRange\nmetadata: { name: defaults, namespace: ${namespace} }\nspec:\n  limits:\n    - ${item}\n`;
    const covered = `${deployment(podSpec)}${limitRange("shop", "{ type: Container, max: { cpu: '1' }, defaultRequest: { memory: 64Mi } }")}`;
    expect(at(findingsFor(covered, "workload-resource-limits-missing"))).toEqual([
      '19:11 Container "bare" in Deployment shop/web sets no memory limit.',
    ]);
    expect(findingsFor(covered, "workload-resource-requests-missing")).toEqual([]);
    const elsewhere = `${deployment(podSpec)}${limitRange("other", "{ type: Container, default: { cpu: '1', memory: 1Gi } }")}`;
    expect(findingsFor(elsewhere, "workload-resource-limits-missing")).toHaveLength(2);
    const podLevel = `${deployment(podSpec)}${limitRange("shop", "{ type: Pod, max: { cpu: '1', memory: 1Gi } }")}`;
    expect(findingsFor(podLevel, "workload-resource-limits-missing")).toHaveLength(2);
  });
});

describe("workload-probes-missing", () => {
  it("reports the containers and sidecars of long-running workloads, at their name", () => {
    const text = deployment(
      [
        "      initContainers:",
        "        - { name: setup, image: a:1 }",
        "        - { name: proxy, image: a:1, restartPolicy: Always }",
        "      containers:",
        "        - name: app",
        "          image: a:1",
        "          readinessProbe: { httpGet: { path: /ready, port: 8080 } }",
        "        - name: worker",
        "          image: a:1",
        "          startupProbe: { exec: { command: [true] } }",
        "",
      ].join("\n"),
    );
    expect(at(findingsFor(text, "workload-probes-missing"))).toEqual([
      '10:13 Init container "proxy" in Deployment shop/web has no liveness or readiness probe.',
      '12:11 Container "app" in Deployment shop/web has no liveness probe.',
      '15:11 Container "worker" in Deployment shop/web has no liveness or readiness probe.',
    ]);
  });

  it("leaves Jobs, CronJobs and pods that are not restarted alone", () => {
    const job =
      "apiVersion: batch/v1\nkind: Job\nmetadata: { name: j }\nspec:\n  template:\n    spec:\n      containers: [{ name: a, image: a:1 }]\n";
    const cronJob =
      "apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: c }\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{ name: a, image: a:1 }]\n";
    const once =
      "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  restartPolicy: OnFailure\n  containers: [{ name: a, image: a:1 }]\n";
    for (const text of [job, cronJob, once]) expect(findingsFor(text, "workload-probes-missing")).toEqual([]);
    expect(findingsFor(once.replace("OnFailure", "Always"), "workload-probes-missing")).toHaveLength(1);
  });
});

describe("workload-env-literal-secret", () => {
  const SECRETS = {
    aws: "AKIAIOSFODNN7EXAMPLE",
    github: `ghp_${"Zq9".repeat(12)}`,
    githubFineGrained: `github_pat_${"A".repeat(22)}_${"b".repeat(59)}`,
    slack: "xoxb-2048-4096-s3cr3tSlackT0ken",
    privateKey: "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLXZhbHVl",
    azure: `DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=${"K3y/+".repeat(17)}==;EndpointSuffix=core.windows.net`,
    url: "postgres://shop:Hunter2Hunter2@db.shop.svc:5432/shop",
    password: "correct-horse-battery",
  };

  it.each([
    ["LOGIN", SECRETS.aws, "its value looks like an AWS access key ID"],
    ["GH", SECRETS.github, "its value looks like a GitHub token"],
    ["GH", SECRETS.githubFineGrained, "its value looks like a GitHub token"],
    ["NOTIFY", SECRETS.slack, "its value looks like a Slack token"],
    ["TLS", SECRETS.privateKey, "its value looks like a private key"],
    ["SESSION", SECRETS.jwt, "its value looks like a JSON Web Token"],
    ["STORAGE", SECRETS.azure, "its value looks like an Azure connection string with an account key"],
    ["DATABASE_URL", SECRETS.url, "its value looks like a URL with an embedded password"],
    ["DB_PASSWORD", SECRETS.password, "its name marks it as a secret"],
    ["RABBITMQ_DEFAULT_PASS", "guest", "its name marks it as a secret"],
    ["stripeApiKey", "sk_live_abc", "its name marks it as a secret"],
    ["AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI", "its name marks it as a secret"],
    ["SERVICE_CREDENTIALS", "{}", "its name marks it as a secret"],
  ])("%s = %j: %s", (name, value, reason) => {
    expect(secretSuspicion(name, value)).toBe(reason);
  });

  it.each([
    ["DB_PASSWORD_FILE", "/run/secrets/db"],
    ["TLS_SECRET_NAME", "shop-tls"],
    ["TOKEN_TTL", "3600"],
    ["ENABLE_TOKEN_AUTH", "true"],
    ["API_KEY", "$(API_KEY_FROM_SECRET)"],
    ["PASSWORD", ""],
    ["PASSTHROUGH", "enabled"],
    ["AWS_ACCESS_KEY_ID", "not-a-key-id"],
    ["DATABASE_URL", "postgres://shop:$(DB_PASSWORD)@db:5432/shop"],
    ["DATABASE_URL", "postgres://db.shop.svc:5432/shop"],
    ["KEY", "value"],
  ])("%s = %j is not a secret", (name, value) => {
    expect(secretSuspicion(name, value)).toBeUndefined();
  });

  it("masks all but a few first characters, never more than a quarter", () => {
    expect(maskSecret("AKIAIOSFODNN7EXAMPLE")).toBe("AKIA…");
    expect(maskSecret("password")).toBe("pa…");
    expect(maskSecret("abc")).toBe("…");
  });

  it("reports each literal at its value, in every container, and never repeats the secret", () => {
    const env = Object.entries(SECRETS)
      .map(([name, value]) => `            - name: ${name.toUpperCase()}\n              value: ${JSON.stringify(value)}\n`)
      .join("");
    const text = deployment(
      `      containers:\n        - name: app\n          image: a:1\n          env:\n${env}            - name: FROM_SECRET\n              valueFrom: { secretKeyRef: { name: s, key: k } }\n      ephemeralContainers:\n        - name: debug\n          image: a:1\n          env: [{ name: ADMIN_TOKEN, value: "${SECRETS.github}" }]\n`,
    );
    const findings = findingsFor(text, "workload-env-literal-secret");
    expect(findings.map((finding) => `${finding.location?.startLine}:${finding.location?.startColumn}`)).toEqual([
      "13:15",
      "15:15",
      "17:15",
      "19:15",
      "21:15",
      "23:15",
      "25:15",
      "27:15",
      "29:15",
      "35:38",
    ]);
    expect(findings[0]?.message).toBe(
      'Container "app" in Deployment shop/web sets AWS to a literal value (AKIA…); its value looks like an AWS access key ID.',
    );
    expect(findings[8]?.message).toBe(
      'Container "app" in Deployment shop/web sets PASSWORD to a literal value (corr…); its name marks it as a secret.',
    );
    expect(findings[9]?.message).toBe(
      'Ephemeral container "debug" in Deployment shop/web sets ADMIN_TOKEN to a literal value (ghp_…); its value looks like a GitHub token.',
    );
    const serialized = JSON.stringify(findings);
    for (const secret of Object.values(SECRETS)) expect(serialized).not.toContain(secret);
    expect(serialized).not.toContain("Hunter2");
  });

  it("finds the hard-coded RabbitMQ and queue passwords of the AKS store demo, masked", () => {
    const file = fileURLToPath(new URL("../../shared/corpora/manifests/aks-store-demo/aks-store-quickstart.yaml", import.meta.url));
    const findings = findingsFor(readFileSync(file, "utf8"), "workload-env-literal-secret", "aks-store-quickstart.yaml");
    expect(at(findings)).toEqual([
      '30:15 Container "rabbitmq" in StatefulSet rabbitmq sets RABBITMQ_DEFAULT_PASS to a literal value (pa…); its name marks it as a secret.',
      '102:15 Container "order-service" in Deployment order-service sets ORDER_QUEUE_PASSWORD to a literal value (pa…); its name marks it as a secret.',
    ]);
  });
});

describe("workload-default-service-account-token", () => {
  const pod = (spec: string, namespace = "shop") =>
    `apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: ${namespace} }\nspec:\n${spec}  containers: [{ name: a, image: a:1 }]\n`;

  it("reports a pod of the default account, at the field that decides it or the pod spec", () => {
    expect(at(findingsFor(pod(""), "workload-default-service-account-token"))).toEqual([
      "4:1 Pod shop/p runs as the default ServiceAccount with its API token mounted (automountServiceAccountToken is not false).",
    ]);
    expect(at(findingsFor(pod("  serviceAccountName: default\n"), "workload-default-service-account-token"))).toEqual([
      "5:3 Pod shop/p runs as the default ServiceAccount with its API token mounted (automountServiceAccountToken is not false).",
    ]);
    expect(
      at(findingsFor(pod("  serviceAccountName: ''\n  automountServiceAccountToken: true\n"), "workload-default-service-account-token")),
    ).toEqual(["6:3 Pod shop/p runs as the default ServiceAccount with its API token mounted (automountServiceAccountToken: true)."]);
  });

  it("accepts an opt-out on the pod, on the namespace's default ServiceAccount, or another account", () => {
    const quietAccount = (namespace: string) =>
      `---\napiVersion: v1\nkind: ServiceAccount\nmetadata: { name: default, namespace: ${namespace} }\nautomountServiceAccountToken: false\n`;
    expect(findingsFor(pod("  automountServiceAccountToken: false\n"), "workload-default-service-account-token")).toEqual([]);
    expect(findingsFor(pod("  serviceAccountName: web\n"), "workload-default-service-account-token")).toEqual([]);
    expect(findingsFor(pod("  serviceAccount: web\n"), "workload-default-service-account-token")).toEqual([]);
    expect(findingsFor(`${pod("")}${quietAccount("shop")}`, "workload-default-service-account-token")).toEqual([]);
    expect(findingsFor(`${pod("")}${quietAccount("other")}`, "workload-default-service-account-token")).toHaveLength(1);
    expect(
      findingsFor(`${pod("  automountServiceAccountToken: true\n")}${quietAccount("shop")}`, "workload-default-service-account-token"),
    ).toHaveLength(1);
  });
});

describe("workload-default-namespace", () => {
  it("reports an explicit default namespace at the field, but not an unset one or a cluster-scoped kind", () => {
    const text = [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: settings",
      "  namespace: default",
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: { name: unset }",
      "---",
      "apiVersion: rbac.authorization.k8s.io/v1",
      "kind: ClusterRole",
      "metadata: { name: reader, namespace: default }",
      "",
    ].join("\n");
    expect(at(findingsFor(text, "workload-default-namespace"))).toEqual([
      "5:3 ConfigMap default/settings is placed in the default namespace.",
    ]);
  });
});

describe("workload-network-policy-missing", () => {
  const namespace = "apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n---\n";
  const workload = deployment("      containers: [{ name: app, image: a:1 }]\n");
  const policy = (selector: string, policyNamespace = "shop", apiVersion = "networking.k8s.io/v1") =>
    `---\napiVersion: ${apiVersion}\nkind: NetworkPolicy\nmetadata: { name: np, namespace: ${policyNamespace} }\nspec:\n  podSelector: ${selector}\n  policyTypes: [Ingress]\n`;

  it("reports a workload of a declared namespace that no policy selects, at its name", () => {
    expect(at(findingsFor(`${namespace}${workload}`, "workload-network-policy-missing"))).toEqual([
      "7:13 Deployment shop/web: no NetworkPolicy in namespace shop selects its pods, so they accept traffic from any pod.",
    ]);
  });

  it.each([
    ["an empty selector", "{}"],
    ["matchLabels", "{ matchLabels: { app: web } }"],
    ["In", "{ matchExpressions: [{ key: tier, operator: In, values: [front, back] }] }"],
    ["NotIn", "{ matchExpressions: [{ key: tier, operator: NotIn, values: [back] }] }"],
    ["Exists", "{ matchExpressions: [{ key: app, operator: Exists }] }"],
    ["DoesNotExist and matchLabels", "{ matchLabels: { app: web }, matchExpressions: [{ key: canary, operator: DoesNotExist }] }"],
  ])("is satisfied by a policy selecting the pods with %s", (_, selector) => {
    expect(findingsFor(`${workload}${policy(selector)}`, "workload-network-policy-missing")).toEqual([]);
  });

  it.each([
    ["other labels", "{ matchLabels: { app: api } }"],
    ["a failing In", "{ matchExpressions: [{ key: tier, operator: In, values: [back] }] }"],
    ["a failing NotIn", "{ matchExpressions: [{ key: tier, operator: NotIn, values: [front] }] }"],
    ["a failing Exists", "{ matchExpressions: [{ key: canary, operator: Exists }] }"],
    ["a failing DoesNotExist", "{ matchExpressions: [{ key: app, operator: DoesNotExist }] }"],
    ["an unknown operator", "{ matchExpressions: [{ key: app, operator: Like, values: [web] }] }"],
    ["a label inherited from Object.prototype", "{ matchExpressions: [{ key: constructor, operator: Exists }] }"],
    ["a malformed selector", "[app]"],
  ])("is not satisfied by a policy with %s", (_, selector) => {
    expect(findingsFor(`${workload}${policy(selector)}`, "workload-network-policy-missing")).toHaveLength(1);
  });

  it("only counts Kubernetes NetworkPolicies of the same namespace", () => {
    expect(findingsFor(`${workload}${policy("{}", "other")}`, "workload-network-policy-missing")).toHaveLength(1);
  });

  it("does not judge namespaces whose policies may live elsewhere, other policy engines, or host-network pods", () => {
    expect(findingsFor(workload, "workload-network-policy-missing")).toEqual([]);
    expect(
      findingsFor(`${namespace}${workload}${policy("{}", "shop", "projectcalico.org/v3")}`, "workload-network-policy-missing"),
    ).toEqual([]);
    const hostNetwork = deployment("      hostNetwork: true\n      containers: [{ name: app, image: a:1 }]\n");
    expect(findingsFor(`${namespace}${hostNetwork}`, "workload-network-policy-missing")).toEqual([]);
  });
});

describe("hostile shapes", () => {
  it.each([
    ["containers is a string", "apiVersion: v1\nkind: Pod\nmetadata: 7\nspec:\n  containers: x\n"],
    [
      "fields of the wrong type",
      "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  automountServiceAccountToken: false\n  containers:\n    - { name: a, resources: x, env: x, livenessProbe: {}, readinessProbe: {} }\n    - { name: b, resources: { limits: 5, requests: [cpu] }, env: [null, 7, { name: 3, value: x }, { name: P, value: 5 }], livenessProbe: {}, readinessProbe: {} }\n",
    ],
    [
      "junk policies and limit ranges",
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: n }\nspec: 7\n---\napiVersion: v1\nkind: LimitRange\nmetadata: { name: l }\nspec: { limits: [null, { type: Container, default: 5 }] }\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: 5\n",
    ],
  ])("%s: no throw", (_, text) => {
    expect(() => findingsFor(text)).not.toThrow();
  });

  it("a resources map of the wrong type counts as unset", () => {
    const text =
      "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  automountServiceAccountToken: false\n  containers:\n    - { name: a, image: a:1, resources: x, livenessProbe: {}, readinessProbe: {} }\n";
    expect(findingsFor(text).map((finding) => finding.ruleId)).toEqual([
      "workload-resource-limits-missing",
      "workload-resource-requests-missing",
    ]);
  });
});
