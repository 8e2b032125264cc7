import { isRecord } from "../../manifests/load.js";
import { azurePolicy, NSA_POD_SECURITY } from "../standards.js";
import { isSet, listed, securityContextSetters, shown } from "./fields.js";
import { pssRule } from "./rule.js";
import { type Revisions, revisionAt } from "./version.js";

/** The SELinux types baseline allows, by policy version; an empty or missing type is always allowed. */
const ALLOWED_TYPES: Revisions<readonly string[]> = [
  [0, ["container_t", "container_init_t", "container_kvm_t"]],
  [31, ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"]],
];

export const seLinuxOptions = pssRule({
  control: { id: "seLinuxOptions", level: "baseline", since: 0, source: "check_seLinuxOptions.go" },
  title: "Pod or container sets a custom SELinux type, user or role",
  severity: "medium",
  description:
    "The container runtime gives every container an SELinux label that confines it to its own files. A custom type (such as spc_t, unconfined) or a custom user or role in `seLinuxOptions` can lift that confinement and give the container access to host files and processes.",
  remediation:
    "Remove `seLinuxOptions.user` and `seLinuxOptions.role`, and leave `type` unset or use container_t, container_init_t, container_kvm_t (or container_engine_t from v1.31); setting `level` is fine.",
  fix: 'securityContext:\n  seLinuxOptions:\n    level: "s0:c123,c456"',
  standards: [
    NSA_POD_SECURITY,
    azurePolicy("e1e6c427-07d9-46ab-9689-bfa85431e636", "Kubernetes cluster pods and containers should only use allowed SELinux options"),
  ],
  *violations(workload, policy) {
    const allowedTypes = revisionAt(ALLOWED_TYPES, policy);
    for (const setter of securityContextSetters(workload)) {
      const options = setter.securityContext.seLinuxOptions;
      if (!isRecord(options)) continue;
      const forbidden: { field: string; problem: string }[] = [];
      const { type, user, role } = options;
      if (isSet(type) && type !== "" && !(typeof type === "string" && allowedTypes.includes(type))) {
        forbidden.push({ field: "type", problem: `type ${shown(type)} (allowed: ${listed(allowedTypes)})` });
      }
      if (isSet(user) && user !== "") forbidden.push({ field: "user", problem: `user ${shown(user)} (must be empty)` });
      if (isSet(role) && role !== "") forbidden.push({ field: "role", problem: `role ${shown(role)} (must be empty)` });
      const [first] = forbidden;
      if (!first) continue;
      yield {
        resource: workload.resource,
        ...(setter.container && { container: setter.container }),
        path: [...setter.path, "seLinuxOptions", first.field],
        message: `${setter.subject} sets SELinux ${listed(forbidden.map(({ problem }) => problem))}, which baseline forbids.`,
      };
    }
  },
});
