import { isRecord } from "../../manifests/load.js";
import type { Workload } from "../../manifests/workloads.js";
import { describeContainer } from "../describe.js";
import { azurePolicy, cis, NSA_POD_SECURITY } from "../standards.js";
import type { Violation } from "../types.js";
import {
  containerSecurityContext,
  containerSettingPath,
  describePodLevel,
  exemptAsWindowsPod,
  isSet,
  podSecurityContext,
  shown,
  unconfinedProfiles,
} from "./fields.js";
import { pssRule } from "./rule.js";

const POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";
/** Before v1.19 the profile was set by these alpha annotations; the fields are checked from v1.19 on. */
const FIELDS_SINCE = 19;
const FIX = "securityContext:\n  seccompProfile:\n    type: RuntimeDefault";
const STANDARDS = [
  cis("5.7.2", "Ensure that the seccomp profile is set to docker/default in your Pod definitions"),
  NSA_POD_SECURITY,
  azurePolicy("975ce327-682c-4f2e-aa46-b9598289b86c", "Kubernetes cluster containers should only use allowed seccomp profiles"),
];

function allowedAnnotationValue(value: string): boolean {
  return value === "runtime/default" || value === "docker/default" || value.startsWith("localhost/");
}

/** The alpha annotations of the pod and of each container (by name) that name another profile. */
function* annotationViolations(workload: Workload): Generator<Violation> {
  const annotations = workload.podMetadata.annotations;
  if (!isRecord(annotations)) return;
  const annotated = [
    { key: POD_ANNOTATION, container: undefined },
    ...workload.containers
      .filter((container) => typeof container.spec.name === "string")
      .map((container) => ({ key: `${CONTAINER_ANNOTATION_PREFIX}${container.name}`, container })),
  ];
  for (const { key, container } of annotated) {
    const value = annotations[key];
    if (typeof value !== "string" || allowedAnnotationValue(value)) continue;
    const subject = container ? describeContainer(container, workload.resource) : describePodLevel(workload);
    yield {
      resource: workload.resource,
      ...(container && { container }),
      path: [...workload.podMetadataPath, "annotations", key],
      message: `${subject} sets seccomp profile ${shown(value)} (annotation ${key}); baseline allows only runtime/default, docker/default or localhost/<profile>.`,
    };
  }
}

export const seccompProfileBaseline = pssRule({
  control: { id: "seccompProfile_baseline", level: "baseline", since: 0, source: "check_seccompProfile_baseline.go" },
  title: "Pod or container disables seccomp",
  severity: "medium",
  description:
    "A seccomp profile filters the system calls a container may make; the runtime's default blocks those used in most kernel exploits and escapes (keyctl, unshare, mount, bpf, ...). Baseline forbids any profile but RuntimeDefault and Localhost, such as Unconfined, in `securityContext.seccompProfile` (from v1.19) or in the alpha seccomp annotations (before v1.19).",
  remediation: "Set `seccompProfile.type` to RuntimeDefault, or to Localhost with a profile installed on the nodes, instead of Unconfined.",
  fix: FIX,
  standards: STANDARDS,
  *violations(workload, policy) {
    if (exemptAsWindowsPod(workload, policy)) return;
    yield* policy.minor >= FIELDS_SINCE ? unconfinedProfiles(workload, "seccompProfile") : annotationViolations(workload);
  },
});

export const seccompProfileRestricted = pssRule({
  control: { id: "seccompProfile_restricted", level: "restricted", since: FIELDS_SINCE, source: "check_seccompProfile_restricted.go" },
  title: "Container runs without a seccomp profile",
  severity: "low",
  description:
    "Restricted requires a seccomp profile, RuntimeDefault or Localhost, on the pod or on every container. Without one the container runs Unconfined unless the kubelet's seccompDefault is on. Low: it only adds the explicit setting to what the node may already apply; a profile set to Unconfined is reported by pss-seccomp-profile-baseline (medium).",
  remediation: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (containers inherit it) or on each container.",
  fix: FIX,
  standards: STANDARDS,
  *violations(workload, policy) {
    // A pod-level profile covers every container; a bad one is pss-seccomp-profile-baseline's finding.
    if (exemptAsWindowsPod(workload, policy) || isSet(podSecurityContext(workload)?.seccompProfile)) return;
    for (const container of workload.containers) {
      if (isSet(containerSecurityContext(container)?.seccompProfile)) continue;
      yield {
        resource: workload.resource,
        container,
        path: containerSettingPath(container, "seccompProfile"),
        message: `${describeContainer(container, workload.resource)} sets no seccomp profile, and neither does the pod; restricted requires RuntimeDefault or Localhost.`,
      };
    }
  },
});
