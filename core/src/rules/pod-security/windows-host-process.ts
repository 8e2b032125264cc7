import { isRecord } from "../../manifests/load.js";
import { cis, ESCAPE_TO_HOST, NSA_POD_SECURITY } from "../standards.js";
import { securityContextSetters } from "./fields.js";
import { pssRule } from "./rule.js";

export const windowsHostProcess = pssRule({
  control: { id: "windowsHostProcess", level: "baseline", since: 0, source: "check_windowsHostProcess.go" },
  title: "Windows HostProcess container",
  severity: "high",
  description:
    "A Windows HostProcess container runs directly on the node as a host process, with the node's network, file system and whatever host account it chooses: it is the Windows equivalent of a privileged container.",
  remediation:
    "Remove `windowsOptions.hostProcess: true` from the pod and its containers; run node agents that truly need the host in a dedicated, separately controlled namespace.",
  fix: "securityContext:\n  windowsOptions:\n    hostProcess: false",
  standards: [cis("5.2.11", "Minimize the admission of Windows HostProcess containers"), NSA_POD_SECURITY, ESCAPE_TO_HOST],
  *violations(workload) {
    for (const setter of securityContextSetters(workload)) {
      const options = setter.securityContext.windowsOptions;
      if (!isRecord(options) || options.hostProcess !== true) continue;
      yield {
        resource: workload.resource,
        ...(setter.container && { container: setter.container }),
        path: [...setter.path, "windowsOptions", "hostProcess"],
        message: `${setter.subject} runs as a Windows HostProcess on the node (windowsOptions.hostProcess: true).`,
      };
    }
  },
});
