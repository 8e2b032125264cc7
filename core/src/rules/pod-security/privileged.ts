import { describeContainer } from "../describe.js";
import { azurePolicy, cis, ESCAPE_TO_HOST, NSA_POD_SECURITY } from "../standards.js";
import { containerSecurityContext } from "./fields.js";
import { pssRule } from "./rule.js";

export const privilegedContainer = pssRule({
  control: { id: "privileged", level: "baseline", since: 0, source: "check_privileged.go" },
  title: "Privileged container",
  severity: "high",
  description:
    "A privileged container runs with every Linux capability and full access to the node's devices; a compromise of the container is a compromise of the node.",
  remediation: "Remove `privileged: true`, or set it to false, and grant only the specific capabilities the workload needs.",
  fix: 'securityContext:\n  privileged: false\n  allowPrivilegeEscalation: false\n  capabilities:\n    drop: ["ALL"]',
  standards: [
    cis("5.2.2", "Minimize the admission of privileged containers"),
    NSA_POD_SECURITY,
    ESCAPE_TO_HOST,
    azurePolicy("95edb821-ddaf-4404-9732-666045e056b4", "Kubernetes cluster should not allow privileged containers"),
  ],
  *violations(workload) {
    for (const container of workload.containers) {
      if (containerSecurityContext(container)?.privileged !== true) continue;
      yield {
        resource: workload.resource,
        container,
        path: [...container.path, "securityContext", "privileged"],
        message: `${describeContainer(container, workload.resource)} runs privileged.`,
      };
    }
  },
});
