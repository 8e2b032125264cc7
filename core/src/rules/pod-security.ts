import { isRecord } from "../manifests/load.js";
import { representativeScore } from "../model/index.js";
import { describeContainer, describeResource } from "./describe.js";
import { azurePolicy, cis, mitre, nsaCisa, pss } from "./standards.js";
import type { ManifestRule, Violation } from "./types.js";

const PSS_URI = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";
const ESCAPE_TO_HOST = mitre("T1611", "Escape to Host");
const NSA_POD_SECURITY = nsaCisa("pod-security", "Kubernetes Pod security");

export const privilegedContainer: ManifestRule = {
  descriptor: {
    id: "pss-privileged",
    kind: "misconfiguration",
    title: "Privileged container",
    severity: "high",
    score: representativeScore("high"),
    description:
      "A privileged container runs with every Linux capability and full access to the node's devices; a compromise of the container is a compromise of the node.",
    remediation: "Remove `privileged: true`, or set it to false, and grant only the specific capabilities the workload needs.",
    fix: 'securityContext:\n  privileged: false\n  allowPrivilegeEscalation: false\n  capabilities:\n    drop: ["ALL"]',
    helpUri: PSS_URI,
    standards: [
      pss("baseline", "privileged"),
      cis("5.2.2", "Minimize the admission of privileged containers"),
      NSA_POD_SECURITY,
      ESCAPE_TO_HOST,
      azurePolicy("95edb821-ddaf-4404-9732-666045e056b4", "Kubernetes cluster should not allow privileged containers"),
    ],
  },
  *check({ workloads }) {
    for (const workload of workloads) {
      for (const container of workload.containers) {
        const context = container.spec.securityContext;
        if (isRecord(context) && context.privileged === true) {
          yield {
            resource: workload.resource,
            container,
            path: [...container.path, "securityContext", "privileged"],
            message: `${describeContainer(container, workload.resource)} runs privileged.`,
          };
        }
      }
    }
  },
};

const HOST_NAMESPACE_FIELDS = { hostNetwork: "network", hostPID: "process ID", hostIPC: "IPC" } as const;

export const hostNamespaces: ManifestRule = {
  descriptor: {
    id: "pss-host-namespaces",
    kind: "misconfiguration",
    title: "Pod shares a host namespace",
    severity: "high",
    score: representativeScore("high"),
    description:
      "With hostNetwork, hostPID or hostIPC the pod shares the node's network stack, process table or IPC; it can sniff traffic, see and signal host processes, and reach services bound to the node's loopback.",
    remediation:
      "Remove `hostNetwork`, `hostPID` and `hostIPC`, or set them to false. Expose ports through a Service instead of the host network.",
    fix: "spec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false",
    helpUri: PSS_URI,
    standards: [
      pss("baseline", "hostNamespaces"),
      cis("5.2.3", "Minimize the admission of containers wishing to share the host process ID namespace"),
      cis("5.2.4", "Minimize the admission of containers wishing to share the host IPC namespace"),
      cis("5.2.5", "Minimize the admission of containers wishing to share the host network namespace"),
      NSA_POD_SECURITY,
      ESCAPE_TO_HOST,
      azurePolicy(
        "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8",
        "Kubernetes cluster containers should not share host process ID or host IPC namespace",
      ),
      azurePolicy("82985f06-dc18-4a48-bc1c-b9f4f0098cfe", "Kubernetes cluster pods should only use approved host network and port range"),
    ],
  },
  *check({ workloads }) {
    for (const workload of workloads) {
      for (const [field, namespace] of Object.entries(HOST_NAMESPACE_FIELDS)) {
        if (workload.podSpec[field] === true) {
          yield {
            resource: workload.resource,
            path: [...workload.podSpecPath, field],
            message: `${describeResource(workload.resource)} shares the host's ${namespace} namespace (${field}: true).`,
          };
        }
      }
    }
  },
};

export const hostPathVolumes: ManifestRule = {
  descriptor: {
    id: "pss-host-path-volumes",
    kind: "misconfiguration",
    title: "Pod mounts a hostPath volume",
    severity: "medium",
    score: representativeScore("medium"),
    description:
      "A hostPath volume exposes part of the node's file system to the pod; writable or sensitive paths (the container runtime socket, /etc, /var/lib/kubelet) let a container take over the node.",
    remediation: "Replace the hostPath volume with an emptyDir, a ConfigMap or Secret, or a PersistentVolumeClaim.",
    fix: "volumes:\n  - name: data\n    emptyDir: {}",
    helpUri: PSS_URI,
    standards: [
      pss("baseline", "hostPathVolumes"),
      cis("5.2.12", "Minimize the admission of HostPath volumes"),
      NSA_POD_SECURITY,
      ESCAPE_TO_HOST,
      azurePolicy("098fc59e-46c7-4d99-9b16-64990e543d75", "Kubernetes cluster pod hostPath volumes should only use allowed host paths"),
    ],
  },
  *check({ workloads }) {
    for (const workload of workloads) {
      const volumes = workload.podSpec.volumes;
      if (!Array.isArray(volumes)) continue;
      for (const [index, volume] of volumes.entries()) {
        if (!isRecord(volume) || volume.hostPath === undefined || volume.hostPath === null) continue;
        yield hostPathViolation(workload.resource, [...workload.podSpecPath, "volumes", index, "hostPath"], volume);
      }
    }
  },
};

function hostPathViolation(resource: Violation["resource"], path: Violation["path"], volume: Record<string, unknown>): Violation {
  const hostPath = isRecord(volume.hostPath) && typeof volume.hostPath.path === "string" ? volume.hostPath.path : "(no path)";
  const name = typeof volume.name === "string" ? volume.name : "(unnamed)";
  return { resource, path, message: `${describeResource(resource)} mounts the node's ${hostPath} through hostPath volume "${name}".` };
}
