import { describe, expect, it } from "vitest";
import { DEFAULT_RULE_OPTIONS, type Finding, loadManifests, representativeScore, runRules, toWorkloads } from "../core/src/index.js";
import { EXPOSURE_RULES } from "../core/src/rules/exposure.js";

function findingsFor(text: string): Finding[] {
  const { resources } = loadManifests([{ path: "exposure.yaml", text }]);
  return runRules(EXPOSURE_RULES, { resources, workloads: toWorkloads(resources), options: DEFAULT_RULE_OPTIONS }, "t");
}

/** `line:column` (1-based) of the `nth` occurrence of `needle` in `text`. */
function where(text: string, needle: string, nth = 0): string {
  let offset = -1;
  for (let seen = 0; seen <= nth; seen++) {
    offset = text.indexOf(needle, offset + 1);
    if (offset < 0) throw new Error(`${needle} #${nth} is not in the text`);
  }
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

function at(findings: Finding[]): string[] {
  return findings.map((finding) => `${finding.ruleId}@${finding.location?.startLine}:${finding.location?.startColumn}`);
}

function service(name: string, spec: string, annotations = "", namespace = "shop"): string {
  const annotationBlock = annotations ? `  annotations:\n${annotations}` : "";
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n${annotationBlock}spec:\n${spec}`;
}

const LOAD_BALANCER = "  type: LoadBalancer\n  selector: { app: web }\n  ports: [{ port: 443 }]\n";

describe("the exposure rule catalogue", () => {
  it("has stable ids and severities, and scores that follow them", () => {
    expect(EXPOSURE_RULES.map((rule) => `${rule.descriptor.id}:${rule.descriptor.severity}`)).toEqual([
      "exposure-public-load-balancer:high",
      "exposure-restricted-load-balancer:low",
      "exposure-node-port:medium",
      "exposure-external-ips:medium",
      "exposure-admin-ui-public:critical",
      "exposure-admin-ui-outside-cluster:high",
      "exposure-ingress-without-tls:medium",
    ]);
    for (const { descriptor } of EXPOSURE_RULES) expect(descriptor.score).toBe(representativeScore(descriptor.severity));
    const azure = (id: string) =>
      EXPOSURE_RULES.find((rule) => rule.descriptor.id === id)?.descriptor.standards.find(
        (standard) => standard.framework === "azure-policy",
      )?.control;
    expect(azure("exposure-public-load-balancer")).toBe("3fc4dc25-5baf-40d8-9b05-7fe74c1bc64e");
    expect(azure("exposure-external-ips")).toBe("d46c275d-1680-448d-b2ec-e495a3b6cc89");
    expect(azure("exposure-ingress-without-tls")).toBe("1a5b4dca-0b6f-4cf5-907c-56316bc1bf3d");
  });
});

describe("load balancers", () => {
  it("accepts a Service of the AWS Load Balancer Controller's class, whose NLB is internal unless internet-facing", () => {
    const internal = service("web", LOAD_BALANCER).replace(
      "type: LoadBalancer",
      "type: LoadBalancer\n  loadBalancerClass: service.k8s.aws/nlb",
    );
    expect(findingsFor(internal)).toEqual([]);
  });

  it("reports a public load balancer at type:", () => {
    const text = service("web", LOAD_BALANCER);
    const findings = findingsFor(text);
    expect(at(findings)).toEqual([`exposure-public-load-balancer@${where(text, "type: LoadBalancer")}`]);
    expect(findings[0]?.message).toBe("Service shop/web gets a public load balancer that accepts connections from any address.");
  });

  it.each([
    ["Azure", '    service.beta.kubernetes.io/azure-load-balancer-internal: "true"\n'],
    ["AWS (legacy true)", '    service.beta.kubernetes.io/aws-load-balancer-internal: "true"\n'],
    ["AWS (legacy 0.0.0.0/0)", "    service.beta.kubernetes.io/aws-load-balancer-internal: 0.0.0.0/0\n"],
    ["AWS Load Balancer Controller", "    service.beta.kubernetes.io/aws-load-balancer-scheme: internal\n"],
    ["AWS Load Balancer Controller by type, internal by default", "    service.beta.kubernetes.io/aws-load-balancer-type: external\n"],
    ["GKE", "    networking.gke.io/load-balancer-type: Internal\n"],
    ["GKE (legacy annotation, lowercase value)", "    cloud.google.com/load-balancer-type: internal\n"],
  ])("accepts an internal load balancer on %s", (_cloud, annotation) => {
    expect(findingsFor(service("web", LOAD_BALANCER, annotation))).toEqual([]);
  });

  it.each([
    ["an Azure annotation set to false", '    service.beta.kubernetes.io/azure-load-balancer-internal: "false"\n'],
    ["an Azure annotation that is not exactly true", '    service.beta.kubernetes.io/azure-load-balancer-internal: "True"\n'],
    ["an internet-facing AWS scheme", "    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing\n"],
    [
      "an AWS Load Balancer Controller NLB made internet-facing",
      "    service.beta.kubernetes.io/aws-load-balancer-type: nlb-ip\n    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing\n",
    ],
    [
      "GKE's current annotation, which wins over the legacy one",
      "    networking.gke.io/load-balancer-type: External\n    cloud.google.com/load-balancer-type: Internal\n",
    ],
  ])("does not take %s for internal", (_case, annotation) => {
    expect(at(findingsFor(service("web", LOAD_BALANCER, annotation))).map((found) => found.split("@")[0])).toEqual([
      "exposure-public-load-balancer",
    ]);
  });

  it("lowers a load balancer limited by source ranges (field or legacy annotation) to low", () => {
    const text = [
      service("field", `${LOAD_BALANCER}  loadBalancerSourceRanges: ["10.0.0.0/8", "203.0.113.7/32"]\n`),
      service("annotation", LOAD_BALANCER, '    service.beta.kubernetes.io/load-balancer-source-ranges: " 192.168.0.0/16, fd00::/8 "\n'),
    ].join("---\n");
    const findings = findingsFor(text);
    expect(at(findings)).toEqual([
      `exposure-restricted-load-balancer@${where(text, "type: LoadBalancer")}`,
      `exposure-restricted-load-balancer@${where(text, "type: LoadBalancer", 1)}`,
    ]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "Service shop/field gets a public load balancer limited to 10.0.0.0/8, 203.0.113.7/32.",
      "Service shop/annotation gets a public load balancer limited to 192.168.0.0/16, fd00::/8.",
    ]);
  });

  it("treats /0 and invalid source ranges as open, and the field as overriding the annotation", () => {
    const annotation = '    service.beta.kubernetes.io/load-balancer-source-ranges: "10.0.0.0/8"\n';
    const text = [
      service("any", `${LOAD_BALANCER}  loadBalancerSourceRanges: ["10.0.0.0/8", "::/0"]\n`),
      service("invalid", `${LOAD_BALANCER}  loadBalancerSourceRanges: ["10.0.0.0", "10.0.0.0/33"]\n`),
      service("overridden", `${LOAD_BALANCER}  loadBalancerSourceRanges: ["0.0.0.0/0"]\n`, annotation),
    ].join("---\n");
    expect(findingsFor(text).map((finding) => `${finding.ruleId} ${finding.resource?.name}`)).toEqual([
      "exposure-public-load-balancer any",
      "exposure-public-load-balancer invalid",
      "exposure-public-load-balancer overridden",
    ]);
  });
});

describe("node ports and external IPs", () => {
  it("reports NodePort Services at type: with their fixed node ports, and external IPs at the field", () => {
    const text = [
      service("pinned", "  type: NodePort\n  ports:\n    - port: 80\n      nodePort: 30080\n    - port: 443\n      nodePort: 30443\n"),
      service("allocated", "  type: NodePort\n  ports: [{ port: 80 }]\n"),
      service("claimed", "  type: ClusterIP\n  externalIPs:\n    - 203.0.113.10\n"),
      service("internal", "  type: ClusterIP\n  ports: [{ port: 80, nodePort: 30000 }]\n"),
    ].join("---\n");
    const findings = findingsFor(text);
    expect(at(findings)).toEqual([
      `exposure-node-port@${where(text, "type: NodePort")}`,
      `exposure-node-port@${where(text, "type: NodePort", 1)}`,
      `exposure-external-ips@${where(text, "externalIPs:")}`,
    ]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "Service shop/pinned opens node ports 30080, 30443 on every node.",
      "Service shop/allocated opens a port the cluster allocates on every node.",
      "Service shop/claimed claims external IP 203.0.113.10.",
    ]);
  });
});

const DASHBOARD = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubernetes-dashboard
  namespace: kubernetes-dashboard
spec:
  selector: { matchLabels: { k8s-app: kubernetes-dashboard } }
  template:
    metadata:
      labels: { k8s-app: kubernetes-dashboard, tier: ui }
    spec:
      containers:
        - name: dashboard
          image: docker.io/kubernetesui/dashboard:v2.7.0
`;

describe("administration UIs", () => {
  it("recognises the dashboard behind a public load balancer by the image of the pods the selector picks", () => {
    const text = [
      DASHBOARD,
      service("console", "  type: LoadBalancer\n  selector: { k8s-app: kubernetes-dashboard }\n", "", "kubernetes-dashboard"),
    ].join("---\n");
    const findings = findingsFor(text);
    expect(at(findings)).toEqual([
      `exposure-public-load-balancer@${where(text, "type: LoadBalancer")}`,
      `exposure-admin-ui-public@${where(text, "type: LoadBalancer")}`,
    ]);
    expect(findings[1]?.message).toBe(
      "Service kubernetes-dashboard/console exposes the Kubernetes Dashboard (image docker.io/kubernetesui/dashboard:v2.7.0 in Deployment kubernetes-dashboard/kubernetes-dashboard) through a public load balancer open to any address.",
    );
    expect(findings[1]?.severity).toBe("critical");
  });

  it("matches selectors only within the namespace and only on every selector label", () => {
    const text = [
      DASHBOARD,
      service("console", "  type: LoadBalancer\n  selector: { k8s-app: kubernetes-dashboard }\n", "", "other"),
      service("picky", "  type: LoadBalancer\n  selector: { k8s-app: kubernetes-dashboard, tier: api }\n", "", "kubernetes-dashboard"),
    ].join("---\n");
    expect(findingsFor(text).map((finding) => finding.ruleId)).toEqual(["exposure-public-load-balancer", "exposure-public-load-balancer"]);
  });

  it("rates node ports, limited load balancers and external IPs as outside the cluster (high)", () => {
    const grafana = `apiVersion: v1
kind: Pod
metadata:
  name: grafana-0
  namespace: shop
  labels: { app: metrics }
spec:
  containers:
    - name: grafana
      image: myregistry.azurecr.io/mirror/grafana/grafana:10.4.0@sha256:0123
`;
    const text = [
      grafana,
      service("metrics", "  type: NodePort\n  selector: { app: metrics }\n"),
      service("metrics-lb", "  type: LoadBalancer\n  selector: { app: metrics }\n  loadBalancerSourceRanges: [203.0.113.0/24]\n"),
      service("metrics-ip", "  selector: { app: metrics }\n  externalIPs: [198.51.100.4]\n"),
    ].join("---\n");
    const admin = findingsFor(text).filter((finding) => finding.ruleId.startsWith("exposure-admin-ui"));
    expect(at(admin)).toEqual([
      `exposure-admin-ui-outside-cluster@${where(text, "type: NodePort")}`,
      `exposure-admin-ui-outside-cluster@${where(text, "type: LoadBalancer")}`,
      `exposure-admin-ui-outside-cluster@${where(text, "externalIPs:")}`,
    ]);
    const evidence = "(image myregistry.azurecr.io/mirror/grafana/grafana:10.4.0@sha256:0123 in Pod shop/grafana-0)";
    expect(admin.map((finding) => finding.message)).toEqual([
      `Service shop/metrics exposes Grafana ${evidence} through a port on every node.`,
      `Service shop/metrics-lb exposes Grafana ${evidence} through a public load balancer limited to 203.0.113.0/24.`,
      `Service shop/metrics-ip exposes Grafana ${evidence} through external IPs 198.51.100.4.`,
    ]);
  });

  it("needs the server program for images that run several (Argo CD), and falls back to well-known Service names", () => {
    const argocd = (name: string, command: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: argocd }
spec:
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: main
          image: quay.io/argoproj/argocd:v2.11.0
          command: [${command}]
`;
    const text = [
      argocd("repo", "argocd-repo-server"),
      argocd("ui", "/usr/local/bin/argocd-server"),
      service("repo", "  type: NodePort\n  selector: { app: repo }\n", "", "argocd"),
      service("ui", "  type: NodePort\n  selector: { app: ui }\n", "", "argocd"),
      service("monitoring-grafana", "  type: NodePort\n", "", "monitoring"),
      service("grafana-agent", "  type: NodePort\n", "", "monitoring"),
    ].join("---\n");
    expect(
      findingsFor(text)
        .filter((finding) => finding.ruleId.startsWith("exposure-admin-ui"))
        .map((finding) => finding.message),
    ).toEqual([
      "Service argocd/ui exposes the Argo CD server (image quay.io/argoproj/argocd:v2.11.0 in Deployment argocd/ui) through a port on every node.",
      'Service monitoring/monitoring-grafana exposes Grafana (Service named "monitoring-grafana") through a port on every node.',
    ]);
  });

  it("leaves internal load balancers and ClusterIP Services alone", () => {
    const text = [
      DASHBOARD,
      service(
        "kubernetes-dashboard",
        "  type: LoadBalancer\n  selector: { k8s-app: kubernetes-dashboard }\n",
        '    service.beta.kubernetes.io/azure-load-balancer-internal: "true"\n',
        "kubernetes-dashboard",
      ),
      service("grafana", "  selector: { app: grafana }\n"),
    ].join("---\n");
    expect(findingsFor(text)).toEqual([]);
  });

  it("follows Ingress backends of both API shapes to an admin UI Service, by pods or by name", () => {
    const ingressV1 = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: tools, namespace: kubernetes-dashboard }
spec:
  tls: [{ hosts: [dash.example.com] }]
  rules:
    - host: dash.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: console
                port: { number: 443 }
`;
    const ingressV1beta1 = `apiVersion: extensions/v1beta1
kind: Ingress
metadata: { name: legacy, namespace: ops }
spec:
  tls: [{ hosts: [ci.example.com] }]
  backend:
    serviceName: jenkins
    servicePort: 8080
`;
    const text = [
      DASHBOARD,
      service("console", "  selector: { k8s-app: kubernetes-dashboard }\n", "", "kubernetes-dashboard"),
      ingressV1,
      ingressV1beta1,
    ].join("---\n");
    const findings = findingsFor(text);
    expect(at(findings)).toEqual([
      `exposure-admin-ui-public@${where(text, "name: console", 1)}`,
      `exposure-admin-ui-public@${where(text, "serviceName: jenkins")}`,
    ]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "Ingress kubernetes-dashboard/tools exposes the Kubernetes Dashboard (image docker.io/kubernetesui/dashboard:v2.7.0 in Deployment kubernetes-dashboard/kubernetes-dashboard) by routing host dash.example.com to Service console.",
      'Ingress ops/legacy exposes Jenkins (Service named "jenkins") by routing any host to Service jenkins.',
    ]);
  });
});

describe("Ingress TLS", () => {
  const ingress = (apiVersion: string, spec: string) =>
    `apiVersion: ${apiVersion}\nkind: Ingress\nmetadata: { name: web, namespace: shop }\nspec:\n${spec}`;
  const RULES = "  rules:\n    - host: shop.example.com\n    - host: api.example.com\n";

  it("reports an Ingress without TLS once, at spec, for every Ingress API version", () => {
    const text = ["networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1"]
      .map((version) => ingress(version, RULES))
      .join("---\n");
    const findings = findingsFor(text);
    expect(at(findings)).toEqual([0, 1, 2].map((nth) => `exposure-ingress-without-tls@${where(text, "spec:", nth)}`));
    expect(findings[0]?.message).toBe("Ingress shop/web has no TLS configuration: it serves plain HTTP.");
  });

  it("points at each host no TLS entry covers, with one-label wildcards as in certificates", () => {
    const text = ingress(
      "networking.k8s.io/v1",
      [
        "  tls:",
        "    - hosts: [shop.example.com, '*.api.example.com']",
        "      secretName: tls",
        "  rules:",
        "    - host: SHOP.example.com",
        "    - host: v1.api.example.com",
        "    - host: api.example.com",
        "    - host: a.b.api.example.com",
        "    - http: { paths: [] }",
        "",
      ].join("\n"),
    );
    const findings = findingsFor(text);
    expect(at(findings)).toEqual([
      `exposure-ingress-without-tls@${where(text, "host: api.example.com")}`,
      `exposure-ingress-without-tls@${where(text, "host: a.b.api.example.com")}`,
    ]);
    expect(findings[0]?.message).toBe("Ingress shop/web serves host api.example.com without TLS: no spec.tls entry lists it.");
  });

  it("accepts TLS covering every host, and an empty tls list is no TLS", () => {
    const covered = ingress("networking.k8s.io/v1", `  tls:\n    - hosts: [shop.example.com]\n    - hosts: [api.example.com]\n${RULES}`);
    expect(findingsFor(covered)).toEqual([]);
    const empty = ingress("networking.k8s.io/v1", `  tls: []\n${RULES}`);
    expect(at(findingsFor(empty))).toEqual([`exposure-ingress-without-tls@${where(empty, "tls: []")}`]);
  });
});

describe("hostile shapes", () => {
  it("never throws on broken Services and Ingresses", () => {
    const documents = [
      "apiVersion: v1\nkind: Service\nmetadata: 7\nspec: 'x'\n",
      "apiVersion: v1\nkind: Service\nmetadata: { name: s, annotations: 7 }\nspec: { type: [LoadBalancer], ports: 'x', externalIPs: '1.2.3.4', selector: { app: 7 } }\n",
      "apiVersion: v1\nkind: Service\nmetadata: { name: t, annotations: { service.beta.kubernetes.io/load-balancer-source-ranges: 7 } }\nspec: { type: NodePort, ports: [null, { nodePort: '30080' }], loadBalancerSourceRanges: 'x' }\n",
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: i }\nspec: 'x'\n",
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: j }\nspec: { tls: [null, { hosts: 'a' }], rules: 'x', defaultBackend: { service: 7 } }\n",
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: k }\nspec: { tls: [{ hosts: [7] }], rules: [null, { host: 7, http: { paths: [null, { backend: null }] } }] }\n",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: { template: { metadata: 'x', spec: { containers: [{ name: c, image: 7, command: 'x' }] } } }\n",
    ];
    const findings = findingsFor(documents.join("---\n"));
    // j has TLS entries and no readable rule, k no readable host: neither has a host to report.
    expect(findings.map((finding) => `${finding.ruleId} ${finding.resource?.name}`)).toEqual(["exposure-node-port t"]);
    expect(findings[0]?.message).toBe("Service t opens a port the cluster allocates on every node.");
  });
});
