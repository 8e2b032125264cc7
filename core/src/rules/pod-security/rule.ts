import type { Workload } from "../../manifests/workloads.js";
import { representativeScore, type Severity, type StandardRef } from "../../model/index.js";
import { pss } from "../standards.js";
import type { ManifestRule, Violation } from "../types.js";
import { isEvaluated, type PssControl, type PssPolicy, pssPolicy } from "./version.js";

const PSS_URI = "https://kubernetes.io/docs/concepts/security/pod-security-standards/";
const PSA_POLICY_SOURCE = "https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/pod-security-admission/policy/";

/** One Pod Security Standards control as a rule: what it checks in one workload under one policy. */
export interface PssRuleDefinition {
  control: PssControl;
  title: string;
  severity: Severity;
  description: string;
  remediation: string;
  fix: string;
  /** Mappings beyond the control itself (CIS, NSA/CISA, MITRE ATT&CK, Azure Policy). */
  standards: StandardRef[];
  violations(workload: Workload, policy: PssPolicy): Iterable<Violation>;
}

/**
 * A rule with id `pss-<control in kebab case>` that checks every workload when its control is
 * evaluated at the configured level and version, and finds nothing otherwise.
 */
export function pssRule(definition: PssRuleDefinition): ManifestRule {
  const { control, severity, violations } = definition;
  return {
    descriptor: {
      id: `pss-${kebabCase(control.id)}`,
      kind: "misconfiguration",
      title: definition.title,
      severity,
      score: representativeScore(severity),
      description: definition.description,
      remediation: definition.remediation,
      fix: definition.fix,
      helpUri: PSS_URI,
      references: [`${PSA_POLICY_SOURCE}${control.source}`],
      standards: [pss(control.level, control.id), ...definition.standards],
    },
    *check({ workloads, options }) {
      const policy = pssPolicy(options);
      if (!isEvaluated(control, policy)) return;
      for (const workload of workloads) yield* violations(workload, policy);
    },
  };
}

/** `seccompProfile_restricted` → `seccomp-profile-restricted`. */
function kebabCase(checkId: string): string {
  return checkId
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();
}
