import { createHash } from "node:crypto";
import {
  evaluateGate,
  type Finding,
  fingerprintOf,
  type RuleDescriptor,
  type ScanReport,
  type ScanTarget,
  SEVERITIES,
  type Severity,
  TOOL,
} from "../../core/src/index.js";

/** Builds a report the way scan() does, from findings made by hand. */
export function reportOf(findings: Finding[], rules: RuleDescriptor[], targets: ScanTarget[]): ScanReport {
  return {
    schemaVersion: 1,
    tool: TOOL,
    verdict: evaluateGate(findings, "high"),
    targets,
    findings,
    rules,
    summary: { filesScanned: 3, resources: 2, unknownKinds: [], nonKubernetesDocuments: 0 },
    errors: [],
    warnings: [],
  };
}

export const MANIFEST_TARGET: ScanTarget = { id: "manifests/deploy", kind: "manifests", input: "deploy" };
export const IMAGE_TARGET: ScanTarget = { id: "image/ghcr.io/example/shop-web", kind: "image", input: "ghcr.io/example/shop-web:1.4.2" };

const MISCONFIG_RULE: RuleDescriptor = {
  id: "pss-privileged",
  kind: "misconfiguration",
  title: "Privileged container",
  severity: "high",
  description: "A privileged container has every capability.",
  remediation: "Set privileged to false.",
  fix: "securityContext:\n  privileged: false",
  helpUri: "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
  standards: [{ framework: "pss", level: "baseline", control: "privileged" }],
};

const VULNERABILITY_RULE: RuleDescriptor = {
  id: "CVE-2023-44487",
  kind: "vulnerability",
  title: "HTTP/2 rapid reset in golang.org/x/net",
  severity: "high",
  score: 7.5,
  description:
    "The HTTP/2 protocol allows a denial of service (server resource consumption) because request cancellation can reset many streams quickly.",
  remediation: "Upgrade golang.org/x/net to 0.17.0 or later and rebuild the image.",
  standards: [],
};

const ATTACK_PATH_RULE: RuleDescriptor = {
  id: "path-internet-to-node",
  kind: "attack-path",
  title: "Internet-exposed workload can take over its node",
  severity: "critical",
  description: "A LoadBalancer Service exposes a privileged pod.",
  remediation: "Make the Service internal or drop privileged.",
  standards: [{ framework: "mitre-attack", control: "T1611", title: "Escape to Host" }],
};

/** One finding of every kind, plus a suppressed one, each as scan would produce it. */
export function everyKindReport(): ScanReport {
  const misconfiguration: Finding = {
    fingerprint: fingerprintOf(["pss-privileged", "deploy/web.yaml", "Deployment", "shop", "web", "app"]),
    kind: "misconfiguration",
    ruleId: "pss-privileged",
    severity: "high",
    title: MISCONFIG_RULE.title,
    message: 'Container "app" in Deployment shop/web runs privileged.',
    target: MANIFEST_TARGET.id,
    location: { path: "deploy/web.yaml", startLine: 21, startColumn: 13, endLine: 21, endColumn: 29 },
    resource: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web", container: "app" },
    standards: MISCONFIG_RULE.standards,
  };
  const vulnerability: Finding = {
    fingerprint: fingerprintOf(["CVE-2023-44487", "ghcr.io/example/shop-web", "golang.org/x/net", "0.7.0"]),
    kind: "vulnerability",
    ruleId: VULNERABILITY_RULE.id,
    severity: "high",
    title: VULNERABILITY_RULE.title,
    message: "golang.org/x/net 0.7.0 in ghcr.io/example/shop-web:1.4.2 is affected by CVE-2023-44487; fixed in 0.17.0.",
    target: IMAGE_TARGET.id,
    location: { path: "Dockerfile", startLine: 1, startColumn: 1, endLine: 1, endColumn: 30 },
    image: { ref: IMAGE_TARGET.input, digest: `sha256:${"a".repeat(64)}` },
    package: {
      name: "golang.org/x/net",
      version: "0.7.0",
      ecosystem: "Go",
      purl: "pkg:golang/golang.org/x/net@0.7.0",
      fixedVersion: "0.17.0",
    },
    vulnerability: {
      id: "GHSA-qppj-fm5r-hxr3",
      aliases: ["CVE-2023-44487"],
      cvss: { score: 7.5, vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H" },
      kev: true,
      epss: 0.94,
    },
  };
  const attackPath: Finding = {
    fingerprint: fingerprintOf(["path-internet-to-node", "shop/web"]),
    kind: "attack-path",
    ruleId: ATTACK_PATH_RULE.id,
    severity: "critical",
    title: ATTACK_PATH_RULE.title,
    message: "Service shop/web exposes Deployment shop/web, whose container app is privileged.",
    target: MANIFEST_TARGET.id,
    location: { path: "deploy/service.yaml", startLine: 7, startColumn: 3, endLine: 7, endColumn: 21 },
    steps: [
      { location: { path: "deploy/service.yaml", startLine: 7, startColumn: 3 }, message: "Exposed to the internet by a LoadBalancer" },
      { location: { path: "deploy/web.yaml", startLine: 21, startColumn: 13 }, message: "Runs privileged" },
    ],
  };
  const suppressed: Finding = {
    ...misconfiguration,
    fingerprint: fingerprintOf(["pss-privileged", "deploy/web.yaml", "Deployment", "shop", "web", "debug"]),
    message: 'Container "debug" in Deployment shop/web runs privileged.',
    resource: { ...misconfiguration.resource, kind: "Deployment", container: "debug" },
    location: { path: "deploy/web.yaml", startLine: 40, startColumn: 13 },
    suppressed: { by: "exception-7", reason: "debug sidecar removed in next release", expires: "2027-01-31" },
  };
  return reportOf(
    [misconfiguration, vulnerability, attackPath, suppressed],
    [MISCONFIG_RULE, VULNERABILITY_RULE, ATTACK_PATH_RULE],
    [MANIFEST_TARGET, IMAGE_TARGET],
  );
}

/**
 * `count` findings spread over the severities (most of them low), with messages that do
 * not compress away, for the SARIF budget tests.
 */
export function manyFindings(count: number): ScanReport {
  const rules = SEVERITIES.map((severity) => ({ ...MISCONFIG_RULE, id: `synthetic-${severity}`, severity }));
  const findings: Finding[] = [];
  for (let index = 0; index < count; index++) {
    const severity: Severity = SEVERITIES[index % 10 === 0 ? index % 4 : 3 + (index % 2)] as Severity;
    const noise = createHash("sha256").update(String(index)).digest("hex");
    findings.push({
      fingerprint: fingerprintOf(["synthetic", index]),
      kind: "misconfiguration",
      ruleId: `synthetic-${severity}`,
      severity,
      title: `Synthetic ${severity}`,
      message: `Finding ${index} (${noise})`,
      target: MANIFEST_TARGET.id,
      location: { path: `deploy/app-${index % 500}.yaml`, startLine: 1 + (index % 300), startColumn: 3 },
    });
  }
  return reportOf(findings, rules, [MANIFEST_TARGET]);
}
