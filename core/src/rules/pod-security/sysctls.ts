import { describeResource } from "../describe.js";
import { azurePolicy } from "../standards.js";
import { listed, podSecurityContext, podSecurityContextPath, recordEntries, shown } from "./fields.js";
import { pssRule } from "./rule.js";
import { type Revisions, revisionAt } from "./version.js";

const SAFE_1_0 = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
];
const SAFE_1_27 = [...SAFE_1_0, "net.ipv4.ip_local_reserved_ports"];
const SAFE_1_29 = [
  ...SAFE_1_27,
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
];
const SAFE_1_32 = [...SAFE_1_29, "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const SAFE_1_37 = [...SAFE_1_32, "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"];

/** The sysctls baseline considers safe (namespaced and isolated from other pods), by policy version. */
const SAFE_SYSCTLS: Revisions<readonly string[]> = [
  [0, SAFE_1_0],
  [27, SAFE_1_27],
  [29, SAFE_1_29],
  [32, SAFE_1_32],
  [37, SAFE_1_37],
];

export const sysctls = pssRule({
  control: { id: "sysctls", level: "baseline", since: 0, source: "check_sysctls.go" },
  title: "Pod sets an unsafe sysctl",
  severity: "medium",
  description:
    "Sysctls set in the pod's securityContext apply to the kernel the pod shares with its node. Baseline allows only a safe list that is namespaced and isolated from other pods (port ranges, TCP keepalive and buffer settings, ...); any other can disable security mechanisms or affect every pod on the node. The list grows with the policy version (v1.27, v1.29, v1.32, v1.37).",
  remediation:
    "Remove the sysctl from `securityContext.sysctls`, or set it on dedicated nodes through the kubelet's allowed-unsafe-sysctls and a separately controlled namespace.",
  fix: 'securityContext:\n  sysctls:\n    - name: net.ipv4.ip_local_port_range\n      value: "1024 65535"',
  standards: [
    azurePolicy("56d0a13f-712f-466b-8416-56fb354fb823", "Kubernetes cluster containers should not use forbidden sysctl interfaces"),
  ],
  *violations(workload, policy) {
    const safe = revisionAt(SAFE_SYSCTLS, policy);
    for (const { value: sysctl, index } of recordEntries(podSecurityContext(workload)?.sysctls)) {
      const name = typeof sysctl.name === "string" ? sysctl.name : "";
      if (safe.includes(name)) continue;
      yield {
        resource: workload.resource,
        path: [...podSecurityContextPath(workload), "sysctls", index, "name"],
        message: `${describeResource(workload.resource)} sets sysctl ${name === "" ? "(no name)" : shown(name)}, which baseline v1.${policy.minor} does not allow (safe: ${listed(safe)}).`,
      };
    }
  },
});
