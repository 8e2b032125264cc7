import { isIPv4, isIPv6 } from "node:net";
import { isRecord, type Resource } from "../manifests/load.js";
import type { FieldPath } from "../manifests/positions.js";
import { valueAt } from "../manifests/workloads.js";
import { type RuleDescriptor, representativeScore } from "../model/index.js";
import { adminUiBehind, adminUiWorkloads, namespacedName } from "./admin-ui.js";
import { describeResource } from "./describe.js";
import { azurePolicy, mitre, NSA_NETWORK } from "./standards.js";
import type { ManifestRule, RuleContext, Violation } from "./types.js";

/*
 * Severity policy for load balancers. A LoadBalancer Service without an internal-load-
 * balancer annotation gets a public address. Open to any source (no loadBalancerSourceRanges,
 * a /0 range, or a range that is not a valid CIDR, which the cloud provider would reject) it
 * is exposure-public-load-balancer (high). Limited by source ranges it is
 * exposure-restricted-load-balancer (low): the ranges are a deliberate choice, whether they
 * are private or an office's public range, but the address stays public and one edit away
 * from open. An Ingress is treated as public: the scan cannot see whether its controller is.
 */

const SERVICE_URI = "https://kubernetes.io/docs/concepts/services-networking/service/";
const PUBLIC_FACING = mitre("T1190", "Exploit Public-Facing Application");
const REMOTE_SERVICES = mitre("T1133", "External Remote Services");
const INTERNAL_LOAD_BALANCERS = azurePolicy(
  "3fc4dc25-5baf-40d8-9b05-7fe74c1bc64e",
  "Kubernetes clusters should use internal load balancers",
);
const INGRESS_KINDS = new Set(["networking.k8s.io/v1/Ingress", "networking.k8s.io/v1beta1/Ingress", "extensions/v1beta1/Ingress"]);
const SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";

type RuleFields = Omit<RuleDescriptor, "kind" | "score">;

function descriptor(fields: RuleFields): RuleDescriptor {
  return { kind: "misconfiguration", score: representativeScore(fields.severity), ...fields };
}

function services(resources: readonly Resource[]): Resource[] {
  return resources.filter((resource) => resource.kind === "Service" && resource.apiVersion === "v1");
}

function ingresses(resources: readonly Resource[]): Resource[] {
  return resources.filter((resource) => INGRESS_KINDS.has(`${resource.apiVersion}/${resource.kind}`));
}

const TYPE_PATH: FieldPath = ["spec", "type"];

function serviceType(service: Resource): unknown {
  return valueAt(service.object, TYPE_PATH);
}

// --- load balancers --------------------------------------------------------------------

/** Whether a cloud provider's annotation makes the load balancer internal (Azure, AWS, GCP). */
function isInternalLoadBalancer(service: Resource): boolean {
  const found = valueAt(service.object, ["metadata", "annotations"]);
  const annotations = isRecord(found) ? found : {};
  const text = (key: string) => (typeof annotations[key] === "string" ? annotations[key] : undefined);
  // GKE reads the current annotation first and the legacy one only when it is absent.
  const gke = text("networking.gke.io/load-balancer-type") ?? text("cloud.google.com/load-balancer-type");
  const aws = text("service.beta.kubernetes.io/aws-load-balancer-internal")?.toLowerCase();
  const awsScheme = text("service.beta.kubernetes.io/aws-load-balancer-scheme");
  return (
    text("service.beta.kubernetes.io/azure-load-balancer-internal") === "true" ||
    aws === "true" ||
    aws === "0.0.0.0/0" ||
    awsScheme === "internal" ||
    (managedByAwsLoadBalancerController(service, text) && awsScheme !== "internet-facing") ||
    gke === "Internal" ||
    gke === "internal"
  );
}

/**
 * The AWS Load Balancer Controller (not the in-tree provider) serves Services of its class
 * or type annotation, and makes their NLB internal unless the scheme says internet-facing.
 */
function managedByAwsLoadBalancerController(service: Resource, text: (key: string) => string | undefined): boolean {
  const type = text("service.beta.kubernetes.io/aws-load-balancer-type");
  return valueAt(service.object, ["spec", "loadBalancerClass"]) === "service.k8s.aws/nlb" || type === "external" || type === "nlb-ip";
}

/**
 * The source ranges that limit who reaches a load balancer (the spec field, else the
 * legacy annotation, as cloud providers read them), or undefined when anyone can.
 */
function restrictingSourceRanges(service: Resource): string[] | undefined {
  const field = valueAt(service.object, ["spec", "loadBalancerSourceRanges"]);
  const annotation = valueAt(service.object, ["metadata", "annotations", SOURCE_RANGES_ANNOTATION]);
  let ranges: unknown[] = [];
  if (Array.isArray(field) && field.length > 0) ranges = field;
  else if (typeof annotation === "string" && annotation.trim() !== "") ranges = annotation.split(",");
  if (ranges.length === 0) return undefined;
  const trimmed = ranges.map((range) => (typeof range === "string" ? range.trim() : ""));
  return trimmed.every(isRestrictingCidr) ? trimmed : undefined;
}

/** A valid CIDR narrower than the whole address space (`0.0.0.0/0`, `::/0`). */
function isRestrictingCidr(range: string): boolean {
  const [address = "", prefix, ...rest] = range.split("/");
  if (prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  const maxBits = isIPv4(address) ? 32 : isIPv6(address) ? 128 : 0;
  return bits > 0 && bits <= maxBits;
}

type LoadBalancerAccess = { kind: "internal" } | { kind: "open" } | { kind: "restricted"; ranges: string[] };

function loadBalancerAccess(service: Resource): LoadBalancerAccess {
  if (isInternalLoadBalancer(service)) return { kind: "internal" };
  const ranges = restrictingSourceRanges(service);
  return ranges ? { kind: "restricted", ranges } : { kind: "open" };
}

const LOAD_BALANCER_REFERENCES = [
  "https://learn.microsoft.com/azure/aks/internal-lb",
  "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/",
  "https://cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing",
];
const INTERNAL_LB_FIX =
  'metadata:\n  annotations:\n    service.beta.kubernetes.io/azure-load-balancer-internal: "true"   # AKS\n    service.beta.kubernetes.io/aws-load-balancer-scheme: internal      # EKS\n    networking.gke.io/load-balancer-type: Internal                     # GKE\nspec:\n  type: LoadBalancer';

export const publicLoadBalancer: ManifestRule = {
  descriptor: descriptor({
    id: "exposure-public-load-balancer",
    title: "Service is exposed on a public load balancer",
    severity: "high",
    description:
      "A LoadBalancer Service without an internal-load-balancer annotation gets a public IP address from the cloud provider, and without loadBalancerSourceRanges it accepts connections from any address on the internet, where it is found and probed within minutes. Internal means the Azure, AWS or GKE internal annotation, or a Service of the AWS Load Balancer Controller (its class or type annotation) not marked internet-facing, since that controller makes NLBs internal by default.",
    remediation:
      "Make the load balancer internal with your cloud's annotation and publish the application through an ingress controller or gateway you control; if it must be public, restrict loadBalancerSourceRanges to the clients that need it.",
    fix: INTERNAL_LB_FIX,
    helpUri: `${SERVICE_URI}#loadbalancer`,
    references: LOAD_BALANCER_REFERENCES,
    standards: [NSA_NETWORK, PUBLIC_FACING, INTERNAL_LOAD_BALANCERS],
  }),
  *check({ resources }) {
    for (const service of services(resources)) {
      if (serviceType(service) !== "LoadBalancer" || loadBalancerAccess(service).kind !== "open") continue;
      yield {
        resource: service,
        path: TYPE_PATH,
        message: `${describeResource(service)} gets a public load balancer that accepts connections from any address.`,
      };
    }
  },
};

export const restrictedLoadBalancer: ManifestRule = {
  descriptor: descriptor({
    id: "exposure-restricted-load-balancer",
    title: "Service has a public load balancer limited by source ranges",
    severity: "low",
    description:
      "A LoadBalancer Service without an internal-load-balancer annotation gets a public IP address; loadBalancerSourceRanges limits who may connect, but the address stays public and removing or widening the ranges exposes the Service to everyone.",
    remediation:
      "Prefer an internal load balancer (your cloud's annotation) when the clients are inside your network; keep the source ranges as narrow as possible otherwise.",
    fix: INTERNAL_LB_FIX,
    helpUri: `${SERVICE_URI}#loadbalancer`,
    references: LOAD_BALANCER_REFERENCES,
    standards: [NSA_NETWORK, INTERNAL_LOAD_BALANCERS],
  }),
  *check({ resources }) {
    for (const service of services(resources)) {
      const access = serviceType(service) === "LoadBalancer" ? loadBalancerAccess(service) : undefined;
      if (access?.kind !== "restricted") continue;
      yield {
        resource: service,
        path: TYPE_PATH,
        message: `${describeResource(service)} gets a public load balancer limited to ${access.ranges.join(", ")}.`,
      };
    }
  },
};

// --- node ports and external IPs -------------------------------------------------------

function pinnedNodePorts(service: Resource): number[] {
  const ports = valueAt(service.object, ["spec", "ports"]);
  if (!Array.isArray(ports)) return [];
  return ports.flatMap((port) => (isRecord(port) && typeof port.nodePort === "number" ? [port.nodePort] : []));
}

export const nodePortService: ManifestRule = {
  descriptor: descriptor({
    id: "exposure-node-port",
    title: "Service opens a port on every node",
    severity: "medium",
    description:
      "A NodePort Service listens on a port of every node's IP address, wherever the nodes are reachable from, around the ingress controller and its TLS and authentication; nodes are often reachable from much wider networks than the application should be.",
    remediation: "Use a ClusterIP Service behind an Ingress or Gateway, or an internal LoadBalancer Service.",
    fix: "spec:\n  type: ClusterIP",
    helpUri: `${SERVICE_URI}#type-nodeport`,
    standards: [NSA_NETWORK],
  }),
  *check({ resources }) {
    for (const service of services(resources)) {
      if (serviceType(service) !== "NodePort") continue;
      const pinned = pinnedNodePorts(service);
      const ports = pinned.length === 0 ? "a port the cluster allocates" : `node port${pinned.length > 1 ? "s" : ""} ${pinned.join(", ")}`;
      yield { resource: service, path: TYPE_PATH, message: `${describeResource(service)} opens ${ports} on every node.` };
    }
  },
};

function externalIpsOf(service: Resource): string[] {
  const ips = valueAt(service.object, ["spec", "externalIPs"]);
  return Array.isArray(ips) ? ips.filter((ip): ip is string => typeof ip === "string") : [];
}

export const externalIps: ManifestRule = {
  descriptor: descriptor({
    id: "exposure-external-ips",
    title: "Service claims external IPs",
    severity: "medium",
    description:
      "spec.externalIPs makes every node route traffic for those addresses to the Service. Any address can be claimed, so whoever may create Services can intercept the cluster's traffic to it (CVE-2020-8554), and the Service is reachable from wherever the address routes.",
    remediation:
      "Remove externalIPs and use a LoadBalancer Service or an Ingress; if you must use them, allow only your addresses with an admission policy (the DenyServiceExternalIPs admission plugin blocks them all).",
    fix: "spec:\n  type: LoadBalancer   # no externalIPs",
    helpUri: `${SERVICE_URI}#external-ips`,
    references: ["https://github.com/kubernetes/kubernetes/issues/97076"],
    standards: [
      NSA_NETWORK,
      azurePolicy("d46c275d-1680-448d-b2ec-e495a3b6cc89", "Kubernetes cluster services should only use allowed external IPs"),
    ],
  }),
  *check({ resources }) {
    for (const service of services(resources)) {
      const ips = externalIpsOf(service);
      if (ips.length === 0) continue;
      yield {
        resource: service,
        path: ["spec", "externalIPs"],
        message: `${describeResource(service)} claims external IP${ips.length > 1 ? "s" : ""} ${ips.join(", ")}.`,
      };
    }
  },
};

// --- admin UIs -------------------------------------------------------------------------

type Reach = "public" | "outside-cluster";

/** How a Service is reachable from outside the cluster, where, and the field that makes it so. */
interface ServiceReach {
  reach: Reach;
  how: string;
  path: FieldPath;
}

function serviceReach(service: Resource): ServiceReach | undefined {
  const type = serviceType(service);
  if (type === "LoadBalancer") {
    const access = loadBalancerAccess(service);
    if (access.kind === "open") return { reach: "public", how: "a public load balancer open to any address", path: TYPE_PATH };
    if (access.kind === "restricted") {
      return { reach: "outside-cluster", how: `a public load balancer limited to ${access.ranges.join(", ")}`, path: TYPE_PATH };
    }
  }
  if (type === "NodePort") return { reach: "outside-cluster", how: "a port on every node", path: TYPE_PATH };
  const ips = externalIpsOf(service);
  if (ips.length > 0) return { reach: "outside-cluster", how: `external IPs ${ips.join(", ")}`, path: ["spec", "externalIPs"] };
  return undefined;
}

/** One Ingress backend that names a Service, with where it is and what routes to it. */
interface IngressRoute {
  serviceName: string;
  path: FieldPath;
  host?: string;
}

/** Backends of both shapes: `service.name` (networking.k8s.io/v1) and `serviceName` (v1beta1). */
function* ingressRoutes(ingress: Resource): Generator<IngressRoute> {
  const spec = ingress.object.spec;
  if (!isRecord(spec)) return;
  for (const key of ["defaultBackend", "backend"]) yield* backendRoute(spec[key], ["spec", key], undefined);
  if (!Array.isArray(spec.rules)) return;
  for (const [ruleIndex, rule] of spec.rules.entries()) {
    const paths = isRecord(rule) && isRecord(rule.http) ? rule.http.paths : undefined;
    if (!Array.isArray(paths)) continue;
    const host = typeof rule.host === "string" ? rule.host : undefined;
    for (const [pathIndex, path] of paths.entries()) {
      if (isRecord(path)) yield* backendRoute(path.backend, ["spec", "rules", ruleIndex, "http", "paths", pathIndex, "backend"], host);
    }
  }
}

function* backendRoute(backend: unknown, path: FieldPath, host: string | undefined): Generator<IngressRoute> {
  if (!isRecord(backend)) return;
  if (isRecord(backend.service) && typeof backend.service.name === "string") {
    yield { serviceName: backend.service.name, path: [...path, "service", "name"], host };
  } else if (typeof backend.serviceName === "string") {
    yield { serviceName: backend.serviceName, path: [...path, "serviceName"], host };
  }
}

/** Every way an admin UI is reachable from outside the cluster, with the reach it has. */
function* exposedAdminUis({ resources, workloads }: RuleContext): Generator<Violation & { reach: Reach }> {
  const allServices = services(resources);
  const uis = adminUiWorkloads(workloads);
  const servicesByName = new Map(allServices.map((service) => [namespacedName(service, service.name ?? ""), service]));
  for (const service of allServices) {
    const reach = serviceReach(service);
    const ui = reach && adminUiBehind(service.name ?? "", service, uis);
    if (!reach || !ui) continue;
    yield {
      reach: reach.reach,
      resource: service,
      path: reach.path,
      message: `${describeResource(service)} exposes ${ui.title} (${ui.evidence}) through ${reach.how}.`,
    };
  }
  for (const ingress of ingresses(resources)) {
    for (const route of ingressRoutes(ingress)) {
      const target = servicesByName.get(namespacedName(ingress, route.serviceName));
      const ui = adminUiBehind(route.serviceName, target, uis);
      if (!ui) continue;
      const from = route.host ? `host ${route.host}` : "any host";
      yield {
        reach: "public",
        resource: ingress,
        path: route.path,
        message: `${describeResource(ingress)} exposes ${ui.title} (${ui.evidence}) by routing ${from} to Service ${route.serviceName}.`,
      };
    }
  }
}

function adminUiRule(reach: Reach, fields: RuleFields): ManifestRule {
  return {
    descriptor: descriptor(fields),
    *check(context) {
      for (const { reach: found, ...violation } of exposedAdminUis(context)) {
        if (found === reach) yield violation;
      }
    },
  };
}

const ADMIN_UI_REMEDIATION =
  "Keep administration UIs on a ClusterIP Service and reach them with `kubectl port-forward`, or publish them only through an internal load balancer or an Ingress behind single sign-on.";
const ADMIN_UI_REFERENCES = [
  "https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers",
  "https://kubernetes.io/docs/tasks/access-application-cluster/web-ui-dashboard/",
];
const ADMIN_UI_STANDARDS = [NSA_NETWORK, REMOTE_SERVICES, mitre("T1613", "Container and Resource Discovery")];

export const adminUiPublic = adminUiRule("public", {
  id: "exposure-admin-ui-public",
  title: "Administration UI is exposed to the internet",
  severity: "critical",
  description:
    "The Kubernetes Dashboard, Kubeflow, Argo CD, Grafana, Prometheus, Jenkins, Kibana, Weave Scope and similar UIs control or reveal the cluster; several have no authentication by default or run with powerful service accounts. Published through an open load balancer or an Ingress, they are found by internet-wide scans and are a common way into clusters (Defender for Containers alerts on exposed dashboards).",
  remediation: ADMIN_UI_REMEDIATION,
  fix: "spec:\n  type: ClusterIP   # then: kubectl port-forward -n kubernetes-dashboard svc/kubernetes-dashboard 8443:443",
  helpUri: `${SERVICE_URI}#publishing-services-service-types`,
  references: ADMIN_UI_REFERENCES,
  standards: ADMIN_UI_STANDARDS,
});

export const adminUiOutsideCluster = adminUiRule("outside-cluster", {
  id: "exposure-admin-ui-outside-cluster",
  title: "Administration UI is reachable from outside the cluster",
  severity: "high",
  description:
    "An administration UI (Kubernetes Dashboard, Argo CD, Grafana, Prometheus, Jenkins, ...) is published on every node's IP address, on external IPs, or on a public load balancer limited by source ranges: anyone on those networks reaches a UI that controls or reveals the cluster.",
  remediation: ADMIN_UI_REMEDIATION,
  fix: "spec:\n  type: ClusterIP",
  helpUri: `${SERVICE_URI}#publishing-services-service-types`,
  references: ADMIN_UI_REFERENCES,
  standards: ADMIN_UI_STANDARDS,
});

// --- Ingress TLS -----------------------------------------------------------------------

/** `*.example.com` covers exactly one more label (`a.example.com`), as in TLS certificates. */
function hostCovered(host: string, tlsHosts: readonly string[]): boolean {
  const wanted = host.toLowerCase();
  return tlsHosts.some((tlsHost) => {
    const candidate = tlsHost.toLowerCase();
    if (candidate === wanted) return true;
    const dot = wanted.indexOf(".");
    return candidate.startsWith("*.") && dot > 0 && !wanted.startsWith("*") && wanted.slice(dot + 1) === candidate.slice(2);
  });
}

function tlsHostsOf(tls: unknown[]): string[] {
  return tls
    .flatMap((entry) => (isRecord(entry) && Array.isArray(entry.hosts) ? entry.hosts : []))
    .filter((host) => typeof host === "string");
}

export const ingressWithoutTls: ManifestRule = {
  descriptor: descriptor({
    id: "exposure-ingress-without-tls",
    title: "Ingress serves hosts without TLS",
    severity: "medium",
    description:
      "An Ingress without a spec.tls entry for a host serves it over plain HTTP: passwords, session cookies and API tokens cross the network readable and modifiable by anyone on the path.",
    remediation:
      "Add a spec.tls entry listing every host of the Ingress with the Secret of its certificate (cert-manager can issue and renew it), and redirect HTTP to HTTPS.",
    fix: "spec:\n  tls:\n    - hosts: [shop.example.com]\n      secretName: shop-example-com-tls\n  rules:\n    - host: shop.example.com",
    helpUri: "https://kubernetes.io/docs/concepts/services-networking/ingress/#tls",
    standards: [
      NSA_NETWORK,
      azurePolicy("1a5b4dca-0b6f-4cf5-907c-56316bc1bf3d", "Kubernetes clusters should be accessible only over HTTPS"),
    ],
  }),
  *check({ resources }) {
    for (const ingress of ingresses(resources)) {
      const spec = ingress.object.spec;
      if (!isRecord(spec)) continue;
      if (!Array.isArray(spec.tls) || spec.tls.length === 0) {
        yield {
          resource: ingress,
          path: ["spec", "tls"],
          message: `${describeResource(ingress)} has no TLS configuration: it serves plain HTTP.`,
        };
        continue;
      }
      yield* uncoveredHosts(ingress, spec.rules, tlsHostsOf(spec.tls));
    }
  },
};

/** Rules whose host no TLS entry lists; a rule without a host is served with the Ingress's TLS entries. */
function* uncoveredHosts(ingress: Resource, rules: unknown, tlsHosts: string[]): Generator<Violation> {
  if (!Array.isArray(rules)) return;
  for (const [index, rule] of rules.entries()) {
    if (!isRecord(rule) || typeof rule.host !== "string" || hostCovered(rule.host, tlsHosts)) continue;
    yield {
      resource: ingress,
      path: ["spec", "rules", index, "host"],
      message: `${describeResource(ingress)} serves host ${rule.host} without TLS: no spec.tls entry lists it.`,
    };
  }
}

export const EXPOSURE_RULES: ManifestRule[] = [
  publicLoadBalancer,
  restrictedLoadBalancer,
  nodePortService,
  externalIps,
  adminUiPublic,
  adminUiOutsideCluster,
  ingressWithoutTls,
];
