import { isRecord, type Resource } from "../manifests/load.js";
import { type Container, valueAt, type Workload } from "../manifests/workloads.js";
import { describeResource } from "./describe.js";
import { podLabelsOf, selectorMatches } from "./label-selector.js";

/** A well-known administration UI: how to recognise its pods and the Services in front of it. */
interface AdminUi {
  title: string;
  /** Image repositories without registry host or tag; a mirror's path prefix is allowed. */
  images: readonly string[];
  /** For images that run several programs: a command or argument the UI's container has. */
  program?: string;
  /** Service names (or `<release>-<name>`, as Helm charts name them). */
  serviceNames: readonly string[];
}

const ADMIN_UIS: readonly AdminUi[] = [
  {
    title: "the Kubernetes Dashboard",
    images: ["kubernetesui/dashboard", "kubernetesui/dashboard-web", "kubernetesui/dashboard-api", "kubernetes-dashboard-amd64"],
    serviceNames: ["kubernetes-dashboard", "kubernetes-dashboard-web", "kubernetes-dashboard-kong-proxy"],
  },
  { title: "the Kubeflow central dashboard", images: ["centraldashboard"], serviceNames: ["centraldashboard"] },
  { title: "the Argo CD server", images: ["argoproj/argocd"], program: "argocd-server", serviceNames: ["argocd-server"] },
  { title: "the Argo Workflows server", images: ["argoproj/argocli"], program: "server", serviceNames: ["argo-server"] },
  {
    title: "Grafana",
    images: ["grafana/grafana", "grafana/grafana-oss", "grafana/grafana-enterprise", "bitnami/grafana"],
    serviceNames: ["grafana"],
  },
  {
    title: "Prometheus",
    images: ["prom/prometheus", "prometheus/prometheus", "bitnami/prometheus"],
    serviceNames: ["prometheus", "prometheus-server", "prometheus-operated", "prometheus-k8s"],
  },
  {
    title: "Alertmanager",
    images: ["prom/alertmanager", "prometheus/alertmanager", "bitnami/alertmanager"],
    serviceNames: ["alertmanager", "alertmanager-operated", "alertmanager-main"],
  },
  {
    title: "Jenkins",
    images: ["jenkins/jenkins", "jenkinsci/jenkins", "jenkinsci/blueocean", "bitnami/jenkins"],
    serviceNames: ["jenkins"],
  },
  { title: "Kibana", images: ["kibana/kibana", "elastic/kibana", "bitnami/kibana"], serviceNames: ["kibana"] },
  { title: "Weave Scope", images: ["weaveworks/scope"], serviceNames: ["weave-scope-app"] },
  { title: "Rancher", images: ["rancher/rancher"], serviceNames: ["rancher"] },
  { title: "Portainer", images: ["portainer/portainer", "portainer/portainer-ce", "portainer/portainer-ee"], serviceNames: ["portainer"] },
];

/** An admin UI found behind a Service, and the evidence for it, for the message. */
export interface AdminUiMatch {
  title: string;
  /** `image grafana/grafana:10.4.0 in Deployment monitoring/grafana`, or `Service named "grafana"`. */
  evidence: string;
}

/** A workload that runs an admin UI, found once per scan so Services are matched against few. */
export interface AdminUiWorkload {
  workload: Workload;
  match: AdminUiMatch;
}

export function adminUiWorkloads(workloads: readonly Workload[]): AdminUiWorkload[] {
  return workloads.flatMap((workload) => {
    const match = adminUiInWorkload(workload);
    return match ? [{ workload, match }] : [];
  });
}

/**
 * The admin UI a Service leads to: by the images of the pods its selector picks (workloads
 * in the same namespace), else by its name. `service` may be absent when an Ingress names a
 * Service the scan does not contain; then only the name counts.
 */
export function adminUiBehind(name: string, service: Resource | undefined, uis: readonly AdminUiWorkload[]): AdminUiMatch | undefined {
  const selector = service && selectorOf(service);
  if (service && selector) {
    const selected = uis.find(
      ({ workload }) => sameNamespace(workload.resource, service) && selectorMatches({ matchLabels: selector }, podLabelsOf(workload)),
    );
    if (selected) return selected.match;
  }
  const byName = ADMIN_UIS.find((ui) => ui.serviceNames.some((known) => name === known || name.endsWith(`-${known}`)));
  return byName && { title: byName.title, evidence: `Service named "${name}"` };
}

function adminUiInWorkload(workload: Workload): AdminUiMatch | undefined {
  for (const container of workload.containers) {
    if (container.group !== "containers" || typeof container.spec.image !== "string") continue;
    const image = container.spec.image;
    const repository = repositoryOf(image);
    const ui = ADMIN_UIS.find(
      (candidate) =>
        candidate.images.some((known) => repository === known || repository.endsWith(`/${known}`)) &&
        (!candidate.program || runsProgram(container, candidate.program)),
    );
    if (ui) return { title: ui.title, evidence: `image ${image} in ${describeResource(workload.resource)}` };
  }
  return undefined;
}

function runsProgram(container: Container, program: string): boolean {
  const words = [container.spec.command, container.spec.args].flatMap((list) => (Array.isArray(list) ? list : []));
  return words.some((word) => typeof word === "string" && (word === program || word.endsWith(`/${program}`)));
}

/** `ghcr.io/mirror/grafana/grafana:10.4.0@sha256:…` → `mirror/grafana/grafana`; Docker Hub's `library/` is dropped. */
function repositoryOf(image: string): string {
  let reference = image.trim().toLowerCase();
  const digest = reference.indexOf("@");
  if (digest >= 0) reference = reference.slice(0, digest);
  const tag = reference.lastIndexOf(":");
  if (tag > reference.lastIndexOf("/")) reference = reference.slice(0, tag);
  const parts = reference.split("/");
  // The first part is a registry host when it has a dot or a port, or is localhost.
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0] ?? "")) parts.shift();
  if (parts.length > 1 && parts[0] === "library") parts.shift();
  return parts.join("/");
}

/** Objects without a namespace land in the default one (as kubectl applies them without `-n`). */
function sameNamespace(a: Resource, b: Resource): boolean {
  return (a.namespace ?? "default") === (b.namespace ?? "default");
}

/** `namespace/name` of an object called `name` in the namespace of `resource`. */
export function namespacedName(resource: Resource, name: string): string {
  return `${resource.namespace ?? "default"}/${name}`;
}

function selectorOf(service: Resource): Record<string, string> | undefined {
  const selector = valueAt(service.object, ["spec", "selector"]);
  if (!isRecord(selector)) return undefined;
  const entries = Object.entries(selector);
  if (entries.length === 0 || entries.some(([, value]) => typeof value !== "string")) return undefined;
  return selector as Record<string, string>;
}
