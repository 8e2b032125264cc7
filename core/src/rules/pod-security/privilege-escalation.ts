import { describeContainer } from "../describe.js";
import { azurePolicy, cis, NSA_POD_SECURITY } from "../standards.js";
import { containerSecurityContext, containerSettingPath, exemptAsWindowsPod, isSet, shown } from "./fields.js";
import { pssRule } from "./rule.js";

export const allowPrivilegeEscalation = pssRule({
  control: { id: "allowPrivilegeEscalation", level: "restricted", since: 8, source: "check_allowPrivilegeEscalation.go" },
  title: "Container allows privilege escalation",
  severity: "medium",
  description:
    "Unless `allowPrivilegeEscalation` is false, a process in the container can gain more privileges than its parent, through set-user-ID binaries or file capabilities (no_new_privs is not set). Restricted requires it to be false on every container; unset means true.",
  remediation: "Set `securityContext.allowPrivilegeEscalation: false` on every container, init container and ephemeral container.",
  fix: "securityContext:\n  allowPrivilegeEscalation: false",
  standards: [
    cis("5.2.6", "Minimize the admission of containers with allowPrivilegeEscalation"),
    NSA_POD_SECURITY,
    azurePolicy("1c6e92c9-99f0-4e55-9cf2-0c234dc48f99", "Kubernetes clusters should not allow container privilege escalation"),
  ],
  *violations(workload, policy) {
    if (exemptAsWindowsPod(workload, policy)) return;
    for (const container of workload.containers) {
      const value = containerSecurityContext(container)?.allowPrivilegeEscalation;
      if (value === false) continue;
      const subject = describeContainer(container, workload.resource);
      yield {
        resource: workload.resource,
        container,
        path: containerSettingPath(container, "allowPrivilegeEscalation"),
        message: isSet(value)
          ? `${subject} sets allowPrivilegeEscalation: ${shown(value)}; restricted requires false.`
          : `${subject} does not set allowPrivilegeEscalation: false, so it defaults to true; restricted requires false.`,
      };
    }
  },
});
