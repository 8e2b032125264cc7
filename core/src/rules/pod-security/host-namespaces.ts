import { describeResource } from "../describe.js";
import { azurePolicy, cis, ESCAPE_TO_HOST, NSA_POD_SECURITY } from "../standards.js";
import { pssRule } from "./rule.js";

const HOST_NAMESPACE_FIELDS = { hostNetwork: "network", hostPID: "process ID", hostIPC: "IPC" } as const;

export const hostNamespaces = pssRule({
  control: { id: "hostNamespaces", level: "baseline", since: 0, source: "check_hostNamespaces.go" },
  title: "Pod shares a host namespace",
  severity: "high",
  description:
    "With hostNetwork, hostPID or hostIPC the pod shares the node's network stack, process table or IPC; it can sniff traffic, see and signal host processes, and reach services bound to the node's loopback.",
  remediation:
    "Remove `hostNetwork`, `hostPID` and `hostIPC`, or set them to false. Expose ports through a Service instead of the host network.",
  fix: "spec:\n  hostNetwork: false\n  hostPID: false\n  hostIPC: false",
  standards: [
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
  *violations(workload) {
    for (const [field, namespace] of Object.entries(HOST_NAMESPACE_FIELDS)) {
      if (workload.podSpec[field] !== true) continue;
      yield {
        resource: workload.resource,
        path: [...workload.podSpecPath, field],
        message: `${describeResource(workload.resource)} shares the host's ${namespace} namespace (${field}: true).`,
      };
    }
  },
});
