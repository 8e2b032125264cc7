import type { Workload } from "../../manifests/workloads.js";
import { describeContainer } from "../describe.js";
import { azurePolicy, NSA_POD_SECURITY } from "../standards.js";
import type { Violation } from "../types.js";
import { containerSecurityContext, isSet, shown, usesUserNamespace } from "./fields.js";
import { pssRule } from "./rule.js";
import type { PssPolicy } from "./version.js";

const PROC_MOUNT_POLICY = azurePolicy(
  "f85eb0dd-92ee-40e9-8a76-db25a507d6d3",
  "Kubernetes cluster containers should only use allowed ProcMountType",
);
const FIX = "securityContext:\n  procMount: Default";

/** From v1.35 baseline allows any procMount in a pod with its own user namespace (`hostUsers: false`). */
function baselineRelaxes(workload: Workload, policy: PssPolicy): boolean {
  return policy.minor >= 35 && usesUserNamespace(workload);
}

function* unmaskedProcViolations(workload: Workload, rule: string): Generator<Violation> {
  for (const container of workload.containers) {
    const procMount = containerSecurityContext(container)?.procMount;
    if (!isSet(procMount) || procMount === "Default") continue;
    yield {
      resource: workload.resource,
      container,
      path: [...container.path, "securityContext", "procMount"],
      message: `${describeContainer(container, workload.resource)} sets procMount: ${shown(procMount)}, ${rule}`,
    };
  }
}

export const procMount = pssRule({
  control: { id: "procMount", level: "baseline", since: 0, source: "check_procMount_baseline.go" },
  title: "Container unmasks /proc",
  severity: "medium",
  description:
    "The runtime masks the parts of /proc that expose the node's kernel (kcore, keys, sysrq-trigger, timer lists, ...) and makes others read-only. `procMount: Unmasked` removes that protection. From v1.35 baseline allows it in pods with their own user namespace (`hostUsers: false`), where the container's root is not the node's.",
  remediation: "Remove `procMount`, or set it to Default.",
  fix: FIX,
  standards: [NSA_POD_SECURITY, PROC_MOUNT_POLICY],
  *violations(workload, policy) {
    if (baselineRelaxes(workload, policy)) return;
    yield* unmaskedProcViolations(workload, "which baseline forbids (allowed: Default).");
  },
});

export const procMountRestricted = pssRule({
  control: { id: "procMount_restricted", level: "restricted", since: 35, source: "check_procMount_restricted.go" },
  title: "Container unmasks /proc in a user-namespaced pod",
  severity: "medium",
  description:
    "Restricted keeps forbidding an unmasked /proc in pods with their own user namespace (`hostUsers: false`), where baseline allows it from v1.35: the masks still hide kernel interfaces that no application needs. In other pods pss-proc-mount reports it.",
  remediation: "Remove `procMount`, or set it to Default.",
  fix: FIX,
  standards: [NSA_POD_SECURITY, PROC_MOUNT_POLICY],
  *violations(workload, policy) {
    if (!baselineRelaxes(workload, policy)) return;
    yield* unmaskedProcViolations(workload, "which restricted forbids even with hostUsers: false (allowed: Default).");
  },
});
