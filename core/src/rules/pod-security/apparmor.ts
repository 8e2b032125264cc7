import { isRecord } from "../../manifests/load.js";
import type { Workload } from "../../manifests/workloads.js";
import { describeResource } from "../describe.js";
import { azurePolicy, NSA_POD_SECURITY } from "../standards.js";
import type { Violation } from "../types.js";
import { shown, unconfinedProfiles } from "./fields.js";
import { pssRule } from "./rule.js";

const ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

/** The deprecated beta annotations still count: empty, `runtime/default` or `localhost/<profile>`. */
function allowedAnnotationValue(value: string): boolean {
  return value === "" || value === "runtime/default" || value.startsWith("localhost/");
}

function* annotationViolations(workload: Workload): Generator<Violation> {
  const annotations = workload.podMetadata.annotations;
  if (!isRecord(annotations)) return;
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX) || typeof value !== "string" || allowedAnnotationValue(value)) continue;
    const containerName = key.slice(ANNOTATION_PREFIX.length);
    const container = workload.containers.find((candidate) => candidate.name === containerName);
    yield {
      resource: workload.resource,
      ...(container && { container }),
      path: [...workload.podMetadataPath, "annotations", key],
      message: `${describeResource(workload.resource)} sets AppArmor profile ${shown(value)} for container "${containerName}" (annotation ${key}); baseline allows only runtime/default or localhost/<profile>.`,
    };
  }
}

export const appArmorProfile = pssRule({
  control: { id: "appArmorProfile", level: "baseline", since: 0, source: "check_appArmorProfile.go" },
  title: "Container runs without its AppArmor profile",
  severity: "medium",
  description:
    "On nodes with AppArmor the runtime confines every container with its default profile. Setting the profile to Unconfined, through `securityContext.appArmorProfile` or the deprecated `container.apparmor.security.beta.kubernetes.io/*` pod annotations, removes that layer, which blocks mounts, writes to /proc and /sys and other common escape steps.",
  remediation:
    "Remove the Unconfined setting, or set `appArmorProfile.type` to RuntimeDefault, or to Localhost with a profile loaded on the nodes.",
  fix: "securityContext:\n  appArmorProfile:\n    type: RuntimeDefault",
  standards: [
    NSA_POD_SECURITY,
    azurePolicy("511f5417-5d12-434d-ab2e-816901e72a5e", "Kubernetes cluster containers should only use allowed AppArmor profiles"),
  ],
  *violations(workload) {
    yield* annotationViolations(workload);
    yield* unconfinedProfiles(workload, "appArmorProfile");
  },
});
