import type { Workload } from "../../manifests/workloads.js";
import { describeContainer } from "../describe.js";
import { azurePolicy, cis, NSA_POD_SECURITY } from "../standards.js";
import {
  containerSecurityContext,
  containerSettingPath,
  describePodLevel,
  isSet,
  podSecurityContext,
  podSecurityContextPath,
  securityContextSetters,
  shown,
  usesUserNamespace,
} from "./fields.js";
import { pssRule } from "./rule.js";
import type { PssPolicy } from "./version.js";

const ROOT_CONTAINERS = cis("5.2.7", "Minimize the admission of root containers");
const APPROVED_IDS = azurePolicy(
  "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
  "Kubernetes cluster pods and containers should only run with approved user and group IDs",
);

/** From v1.35 a pod with its own user namespace (`hostUsers: false`) may run as root: its root is not the node's. */
function relaxedForUserNamespace(workload: Workload, policy: PssPolicy): boolean {
  return policy.minor >= 35 && usesUserNamespace(workload);
}

export const runAsNonRoot = pssRule({
  control: { id: "runAsNonRoot", level: "restricted", since: 0, source: "check_runAsNonRoot.go" },
  title: "Container may run as root",
  severity: "medium",
  description:
    "Without `runAsNonRoot: true` the kubelet starts the container as whatever user its image names, often root; root in a container is root on the node's kernel, one namespace or runtime bug away from the host. Restricted requires it on the pod (containers inherit it) or on every container; from v1.35 it exempts pods with their own user namespace (`hostUsers: false`).",
  remediation:
    "Set `securityContext.runAsNonRoot: true` on the pod (and `runAsUser` to a non-zero UID if the image has no numeric USER), and remove any container-level `runAsNonRoot: false`.",
  fix: "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001",
  standards: [ROOT_CONTAINERS, NSA_POD_SECURITY, APPROVED_IDS],
  *violations(workload, policy) {
    if (relaxedForUserNamespace(workload, policy)) return;
    const podValue = podSecurityContext(workload)?.runAsNonRoot;
    if (isSet(podValue) && podValue !== true) {
      yield {
        resource: workload.resource,
        path: [...podSecurityContextPath(workload), "runAsNonRoot"],
        message: `${describePodLevel(workload)} sets runAsNonRoot: ${shown(podValue)}; restricted requires true.`,
      };
    }
    for (const container of workload.containers) {
      const value = containerSecurityContext(container)?.runAsNonRoot;
      const subject = describeContainer(container, workload.resource);
      if (isSet(value) && value !== true) {
        const path = containerSettingPath(container, "runAsNonRoot");
        yield {
          resource: workload.resource,
          container,
          path,
          message: `${subject} sets runAsNonRoot: ${shown(value)}; restricted requires true.`,
        };
      } else if (!isSet(value) && !isSet(podValue)) {
        // A container inheriting a bad pod-level value is covered by the pod's finding.
        yield {
          resource: workload.resource,
          container,
          path: containerSettingPath(container, "runAsNonRoot"),
          message: `${subject} does not set runAsNonRoot: true, and neither does the pod; restricted requires it.`,
        };
      }
    }
  },
});

export const runAsUser = pssRule({
  control: { id: "runAsUser", level: "restricted", since: 23, source: "check_runAsUser.go" },
  title: "Pod or container runs as user 0 (root)",
  severity: "low",
  description:
    "Restricted forbids `runAsUser: 0` on the pod and on every container. Low: with `runAsNonRoot: true` the kubelet refuses to start such a container, and without it pss-run-as-non-root already reports the container (medium); this names the explicit root UID. From v1.35 it exempts pods with their own user namespace (`hostUsers: false`).",
  remediation: "Set `runAsUser` to a non-zero UID, or remove it and let the image's non-root USER apply.",
  fix: "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001",
  standards: [ROOT_CONTAINERS, NSA_POD_SECURITY, APPROVED_IDS],
  *violations(workload, policy) {
    if (relaxedForUserNamespace(workload, policy)) return;
    for (const setter of securityContextSetters(workload)) {
      if (setter.securityContext.runAsUser !== 0) continue;
      yield {
        resource: workload.resource,
        ...(setter.container && { container: setter.container }),
        path: [...setter.path, "runAsUser"],
        message: `${setter.subject} sets runAsUser: 0 (root), which restricted forbids.`,
      };
    }
  },
});
