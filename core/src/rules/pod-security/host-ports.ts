import { describeContainer } from "../describe.js";
import { azurePolicy, cis, NSA_POD_SECURITY } from "../standards.js";
import { listed, recordEntries } from "./fields.js";
import { pssRule } from "./rule.js";

export const hostPorts = pssRule({
  control: { id: "hostPorts", level: "baseline", since: 0, source: "check_hostPorts.go" },
  title: "Container binds a port on the node",
  severity: "medium",
  description:
    "A hostPort opens the port on the node's own network interfaces and forwards it to the container, bypassing Services and most NetworkPolicy implementations, and it pins the pod to nodes where the port is free.",
  remediation: "Remove `hostPort` from the container's ports and expose the port through a Service (ClusterIP, NodePort or LoadBalancer).",
  fix: "ports:\n  - containerPort: 8080\n    protocol: TCP",
  standards: [
    cis("5.2.13", "Minimize the admission of containers which use HostPorts"),
    NSA_POD_SECURITY,
    azurePolicy("82985f06-dc18-4a48-bc1c-b9f4f0098cfe", "Kubernetes cluster pods should only use approved host network and port range"),
  ],
  *violations(workload) {
    for (const container of workload.containers) {
      const bound = recordEntries(container.spec.ports).filter(({ value }) => typeof value.hostPort === "number" && value.hostPort !== 0);
      const [first] = bound;
      if (!first) continue;
      const ports = bound.map(({ value }) => String(value.hostPort));
      yield {
        resource: workload.resource,
        container,
        path: [...container.path, "ports", first.index, "hostPort"],
        message: `${describeContainer(container, workload.resource)} binds host ${ports.length === 1 ? "port" : "ports"} ${listed(ports)} on the node, which baseline forbids.`,
      };
    }
  },
});
