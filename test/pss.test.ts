import { describe, expect, it } from "vitest";
import {
  DEFAULT_RULE_OPTIONS,
  type Finding,
  loadManifests,
  type PssLevel,
  type PssVersion,
  runRules,
  toWorkloads,
} from "../core/src/index.js";
import { NEWEST_PSS_MINOR, POD_SECURITY_RULES } from "../core/src/rules/pod-security/index.js";

/** Lines joined into a YAML document, so tests can count lines by index (line n is lines[n - 1]). */
const yaml = (...lines: string[]) => `${lines.join("\n")}\n`;

function findingsFor(text: string, level: PssLevel = "restricted", version: PssVersion = "latest"): Finding[] {
  const { resources } = loadManifests([{ path: "w.yaml", text }]);
  const options = { ...DEFAULT_RULE_OPTIONS, pssLevel: level, pssVersion: version };
  return runRules(POD_SECURITY_RULES, { resources, workloads: toWorkloads(resources), options }, "manifests/w.yaml");
}

const v = (minor: number): PssVersion => ({ major: 1, minor });
const at = (findings: readonly Finding[]) =>
  findings.map((finding) => `${finding.ruleId}@${finding.location?.startLine}:${finding.location?.startColumn}`);
const ids = (findings: readonly Finding[]) => findings.map((finding) => finding.ruleId);

interface PodLines {
  /** Lines of the pod spec before its securityContext (two spaces in). */
  spec?: string[];
  /** Lines of the pod-level securityContext (four spaces in). */
  podSecurity?: string[];
  /** Lines of the container's securityContext (eight spaces in) or of the container itself (six). */
  container?: string[];
}

/** A pod that passes restricted at every version, plus the given lines. */
function restrictedPod({ spec = [], podSecurity = [], container = [] }: PodLines = {}): string {
  return yaml(
    "apiVersion: v1",
    "kind: Pod",
    "metadata: { name: p, namespace: n }",
    "spec:",
    ...spec,
    "  securityContext:",
    "    runAsNonRoot: true",
    "    seccompProfile: { type: RuntimeDefault }",
    ...podSecurity,
    "  containers:",
    "    - name: app",
    "      image: registry.example/app:1",
    "      securityContext:",
    "        allowPrivilegeEscalation: false",
    '        capabilities: { drop: ["ALL"] }',
    ...container,
  );
}

describe("the Pod Security Standards rules", () => {
  const CONTROLS: Record<string, [level: PssLevel, control: string, severity: string]> = {
    "pss-privileged": ["baseline", "privileged", "high"],
    "pss-host-namespaces": ["baseline", "hostNamespaces", "high"],
    "pss-windows-host-process": ["baseline", "windowsHostProcess", "high"],
    "pss-capabilities-baseline": ["baseline", "capabilities_baseline", "high"],
    "pss-host-path-volumes": ["baseline", "hostPathVolumes", "medium"],
    "pss-host-ports": ["baseline", "hostPorts", "medium"],
    "pss-host-probes-and-host-lifecycle": ["baseline", "hostProbesAndHostLifecycle", "medium"],
    "pss-app-armor-profile": ["baseline", "appArmorProfile", "medium"],
    "pss-se-linux-options": ["baseline", "seLinuxOptions", "medium"],
    "pss-proc-mount": ["baseline", "procMount", "medium"],
    "pss-seccomp-profile-baseline": ["baseline", "seccompProfile_baseline", "medium"],
    "pss-sysctls": ["baseline", "sysctls", "medium"],
    "pss-restricted-volumes": ["restricted", "restrictedVolumes", "low"],
    "pss-allow-privilege-escalation": ["restricted", "allowPrivilegeEscalation", "medium"],
    "pss-run-as-non-root": ["restricted", "runAsNonRoot", "medium"],
    "pss-run-as-user": ["restricted", "runAsUser", "low"],
    "pss-seccomp-profile-restricted": ["restricted", "seccompProfile_restricted", "low"],
    "pss-capabilities-restricted": ["restricted", "capabilities_restricted", "medium"],
    "pss-proc-mount-restricted": ["restricted", "procMount_restricted", "medium"],
  };

  it("are one rule per pod-security-admission check, named after it, baseline first", () => {
    expect(POD_SECURITY_RULES.map((rule) => rule.descriptor.id)).toEqual(Object.keys(CONTROLS));
    for (const { descriptor } of POD_SECURITY_RULES) {
      const [level, control, severity] = CONTROLS[descriptor.id] ?? [];
      expect(descriptor.standards[0]).toEqual({ framework: "pss", level, control });
      expect(descriptor.severity).toBe(severity);
      expect(descriptor.references?.[0]).toMatch(/pod-security-admission\/policy\/check_\w+\.go$/);
    }
  });

  it("keep the standards mappings of the three first rules", () => {
    const standardsOf = (id: string) =>
      POD_SECURITY_RULES.find((rule) => rule.descriptor.id === id)?.descriptor.standards.map((s) => s.control);
    expect(standardsOf("pss-privileged")).toEqual(["privileged", "5.2.2", "pod-security", "T1611", "95edb821-ddaf-4404-9732-666045e056b4"]);
    expect(standardsOf("pss-host-namespaces")).toEqual([
      "hostNamespaces",
      "5.2.3",
      "5.2.4",
      "5.2.5",
      "pod-security",
      "T1611",
      "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8",
      "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
    ]);
    expect(standardsOf("pss-host-path-volumes")).toEqual([
      "hostPathVolumes",
      "5.2.12",
      "pod-security",
      "T1611",
      "098fc59e-46c7-4d99-9b16-64990e543d75",
    ]);
  });

  it("find nothing in a pod that follows restricted, at any version", () => {
    for (let minor = 0; minor <= NEWEST_PSS_MINOR + 3; minor++) expect(findingsFor(restrictedPod(), "restricted", v(minor))).toEqual([]);
  });
});

describe("locations and messages", () => {
  it("point at the add: entry of a forbidden capability and name the container and the allowed set", () => {
    const text = yaml(
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: { name: web, namespace: shop }",
      "spec:",
      "  template:",
      "    spec:",
      "      containers:",
      "        - name: app",
      "          securityContext:",
      "            capabilities:",
      "              add:",
      "                - NET_BIND_SERVICE",
      "                - SYS_ADMIN",
      "                - CHOWN",
    );
    const found = findingsFor(text, "baseline");
    expect(at(found)).toEqual(["pss-capabilities-baseline@13:19"]);
    expect(found[0]?.resource?.container).toBe("app");
    expect(found[0]?.message).toBe(
      'Container "app" in Deployment shop/web adds capability SYS_ADMIN, which baseline forbids (allowed: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).',
    );
    const restricted = findingsFor(text, "restricted").filter((finding) => finding.ruleId.startsWith("pss-capabilities"));
    expect(at(restricted)).toEqual([
      "pss-capabilities-baseline@13:19",
      "pss-capabilities-restricted@10:13",
      "pss-capabilities-restricted@14:19",
    ]);
    expect(restricted.map((finding) => finding.message).slice(1)).toEqual([
      'Container "app" in Deployment shop/web does not drop ALL capabilities; restricted requires capabilities.drop: ["ALL"].',
      'Container "app" in Deployment shop/web adds capability CHOWN, which restricted forbids (only NET_BIND_SERVICE may be added).',
    ]);
  });

  it("point at the nearest parent of a missing field: the securityContext when there is one, else the container's name", () => {
    const text = yaml(
      "apiVersion: v1",
      "kind: Pod",
      "metadata: { name: p }",
      "spec:",
      "  initContainers:",
      "    - name: setup",
      "      image: registry.example/setup:1",
      "  containers:",
      "    - image: registry.example/app:1",
      "      name: app",
      "      securityContext:",
      "        readOnlyRootFilesystem: true",
    );
    const nonRoot = findingsFor(text).filter((finding) => finding.ruleId === "pss-run-as-non-root");
    expect(at(nonRoot)).toEqual(["pss-run-as-non-root@6:7", "pss-run-as-non-root@11:7"]);
    expect(nonRoot.map((finding) => finding.message)).toEqual([
      'Init container "setup" in Pod p does not set runAsNonRoot: true, and neither does the pod; restricted requires it.',
      'Container "app" in Pod p does not set runAsNonRoot: true, and neither does the pod; restricted requires it.',
    ]);
    expect(at(findingsFor(text).filter((finding) => finding.ruleId === "pss-seccomp-profile-restricted"))).toEqual([
      "pss-seccomp-profile-restricted@6:7",
      "pss-seccomp-profile-restricted@11:7",
    ]);
  });

  it("let containers inherit the pod's settings and report a container that overrides them", () => {
    const text = yaml(
      "apiVersion: v1",
      "kind: Pod",
      "metadata: { name: p }",
      "spec:",
      "  securityContext:",
      "    runAsNonRoot: true",
      "    seccompProfile:",
      "      type: RuntimeDefault",
      "  containers:",
      "    - name: inherits",
      "      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }",
      "    - name: overrides",
      "      securityContext:",
      "        allowPrivilegeEscalation: false",
      "        capabilities: { drop: [ALL] }",
      "        runAsNonRoot: false",
      "        seccompProfile:",
      "          type: Unconfined",
    );
    const findings = findingsFor(text);
    expect(at(findings)).toEqual(["pss-seccomp-profile-baseline@18:11", "pss-run-as-non-root@16:9"]);
    expect(findings.map((finding) => [finding.resource?.container, finding.message])).toEqual([
      [
        "overrides",
        'Container "overrides" in Pod p sets seccompProfile type "Unconfined"; baseline allows only RuntimeDefault or Localhost.',
      ],
      ["overrides", 'Container "overrides" in Pod p sets runAsNonRoot: false; restricted requires true.'],
    ]);
  });

  it("report a bad pod-level setting once, at the pod, not again for each container inheriting it", () => {
    const text = restrictedPod({ podSecurity: ["    runAsUser: 0"] }).replace("runAsNonRoot: true", "runAsNonRoot: false");
    const findings = findingsFor(text);
    expect(at(findings)).toEqual(["pss-run-as-non-root@6:5", "pss-run-as-user@8:5"]);
    expect(findings.map((finding) => finding.message)).toEqual([
      "Pod n/p (pod level) sets runAsNonRoot: false; restricted requires true.",
      "Pod n/p (pod level) sets runAsUser: 0 (root), which restricted forbids.",
    ]);
  });

  it("point at the hostPort, the sysctl's name, the probe's host and the seLinuxOptions field", () => {
    const text = yaml(
      "apiVersion: v1",
      "kind: Pod",
      "metadata: { name: p }",
      "spec:",
      "  securityContext:",
      "    sysctls:",
      "      - { name: kernel.shm_rmid_forced, value: '1' }",
      "      - name: kernel.msgmax",
      "        value: '65536'",
      "    seLinuxOptions: { level: 's0:c1', role: sysadm_r }",
      "  containers:",
      "    - name: app",
      "      ports:",
      "        - containerPort: 80",
      "        - containerPort: 443",
      "          hostPort: 8443",
      "      livenessProbe:",
      "        tcpSocket: { port: 80, host: 169.254.169.254 }",
      "      lifecycle:",
      "        preStop:",
      "          httpGet: { path: /drain, port: 80, host: 10.0.0.1 }",
    );
    const findings = findingsFor(text, "baseline");
    expect(at(findings)).toEqual([
      "pss-host-ports@16:11",
      "pss-host-probes-and-host-lifecycle@18:32",
      "pss-se-linux-options@10:39",
      "pss-sysctls@8:9",
    ]);
    expect(findings.map((finding) => finding.message)).toEqual([
      'Container "app" in Pod p binds host port 8443 on the node, which baseline forbids.',
      'Container "app" in Pod p sends the kubelet\'s probe or hook requests to another host (livenessProbe.tcpSocket.host: 169.254.169.254, lifecycle.preStop.httpGet.host: 10.0.0.1), which baseline forbids.',
      'Pod p (pod level) sets SELinux role "sysadm_r" (must be empty), which baseline forbids.',
      expect.stringMatching(
        /^Pod p sets sysctl "kernel\.msgmax", which baseline v1\.37 does not allow \(safe: kernel\.shm_rmid_forced, .*net\.ipv4\.tcp_notsent_lowat\)\.$/,
      ),
    ]);
  });

  it("read AppArmor and seccomp annotations from the pod template's metadata, and the AppArmor fields", () => {
    const text = yaml(
      "apiVersion: batch/v1",
      "kind: CronJob",
      "metadata: { name: nightly }",
      "spec:",
      "  jobTemplate:",
      "    spec:",
      "      template:",
      "        metadata:",
      "          annotations:",
      "            container.apparmor.security.beta.kubernetes.io/job: unconfined",
      "            container.apparmor.security.beta.kubernetes.io/other: localhost/custom",
      "            seccomp.security.alpha.kubernetes.io/pod: unconfined",
      "        spec:",
      "          containers:",
      "            - name: job",
      "              securityContext:",
      "                appArmorProfile: { type: Unconfined }",
    );
    const findings = findingsFor(text, "baseline", v(18));
    expect(at(findings)).toEqual(["pss-app-armor-profile@10:13", "pss-app-armor-profile@17:36", "pss-seccomp-profile-baseline@12:13"]);
    expect(findings.map((finding) => finding.message)).toEqual([
      'CronJob nightly sets AppArmor profile "unconfined" for container "job" (annotation container.apparmor.security.beta.kubernetes.io/job); baseline allows only runtime/default or localhost/<profile>.',
      'Container "job" in CronJob nightly sets appArmorProfile type "Unconfined"; baseline allows only RuntimeDefault or Localhost.',
      'CronJob nightly (pod level) sets seccomp profile "unconfined" (annotation seccomp.security.alpha.kubernetes.io/pod); baseline allows only runtime/default, docker/default or localhost/<profile>.',
    ]);
    expect(findings[0]?.resource?.container).toBe("job");
    // From v1.19 seccomp is read from the fields only.
    expect(ids(findingsFor(text, "baseline", v(19)))).toEqual(["pss-app-armor-profile", "pss-app-armor-profile"]);
  });

  it("check init and ephemeral containers, and each volume by its own type", () => {
    const text = yaml(
      "apiVersion: v1",
      "kind: Pod",
      "metadata: { name: p }",
      "spec:",
      "  volumes:",
      "    - name: logs",
      "      hostPath: { path: /var/log }",
      "    - name: share",
      "      nfs: { server: nas, path: /export }",
      "    - name: config",
      "      configMap: { name: c }",
      "    - name: defaulted",
      "  initContainers:",
      "    - name: setup",
      "      securityContext: { privileged: true }",
      "  containers:",
      "    - name: app",
      "  ephemeralContainers:",
      "    - name: debug",
      "      securityContext: { windowsOptions: { hostProcess: true } }",
    );
    const findings = findingsFor(text, "restricted").filter(
      (finding) =>
        ![
          "pss-run-as-non-root",
          "pss-seccomp-profile-restricted",
          "pss-allow-privilege-escalation",
          "pss-capabilities-restricted",
        ].includes(finding.ruleId),
    );
    expect(at(findings)).toEqual([
      "pss-privileged@15:26",
      "pss-windows-host-process@20:44",
      "pss-host-path-volumes@7:7",
      "pss-restricted-volumes@9:7",
    ]);
    expect(findings.map((finding) => finding.message)).toEqual([
      'Init container "setup" in Pod p runs privileged.',
      'Ephemeral container "debug" in Pod p runs as a Windows HostProcess on the node (windowsOptions.hostProcess: true).',
      'Pod p mounts the node\'s /var/log through hostPath volume "logs".',
      'Pod p mounts volume "share" of type nfs, which restricted forbids (allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret).',
    ]);
  });
});

describe("each offending field once, at the lowest level that forbids it", () => {
  it("leaves capabilities beyond the defaults, Unconfined seccomp and hostPath to the baseline controls at restricted", () => {
    const text = restrictedPod({
      spec: ["  volumes: [{ name: h, hostPath: { path: /etc } }]"],
      container: ["        seccompProfile: { type: Unconfined }"],
    }).replace('drop: ["ALL"]', 'drop: ["ALL"], add: [SYS_ADMIN]');
    expect(ids(findingsFor(text))).toEqual(["pss-capabilities-baseline", "pss-host-path-volumes", "pss-seccomp-profile-baseline"]);
  });
});

describe("level and version gating", () => {
  const probeHost = restrictedPod({ container: ["      readinessProbe: { httpGet: { port: 80, host: example.com } }"] });

  it("evaluates a control only from the policy version that introduced it", () => {
    expect(ids(findingsFor(probeHost, "baseline", v(33)))).toEqual([]);
    expect(ids(findingsFor(probeHost, "baseline", v(34)))).toEqual(["pss-host-probes-and-host-lifecycle"]);
    const noDrop = restrictedPod().replace('        capabilities: { drop: ["ALL"] }\n', "");
    expect(ids(findingsFor(noDrop, "restricted", v(21)))).toEqual([]);
    expect(ids(findingsFor(noDrop, "restricted", v(22)))).toEqual(["pss-capabilities-restricted"]);
    const root = restrictedPod({ podSecurity: ["    runAsUser: 0"] });
    expect(ids(findingsFor(root, "restricted", v(22)))).toEqual([]);
    expect(ids(findingsFor(root, "restricted", v(23)))).toEqual(["pss-run-as-user"]);
    const escalates = restrictedPod().replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true");
    expect(ids(findingsFor(escalates, "restricted", v(7)))).toEqual([]);
    expect(ids(findingsFor(escalates, "restricted", v(8)))).toEqual(["pss-allow-privilege-escalation"]);
  });

  it("runs no restricted control at baseline", () => {
    const bare = yaml("apiVersion: v1", "kind: Pod", "metadata: { name: p }", "spec:", "  containers: [{ name: app }]");
    expect(findingsFor(bare, "baseline")).toEqual([]);
    expect(new Set(ids(findingsFor(bare, "restricted")))).toEqual(
      new Set(["pss-allow-privilege-escalation", "pss-run-as-non-root", "pss-seccomp-profile-restricted", "pss-capabilities-restricted"]),
    );
  });

  it("treats latest, and versions newer than the newest known, as the newest known", () => {
    const sysctl = (name: string) => restrictedPod({ podSecurity: [`    sysctls: [{ name: ${name}, value: '0' }]`] });
    for (const version of ["latest", v(NEWEST_PSS_MINOR), v(NEWEST_PSS_MINOR + 5)] as PssVersion[]) {
      expect(findingsFor(sysctl("net.ipv4.tcp_notsent_lowat"), "baseline", version)).toEqual([]);
    }
    expect(ids(findingsFor(sysctl("net.ipv4.tcp_notsent_lowat"), "baseline", v(36)))).toEqual(["pss-sysctls"]);
    expect(ids(findingsFor(sysctl("net.ipv4.tcp_rmem"), "baseline", v(31)))).toEqual(["pss-sysctls"]);
    expect(findingsFor(sysctl("net.ipv4.tcp_rmem"), "baseline", v(32))).toEqual([]);
    expect(ids(findingsFor(sysctl("net.ipv4.ip_local_reserved_ports"), "baseline", v(26)))).toEqual(["pss-sysctls"]);
    expect(findingsFor(sysctl("net.ipv4.ip_local_reserved_ports"), "baseline", v(27))).toEqual([]);
  });

  it("allows the SELinux type container_engine_t from v1.31", () => {
    const engine = restrictedPod({ podSecurity: ["    seLinuxOptions: { type: container_engine_t }"] });
    expect(ids(findingsFor(engine, "baseline", v(30)))).toEqual(["pss-se-linux-options"]);
    expect(findingsFor(engine, "baseline", v(31))).toEqual([]);
  });

  it("relaxes procMount, runAsNonRoot and runAsUser for pods with their own user namespace from v1.35, except procMount at restricted", () => {
    const userNamespaced = restrictedPod({
      spec: ["  hostUsers: false"],
      podSecurity: ["    runAsUser: 0"],
      container: ["        procMount: Unmasked"],
    }).replace("    runAsNonRoot: true\n", "");
    expect(ids(findingsFor(userNamespaced, "baseline", v(34)))).toEqual(["pss-proc-mount"]);
    expect(findingsFor(userNamespaced, "baseline", v(35))).toEqual([]);
    expect(ids(findingsFor(userNamespaced, "restricted", v(34)))).toEqual(["pss-proc-mount", "pss-run-as-non-root", "pss-run-as-user"]);
    expect(ids(findingsFor(userNamespaced, "restricted", v(35)))).toEqual(["pss-proc-mount-restricted"]);
    expect(findingsFor(userNamespaced, "restricted", v(35))[0]?.message).toBe(
      'Container "app" in Pod n/p sets procMount: "Unmasked", which restricted forbids even with hostUsers: false (allowed: Default).',
    );
  });

  it("exempts Windows pods from the Linux-only restricted controls from v1.25", () => {
    const windows = yaml(
      "apiVersion: v1",
      "kind: Pod",
      "metadata: { name: w }",
      "spec:",
      "  os: { name: windows }",
      "  securityContext: { runAsNonRoot: true }",
      "  containers: [{ name: app }]",
    );
    expect(new Set(ids(findingsFor(windows, "restricted", v(24))))).toEqual(
      new Set(["pss-allow-privilege-escalation", "pss-seccomp-profile-restricted", "pss-capabilities-restricted"]),
    );
    expect(findingsFor(windows, "restricted", v(25))).toEqual([]);
  });
});

describe("hostile shapes", () => {
  const HOSTILE = [
    "apiVersion: v1\nkind: Pod\nmetadata: 7\nspec:\n  containers: x\n  initContainers: [null, 3, [], { securityContext: 5 }]\n",
    "apiVersion: v1\nkind: Pod\nmetadata: { name: p, annotations: 7 }\nspec: { securityContext: [], volumes: x, hostUsers: 'false', os: windows }\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec:\n  template: []\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec:\n  template:\n    metadata: [1]\n    spec:\n      securityContext: { sysctls: [null, { name: 5 }, x], seLinuxOptions: x, seccompProfile: [] }\n      volumes: [null, x, { name: 5, nfs: null }, { hostPath: x }]\n      containers:\n        - name: [1]\n          ports: x\n          livenessProbe: x\n          lifecycle: { preStop: 7 }\n          securityContext:\n            capabilities: { add: SYS_ADMIN, drop: 7 }\n            appArmorProfile: x\n            procMount: null\n        - ports: [null, { hostPort: '80' }, { hostPort: 0 }]\n          securityContext: { capabilities: { add: [5, null, SYS_TIME] } }\n",
  ];

  it("never throw, at every level and version", () => {
    for (const text of HOSTILE) {
      for (const level of ["baseline", "restricted", "privileged"] as PssLevel[]) {
        for (const version of ["latest", v(0), v(-1), v(99), { major: 1, minor: Number.NaN }, undefined] as PssVersion[]) {
          expect(() => findingsFor(text, level, version)).not.toThrow();
        }
      }
    }
  });

  it("report what is well-formed and skip what is not", () => {
    const findings = findingsFor(HOSTILE[3] ?? "", "baseline");
    // A scalar where a mapping or list belongs is skipped; a profile set to one is not an allowed profile.
    expect(ids(findings)).toEqual([
      "pss-capabilities-baseline",
      "pss-host-path-volumes",
      "pss-app-armor-profile",
      "pss-seccomp-profile-baseline",
      "pss-sysctls",
    ]);
    expect(findings[0]?.message).toBe(
      'Container "containers[1]" in Deployment d adds capability SYS_TIME, which baseline forbids (allowed: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).',
    );
    expect(findings[4]?.message).toMatch(/^Deployment d sets sysctl \(no name\), which baseline v1\.37 does not allow/);
  });

  it("evaluate nothing at an unknown level", () => {
    expect(findingsFor(HOSTILE[3] ?? "", "privileged" as PssLevel)).toEqual([]);
  });
});
