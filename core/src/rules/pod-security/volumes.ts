import { isRecord } from "../../manifests/load.js";
import type { Workload } from "../../manifests/workloads.js";
import { describeResource } from "../describe.js";
import { azurePolicy, cis, ESCAPE_TO_HOST, NSA_POD_SECURITY } from "../standards.js";
import { isSet, listed, recordEntries } from "./fields.js";
import { pssRule } from "./rule.js";

/** The volume sources restricted allows: ephemeral, projected, or claimed through a PersistentVolume. */
const ALLOWED_VOLUME_TYPES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

/**
 * Every other volume source Kubernetes knows, except hostPath (its own baseline control). A
 * volume with none of the known sources is defaulted to emptyDir by the API server, so it passes.
 */
const RESTRICTED_VOLUME_TYPES = [
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "cephfs",
  "cinder",
  "fc",
  "flexVolume",
  "flocker",
  "gcePersistentDisk",
  "gitRepo",
  "glusterfs",
  "iscsi",
  "nfs",
  "photonPersistentDisk",
  "portworxVolume",
  "quobyte",
  "rbd",
  "scaleIO",
  "storageos",
  "vsphereVolume",
];

function volumesOf(workload: Workload) {
  return recordEntries(workload.podSpec.volumes).map(({ value, index }) => ({
    volume: value,
    path: [...workload.podSpecPath, "volumes", index],
    name: typeof value.name === "string" ? value.name : "(unnamed)",
  }));
}

export const hostPathVolumes = pssRule({
  control: { id: "hostPathVolumes", level: "baseline", since: 0, source: "check_hostPathVolumes.go" },
  title: "Pod mounts a hostPath volume",
  severity: "medium",
  description:
    "A hostPath volume exposes part of the node's file system to the pod; writable or sensitive paths (the container runtime socket, /etc, /var/lib/kubelet) let a container take over the node.",
  remediation: "Replace the hostPath volume with an emptyDir, a ConfigMap or Secret, or a PersistentVolumeClaim.",
  fix: "volumes:\n  - name: data\n    emptyDir: {}",
  standards: [
    cis("5.2.12", "Minimize the admission of HostPath volumes"),
    NSA_POD_SECURITY,
    ESCAPE_TO_HOST,
    azurePolicy("098fc59e-46c7-4d99-9b16-64990e543d75", "Kubernetes cluster pod hostPath volumes should only use allowed host paths"),
  ],
  *violations(workload) {
    for (const { volume, path, name } of volumesOf(workload)) {
      if (!isSet(volume.hostPath)) continue;
      const nodePath = isRecord(volume.hostPath) && typeof volume.hostPath.path === "string" ? volume.hostPath.path : "(no path)";
      yield {
        resource: workload.resource,
        path: [...path, "hostPath"],
        message: `${describeResource(workload.resource)} mounts the node's ${nodePath} through hostPath volume "${name}".`,
      };
    }
  },
});

export const restrictedVolumes = pssRule({
  control: { id: "restrictedVolumes", level: "restricted", since: 0, source: "check_restrictedVolumes.go" },
  title: "Pod uses a volume type restricted forbids",
  severity: "low",
  description:
    "Restricted allows only volume types that are ephemeral, projected from the API, or claimed through a PersistentVolume (configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret). Other in-tree types (nfs, iscsi, rbd, gitRepo, ...) mount storage directly from the pod spec, bypassing the cluster's storage policy and often running node-side helpers. Low: none of them is a direct path onto the node; hostPath, which is, is reported by pss-host-path-volumes.",
  remediation:
    "Mount the storage through a PersistentVolumeClaim backed by a PersistentVolume or StorageClass, or use a CSI driver; use an init container instead of gitRepo.",
  fix: "volumes:\n  - name: data\n    persistentVolumeClaim:\n      claimName: data",
  standards: [
    NSA_POD_SECURITY,
    azurePolicy("16697877-1118-4fb1-9b65-9898ec2509ec", "Kubernetes cluster pods should only use allowed volume types"),
  ],
  *violations(workload) {
    for (const { volume, path, name } of volumesOf(workload)) {
      // A volume with an allowed source passes; hostPath is pss-host-path-volumes' finding.
      if (ALLOWED_VOLUME_TYPES.some((type) => isSet(volume[type])) || isSet(volume.hostPath)) continue;
      const type = RESTRICTED_VOLUME_TYPES.find((candidate) => isSet(volume[candidate]));
      if (!type) continue;
      yield {
        resource: workload.resource,
        path: [...path, type],
        message: `${describeResource(workload.resource)} mounts volume "${name}" of type ${type}, which restricted forbids (allowed: ${listed(ALLOWED_VOLUME_TYPES)}).`,
      };
    }
  },
});
