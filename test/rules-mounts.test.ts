import { describe, expect, it } from "vitest";
import { DEFAULT_RULE_OPTIONS, loadManifests, runRules, toWorkloads } from "../core/src/index.js";
import { classifyHostPath, normalizeHostPath } from "../core/src/rules/host-paths.js";
import { SENSITIVE_MOUNT_RULES } from "../core/src/rules/sensitive-mounts.js";

function findingsFor(text: string) {
  const { resources } = loadManifests([{ path: "m.yaml", text }]);
  return runRules(SENSITIVE_MOUNT_RULES, { resources, workloads: toWorkloads(resources), options: DEFAULT_RULE_OPTIONS }, "t");
}

/**
 * A Pod in namespace n with one container "app" and these hostPath volumes, none of them
 * mounted: the first volume's `path:` is on line 11, column 9, each next one three lines down.
 */
function podWithHostPaths(...paths: string[]): string {
  const volumes = paths.map((path, index) => `    - name: v${index}\n      hostPath:\n        path: "${path}"\n`).join("");
  return `apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: n }\nspec:\n  containers:\n    - name: app\n      image: app:1\n  volumes:\n${volumes}`;
}

/** `rule@line:column` of each finding. */
function summary(findings: ReturnType<typeof findingsFor>): string[] {
  return findings.map((finding) => `${finding.ruleId}@${finding.location?.startLine}:${finding.location?.startColumn}`);
}

describe("normalizeHostPath", () => {
  it.each([
    ["/var/run/docker.sock", "/var/run/docker.sock"],
    ["/var/run/", "/var/run"],
    ["//var//run///docker.sock", "/var/run/docker.sock"],
    ["/var/./run/./docker.sock", "/var/run/docker.sock"],
    ["/var/lib/../run/docker.sock", "/var/run/docker.sock"],
    ["/../../etc", "/etc"],
    ["/tmp/..", "/"],
    ["//", "/"],
    ["", "/"],
    ["var/log", "/var/log"],
  ])("%j is %j", (input, expected) => {
    expect(normalizeHostPath(input)).toBe(expected);
  });
});

describe("classifyHostPath", () => {
  it("calls / the host root", () => {
    expect(classifyHostPath("/")).toEqual({ kind: "host-root" });
  });

  it("finds runtime sockets in the socket itself and in every directory above it", () => {
    expect(classifyHostPath("/run/containerd/containerd.sock")).toEqual({
      kind: "runtime-socket",
      sockets: ["/run/containerd/containerd.sock"],
    });
    expect(classifyHostPath("/var/run/crio")).toEqual({ kind: "runtime-socket", sockets: ["/var/run/crio/crio.sock"] });
    expect(classifyHostPath("/run")).toEqual({
      kind: "runtime-socket",
      sockets: ["/run/docker.sock", "/run/containerd/containerd.sock", "/run/crio/crio.sock"],
    });
    expect(classifyHostPath("/var")).toEqual({
      kind: "runtime-socket",
      sockets: ["/var/run/docker.sock", "/var/run/containerd/containerd.sock", "/var/run/crio/crio.sock"],
    });
  });

  it("judges a path inside a sensitive directory by the deepest one, and a parent by what it contains", () => {
    expect(classifyHostPath("/etc/kubernetes/pki")).toMatchObject({
      kind: "sensitive",
      within: { path: "/etc/kubernetes" },
      containing: [],
    });
    expect(classifyHostPath("/etc/ssl")).toMatchObject({ kind: "sensitive", within: { path: "/etc" } });
    expect(classifyHostPath("/var/lib")).toMatchObject({
      kind: "sensitive",
      containing: [{ path: "/var/lib/kubelet" }, { path: "/var/lib/docker" }, { path: "/var/lib/containerd" }],
    });
  });

  it("compares whole path segments and exempts the harmless subtrees", () => {
    for (const path of [
      "/etc-backup",
      "/varnish",
      "/devices",
      "/data",
      "/usr/share/zoneinfo",
      "/etc/ssl/certs",
      "/etc/ssl/certs/ca.pem",
      "/dev/log",
      "/lib/modules",
    ]) {
      expect(classifyHostPath(path), path).toBeUndefined();
    }
  });
});

describe("hostPath exposure rules", () => {
  it("report the runtime socket at the volume's path with the resource and the socket", () => {
    const findings = findingsFor(podWithHostPaths("/var/run/docker.sock"));
    expect(summary(findings)).toEqual(["mount-runtime-socket@11:9"]);
    expect(findings[0]?.severity).toBe("critical");
    expect(findings[0]?.message).toBe(
      'Pod n/p mounts the node\'s /var/run/docker.sock through hostPath volume "v0", which exposes the container runtime socket /var/run/docker.sock.',
    );
  });

  it("normalise the path and say so, and report each volume once, under its most severe exposure", () => {
    const findings = findingsFor(
      podWithHostPaths("//var/run/./containerd/", "/./", "/var/lib/kubelet/pods/../", "/etc/ssl/", "/var/lib", "/etc/ssl/certs"),
    );
    expect(summary(findings)).toEqual([
      "mount-host-root@14:9",
      "mount-runtime-socket@11:9",
      "mount-sensitive-host-path@17:9",
      "mount-sensitive-host-path@20:9",
      "mount-sensitive-host-path@23:9",
    ]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "Pod n/p mounts the node's /./ (/) through hostPath volume \"v1\", the node's entire file system.",
      'Pod n/p mounts the node\'s //var/run/./containerd/ (/var/run/containerd) through hostPath volume "v0", which exposes the container runtime socket /var/run/containerd/containerd.sock.',
      "Pod n/p mounts the node's /var/lib/kubelet/pods/../ (/var/lib/kubelet) through hostPath volume \"v2\", exposing the kubelet's state: every pod's Secrets and the kubelet's credentials.",
      "Pod n/p mounts the node's /etc/ssl/ (/etc/ssl) through hostPath volume \"v3\", exposing the node's configuration and credentials (/etc/shadow, SSH and kubelet configuration).",
      'Pod n/p mounts the node\'s /var/lib through hostPath volume "v4", which contains /var/lib/kubelet, /var/lib/docker, /var/lib/containerd.',
    ]);
    expect(findings.map((finding) => finding.severity)).toEqual(["critical", "critical", "high", "high", "high"]);
  });

  it("check every workload kind", () => {
    const findings = findingsFor(
      "apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: backup }\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{ name: a, image: a:1 }]\n          volumes:\n            - { name: root, hostPath: { path: /root/.ssh } }\n",
    );
    expect(summary(findings)).toEqual(["mount-sensitive-host-path@11:41"]);
    expect(findings[0]?.message).toBe(
      "CronJob backup mounts the node's /root/.ssh through hostPath volume \"root\", exposing root's home directory (SSH keys, cloud credentials).",
    );
  });
});

describe("mount-writable-host-path", () => {
  const daemonSet = [
    "apiVersion: apps/v1",
    "kind: DaemonSet",
    "metadata: { name: agent, namespace: ops }",
    "spec:",
    "  template:",
    "    spec:",
    "      initContainers:",
    "        - name: setup",
    "          image: setup:1",
    "          volumeMounts:",
    "            - name: logs",
    "              mountPath: /host/logs",
    "      containers:",
    "        - name: agent",
    "          image: agent:1",
    "          volumeMounts:",
    "            - { name: logs, mountPath: /host/logs, readOnly: true }",
    "            - name: state",
    "              mountPath: /state",
    "              readOnly: false",
    "            - { name: scratch, mountPath: /tmp }",
    "      ephemeralContainers:",
    "        - name: debug",
    "          image: busybox:1",
    "          volumeMounts: [{ name: state, mountPath: /state }]",
    "      volumes:",
    "        - { name: logs, hostPath: { path: /var/log } }",
    "        - { name: state, hostPath: { path: /opt/agent } }",
    "        - { name: scratch, emptyDir: {} }",
    "",
  ].join("\n");

  it("reports each writable mount of a hostPath volume at the mount, naming the container", () => {
    const findings = findingsFor(daemonSet).filter((finding) => finding.ruleId === "mount-writable-host-path");
    expect(
      findings.map((finding) => [finding.resource?.container, finding.location?.startLine, finding.location?.startColumn, finding.message]),
    ).toEqual([
      ["setup", 11, 15, 'Init container "setup" in DaemonSet ops/agent mounts hostPath volume "logs" (/var/log) writable at /host/logs.'],
      ["agent", 20, 15, 'Container "agent" in DaemonSet ops/agent mounts hostPath volume "state" (/opt/agent) writable at /state.'],
      [
        "debug",
        25,
        26,
        'Ephemeral container "debug" in DaemonSet ops/agent mounts hostPath volume "state" (/opt/agent) writable at /state.',
      ],
    ]);
    expect(findings[0]?.severity).toBe("medium");
  });

  it("judges the volume itself separately, once", () => {
    expect(summary(findingsFor(daemonSet).filter((finding) => finding.ruleId !== "mount-writable-host-path"))).toEqual([
      "mount-sensitive-host-path@27:37",
    ]);
  });
});

describe("hostile shapes", () => {
  it.each([
    ["containers is a string", "apiVersion: v1\nkind: Pod\nmetadata: 7\nspec:\n  containers: x\n  volumes: x\n"],
    [
      "volumes hold junk",
      "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers: [null, 5, { name: a, volumeMounts: x }]\n  volumes: [null, 3, { hostPath: x }, { name: v, hostPath: null }, { name: w, hostPath: { path: 7 } }]\n",
    ],
    [
      "mounts hold junk",
      "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - { name: a, volumeMounts: [null, 1, { name: 3 }, { readOnly: false }] }\n  volumes: [{ name: v, hostPath: { path: [] } }]\n",
    ],
    ["spec is a list", "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec: [1, 2]\n"],
  ])("%s: no throw, no finding", (_, text) => {
    expect(findingsFor(text)).toEqual([]);
  });

  it("still reports a writable mount of a hostPath volume without a usable path, but cannot judge the path", () => {
    const findings = findingsFor(
      "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - { name: a, volumeMounts: [{ name: v, mountPath: /v }] }\n  volumes: [{ name: v, hostPath: { path: 7 } }]\n",
    );
    expect(findings.map((finding) => [finding.ruleId, finding.message])).toEqual([
      ["mount-writable-host-path", 'Container "a" in Pod p mounts hostPath volume "v" (no path) writable at /v.'],
    ]);
  });
});
