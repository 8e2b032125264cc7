import { isRecord } from "../../manifests/load.js";
import type { FieldPath } from "../../manifests/positions.js";
import type { Container, Workload } from "../../manifests/workloads.js";
import { describeContainer } from "../describe.js";
import { azurePolicy, cis, ESCAPE_TO_HOST, NSA_POD_SECURITY } from "../standards.js";
import type { Violation } from "../types.js";
import { containerSecurityContext, containerSettingPath, exemptAsWindowsPod, listed, stringEntries } from "./fields.js";
import { pssRule } from "./rule.js";

/** The container runtimes' default capabilities: baseline lets a container add these back, nothing else. */
const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);
const RESTRICTED_ADDABLE = "NET_BIND_SERVICE";
const ALLOWED_CAPABILITIES_POLICY = azurePolicy(
  "c26596ff-4d70-4e6a-9a30-c2506bd2f80c",
  "Kubernetes cluster containers should only use allowed capabilities",
);

function capabilitiesOf(container: Container): Record<string, unknown> | undefined {
  const capabilities = containerSecurityContext(container)?.capabilities;
  return isRecord(capabilities) ? capabilities : undefined;
}

/** The `add:` entries of a container that `forbidden` picks, as one violation at the first of them. */
function addedViolation(
  workload: Workload,
  container: Container,
  forbidden: (capability: string) => boolean,
  reason: string,
): Violation | undefined {
  const added = stringEntries(capabilitiesOf(container)?.add).filter(({ value }) => forbidden(value));
  const [first] = added;
  if (!first) return undefined;
  const path: FieldPath = [...container.path, "securityContext", "capabilities", "add", first.index];
  const names = [...new Set(added.map(({ value }) => value))];
  const noun = names.length === 1 ? "capability" : "capabilities";
  return {
    resource: workload.resource,
    container,
    path,
    message: `${describeContainer(container, workload.resource)} adds ${noun} ${listed(names)}, ${reason}`,
  };
}

export const capabilitiesBaseline = pssRule({
  control: { id: "capabilities_baseline", level: "baseline", since: 0, source: "check_capabilities_baseline.go" },
  title: "Container adds a capability beyond the runtime defaults",
  severity: "high",
  description:
    "Baseline lets a container add back only the container runtimes' default capabilities. Anything else (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, NET_RAW, ...) hands the container kernel powers that are routinely used to break out to the node or attack its network.",
  remediation:
    "Remove the capability from `securityContext.capabilities.add`; if the workload truly needs it, run it in a separately controlled namespace.",
  fix: 'securityContext:\n  capabilities:\n    drop: ["ALL"]\n    add: ["NET_BIND_SERVICE"]',
  standards: [
    cis("5.2.8", "Minimize the admission of containers with the NET_RAW capability"),
    cis("5.2.9", "Minimize the admission of containers with added capabilities"),
    NSA_POD_SECURITY,
    ESCAPE_TO_HOST,
    ALLOWED_CAPABILITIES_POLICY,
  ],
  *violations(workload, policy) {
    if (exemptAsWindowsPod(workload, policy)) return;
    for (const container of workload.containers) {
      const violation = addedViolation(
        workload,
        container,
        (capability) => !BASELINE_CAPABILITIES.has(capability),
        `which baseline forbids (allowed: ${listed(BASELINE_CAPABILITIES)}).`,
      );
      if (violation) yield violation;
    }
  },
});

export const capabilitiesRestricted = pssRule({
  control: { id: "capabilities_restricted", level: "restricted", since: 22, source: "check_capabilities_restricted.go" },
  title: "Container does not drop all capabilities, or adds one besides NET_BIND_SERVICE",
  severity: "medium",
  description:
    "Restricted requires every container to drop ALL capabilities and to add back at most NET_BIND_SERVICE, so a compromised process holds no kernel privileges beyond its user. Medium: the runtime defaults left in place are limited; capabilities beyond them are reported by pss-capabilities-baseline (high).",
  remediation:
    'Add `drop: ["ALL"]` to `securityContext.capabilities` of every container, and remove every added capability but NET_BIND_SERVICE.',
  fix: 'securityContext:\n  capabilities:\n    drop: ["ALL"]\n    add: ["NET_BIND_SERVICE"]',
  standards: [
    cis("5.2.10", "Minimize the admission of containers with capabilities assigned"),
    NSA_POD_SECURITY,
    ALLOWED_CAPABILITIES_POLICY,
  ],
  *violations(workload, policy) {
    if (exemptAsWindowsPod(workload, policy)) return;
    for (const container of workload.containers) {
      if (!stringEntries(capabilitiesOf(container)?.drop).some(({ value }) => value === "ALL")) {
        yield {
          resource: workload.resource,
          container,
          path: containerSettingPath(container, "capabilities", "drop"),
          message: `${describeContainer(container, workload.resource)} does not drop ALL capabilities; restricted requires capabilities.drop: ["ALL"].`,
        };
      }
      // Capabilities beyond the runtime defaults are pss-capabilities-baseline's finding.
      const violation = addedViolation(
        workload,
        container,
        (capability) => capability !== RESTRICTED_ADDABLE && BASELINE_CAPABILITIES.has(capability),
        `which restricted forbids (only ${RESTRICTED_ADDABLE} may be added).`,
      );
      if (violation) yield violation;
    }
  },
});
