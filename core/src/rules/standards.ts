import type { StandardRef } from "../model/index.js";

/** Pod Security Standards control, named as in kubernetes/pod-security-admission. */
export function pss(level: "baseline" | "restricted", control: string): StandardRef {
  return { framework: "pss", level, control };
}

/** CIS Kubernetes Benchmark (v1.8 numbering). */
export function cis(control: string, title: string): StandardRef {
  return { framework: "cis-k8s", control, title };
}

/** NSA/CISA Kubernetes Hardening Guide (v1.2) section. */
export function nsaCisa(control: string, title: string): StandardRef {
  return { framework: "nsa-cisa", control, title };
}

/** MITRE ATT&CK for Containers technique. */
export function mitre(technique: string, title: string): StandardRef {
  return { framework: "mitre-attack", control: technique, title };
}

/** Azure Policy for Kubernetes built-in definition (its GUID), as Defender for Containers enforces it. */
export function azurePolicy(definitionId: string, title: string): StandardRef {
  return { framework: "azure-policy", control: definitionId, title };
}

/** Controls several rule families share. */
export const NSA_POD_SECURITY = nsaCisa("pod-security", "Kubernetes Pod security");
export const NSA_NETWORK = nsaCisa("network-separation", "Network separation and hardening");
export const ESCAPE_TO_HOST = mitre("T1611", "Escape to Host");
