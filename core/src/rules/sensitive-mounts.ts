import { isRecord } from "../manifests/load.js";
import type { Workload } from "../manifests/workloads.js";
import { type RuleDescriptor, representativeScore } from "../model/index.js";
import { describeContainer, describeResource } from "./describe.js";
import { classifyHostPath, type HostPathExposure, normalizeHostPath } from "./host-paths.js";
import { azurePolicy, cis, ESCAPE_TO_HOST, mitre, NSA_POD_SECURITY } from "./standards.js";
import type { ManifestRule } from "./types.js";

const HOST_PATH_URI = "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath";
const CIS_HOST_PATH = cis("5.2.12", "Minimize the admission of HostPath volumes");
const AZURE_ALLOWED_HOST_PATHS = azurePolicy(
  "098fc59e-46c7-4d99-9b16-64990e543d75",
  "Kubernetes cluster pod hostPath volumes should only use allowed host paths",
);
const REPLACE_HOST_PATH =
  "Replace the hostPath volume with an emptyDir, a ConfigMap or Secret, a projected volume or a PersistentVolumeClaim. A node agent that truly needs it should mount the narrowest path, read-only, in a dedicated namespace.";

interface HostPathVolume {
  workload: Workload;
  index: number;
  name: string;
  /** The path as written, or undefined when the volume has none. */
  path?: string;
}

/** Every hostPath volume of every workload, whatever its shape. */
function* hostPathVolumes(workloads: readonly Workload[]): Generator<HostPathVolume> {
  for (const workload of workloads) {
    const volumes = workload.podSpec.volumes;
    if (!Array.isArray(volumes)) continue;
    for (const [index, volume] of volumes.entries()) {
      if (!isRecord(volume) || !isRecord(volume.hostPath)) continue;
      const name = typeof volume.name === "string" ? volume.name : `volumes[${index}]`;
      const path = typeof volume.hostPath.path === "string" ? volume.hostPath.path : undefined;
      yield { workload, index, name, ...(path !== undefined && { path }) };
    }
  }
}

/** `/var/run/../lib/kubelet (/var/lib/kubelet)`: the path as written and, when it differs, as the node resolves it. */
function shownPath(path: string): string {
  const normalized = normalizeHostPath(path);
  return normalized === path ? path : `${path} (${normalized})`;
}

/**
 * A rule reporting each hostPath volume whose exposure is of `kind`, once per volume,
 * located at its `hostPath.path`. Each volume has one exposure (the most severe), so it is
 * reported by at most one of these rules.
 */
function exposureRule<K extends HostPathExposure["kind"]>(
  kind: K,
  descriptor: Omit<RuleDescriptor, "kind" | "score" | "helpUri">,
  consequence: (exposure: Extract<HostPathExposure, { kind: K }>) => string,
): ManifestRule {
  return {
    descriptor: { ...descriptor, kind: "misconfiguration", score: representativeScore(descriptor.severity), helpUri: HOST_PATH_URI },
    *check({ workloads }) {
      for (const volume of hostPathVolumes(workloads)) {
        if (volume.path === undefined) continue;
        const exposure = classifyHostPath(normalizeHostPath(volume.path));
        if (exposure?.kind !== kind) continue;
        const { resource, podSpecPath } = volume.workload;
        yield {
          resource,
          path: [...podSpecPath, "volumes", volume.index, "hostPath", "path"],
          message: `${describeResource(resource)} mounts the node's ${shownPath(volume.path)} through hostPath volume "${volume.name}", ${consequence(exposure as Extract<HostPathExposure, { kind: K }>)}.`,
        };
      }
    },
  };
}

export const hostRootMount = exposureRule(
  "host-root",
  {
    id: "mount-host-root",
    title: "Pod mounts the node's root file system",
    severity: "critical",
    description:
      "A hostPath volume of `/` hands the container the node's whole file system: credentials, the kubelet's state, every other pod's data and the container runtime socket. Writing to it, or merely reading it, is a takeover of the node.",
    remediation: REPLACE_HOST_PATH,
    fix: "volumes:\n  - name: data\n    emptyDir: {}",
    standards: [CIS_HOST_PATH, NSA_POD_SECURITY, ESCAPE_TO_HOST, AZURE_ALLOWED_HOST_PATHS],
  },
  () => "the node's entire file system",
);

export const runtimeSocketMount = exposureRule(
  "runtime-socket",
  {
    id: "mount-runtime-socket",
    title: "Pod mounts the container runtime socket",
    severity: "critical",
    description:
      "A hostPath volume that is, or contains, the Docker, containerd or CRI-O socket lets the container ask the runtime to start a privileged container with the node's file system mounted: a takeover of the node. `readOnly: true` does not help, because connecting to a socket is not a write to the file system. Mounting a parent directory such as /var/run or /var exposes the socket just the same.",
    remediation:
      "Remove the volume. Build images with a daemonless builder (BuildKit rootless, Kaniko, Buildah) and read container metadata through the Kubernetes API instead of the runtime.",
    fix: "volumes:\n  - name: cache\n    emptyDir: {}",
    references: ["https://kubernetes.io/docs/tasks/administer-cluster/migrating-from-dockershim/find-out-runtime-you-use/"],
    standards: [CIS_HOST_PATH, NSA_POD_SECURITY, ESCAPE_TO_HOST, mitre("T1610", "Deploy Container"), AZURE_ALLOWED_HOST_PATHS],
  },
  ({ sockets }) => `which exposes the container runtime socket ${sockets.join(", ")}`,
);

export const sensitiveHostPathMount = exposureRule(
  "sensitive",
  {
    id: "mount-sensitive-host-path",
    title: "Pod mounts a sensitive node directory",
    severity: "high",
    description:
      "A hostPath volume of a sensitive node directory (/etc, /proc, /sys, /dev, /boot, /root, /home, /var/lib/kubelet, /var/log, /var/lib/docker, /var/lib/containerd, /etc/kubernetes), of a directory inside one, or of a parent of one (such as /var/lib) exposes credentials and controls of the node; read-only access is enough to steal Secrets and tokens, write access to take the node over. Harmless parts are exempt: the public CA bundles (/etc/ssl/certs, /etc/pki/tls/certs, /etc/pki/ca-trust/extracted, /etc/ca-certificates), the time zone (/etc/localtime, /etc/timezone) and the syslog socket (/dev/log); the writable-mount rule still applies to them.",
    remediation: `${REPLACE_HOST_PATH} Read node metrics and logs through the kubelet or the Kubernetes API rather than the node's files.`,
    fix: "volumes:\n  - name: config\n    configMap:\n      name: app-config",
    standards: [
      CIS_HOST_PATH,
      NSA_POD_SECURITY,
      ESCAPE_TO_HOST,
      mitre("T1552.001", "Unsecured Credentials: Credentials In Files"),
      AZURE_ALLOWED_HOST_PATHS,
    ],
  },
  ({ within, containing }) => (within ? `exposing ${within.exposes}` : `which contains ${containing.map((area) => area.path).join(", ")}`),
);

export const writableHostPathMount: ManifestRule = {
  descriptor: {
    id: "mount-writable-host-path",
    kind: "misconfiguration",
    title: "Container mounts a hostPath volume writable",
    severity: "medium",
    score: representativeScore("medium"),
    description:
      "A container mounts a hostPath volume without `readOnly: true`, so it can change files on the node: plant binaries or configuration that the node or other pods later run, fill the node's disk, or tamper with logs. Reported once per container and mount; the volume itself is judged by the other mount- rules.",
    remediation:
      "Set `readOnly: true` on the volumeMount, or replace the hostPath volume with one the pod owns (emptyDir, PersistentVolumeClaim).",
    fix: "volumeMounts:\n  - name: host-logs\n    mountPath: /host/var/log\n    readOnly: true",
    helpUri: HOST_PATH_URI,
    standards: [CIS_HOST_PATH, NSA_POD_SECURITY, ESCAPE_TO_HOST, AZURE_ALLOWED_HOST_PATHS],
  },
  *check({ workloads }) {
    for (const workload of workloads) {
      const hostPaths = new Map<string, HostPathVolume>();
      for (const volume of hostPathVolumes([workload])) if (!hostPaths.has(volume.name)) hostPaths.set(volume.name, volume);
      if (hostPaths.size === 0) continue;
      for (const container of workload.containers) {
        const mounts = container.spec.volumeMounts;
        if (!Array.isArray(mounts)) continue;
        for (const [index, mount] of mounts.entries()) {
          if (!isRecord(mount) || typeof mount.name !== "string" || mount.readOnly === true) continue;
          const volume = hostPaths.get(mount.name);
          if (!volume) continue;
          const at = typeof mount.mountPath === "string" ? ` at ${mount.mountPath}` : "";
          yield {
            resource: workload.resource,
            container,
            path: [...container.path, "volumeMounts", index, "readOnly"],
            message: `${describeContainer(container, workload.resource)} mounts hostPath volume "${volume.name}" (${volume.path ?? "no path"}) writable${at}.`,
          };
        }
      }
    }
  },
};

/** hostPath exposure rules: one finding per offending volume, and one per writable mount. */
export const SENSITIVE_MOUNT_RULES: readonly ManifestRule[] = [
  hostRootMount,
  runtimeSocketMount,
  sensitiveHostPathMount,
  writableHostPathMount,
];
