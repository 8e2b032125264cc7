import { isRecord } from "../../manifests/load.js";
import type { FieldPath } from "../../manifests/positions.js";
import type { Container } from "../../manifests/workloads.js";
import { describeContainer } from "../describe.js";
import { listed } from "./fields.js";
import { pssRule } from "./rule.js";

/** Handlers that send a request from the kubelet, and the actions of theirs that name a host. */
const HANDLERS: readonly FieldPath[] = [
  ["livenessProbe"],
  ["readinessProbe"],
  ["startupProbe"],
  ["lifecycle", "postStart"],
  ["lifecycle", "preStop"],
];
const ACTIONS = ["httpGet", "tcpSocket"] as const;

/** Each non-empty `host` a container's probes and lifecycle hooks send the kubelet to, with its path. */
function probedHosts(container: Container): { host: string; field: FieldPath }[] {
  const hosts: { host: string; field: FieldPath }[] = [];
  for (const handlerPath of HANDLERS) {
    let handler: unknown = container.spec;
    for (const segment of handlerPath) handler = isRecord(handler) ? handler[segment] : undefined;
    if (!isRecord(handler)) continue;
    for (const action of ACTIONS) {
      const target = handler[action];
      if (isRecord(target) && typeof target.host === "string" && target.host !== "") {
        hosts.push({ host: target.host, field: [...handlerPath, action, "host"] });
      }
    }
  }
  return hosts;
}

export const hostProbesAndHostLifecycle = pssRule({
  control: { id: "hostProbesAndHostLifecycle", level: "baseline", since: 34, source: "check_hostProbesAndhostLifecycle.go" },
  title: "Probe or lifecycle hook sends the kubelet to another host",
  severity: "medium",
  description:
    "A probe or lifecycle hook with `httpGet.host` or `tcpSocket.host` makes the kubelet, from the node's network, connect to any address the pod author chooses: node-local services, the cloud metadata endpoint, or other hosts the pod itself cannot reach. Baseline forbids it from v1.34.",
  remediation:
    "Remove `host` from the probe or hook so the kubelet connects to the pod's own IP; use a Service name from inside the container if another host must be checked.",
  fix: "livenessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080",
  standards: [],
  *violations(workload) {
    for (const container of workload.containers) {
      const hosts = probedHosts(container);
      const [first] = hosts;
      if (!first) continue;
      const fields = hosts.map(({ host, field }) => `${field.join(".")}: ${host}`);
      yield {
        resource: workload.resource,
        container,
        path: [...container.path, ...first.field],
        message: `${describeContainer(container, workload.resource)} sends the kubelet's probe or hook requests to another host (${listed(fields)}), which baseline forbids.`,
      };
    }
  },
});
