import { type RuleDescriptor, representativeScore } from "../model/index.js";
import { type ApiLifecycle, apiLifecycle, NEWEST_KNOWN_MINOR } from "./deprecated-apis.js";
import { describeResource } from "./describe.js";
import type { ManifestRule, RuleOptions } from "./types.js";

const DEPRECATION_GUIDE = "https://kubernetes.io/docs/reference/using-api/deprecation-guide/";

type Status = "removed" | "deprecated";

/** Where an API version stands in the target release: no longer served, deprecated, or fine. */
function statusIn(entry: ApiLifecycle, minor: number): Status | undefined {
  if (entry.removed !== undefined && entry.removed <= minor) return "removed";
  return entry.deprecated <= minor ? "deprecated" : undefined;
}

function targetOf(options: RuleOptions): { minor: number; label: string } {
  const minor = options.kubeVersion?.minor;
  return minor === undefined
    ? { minor: NEWEST_KNOWN_MINOR, label: `1.${NEWEST_KNOWN_MINOR}, the newest known` }
    : { minor, label: `1.${minor}` };
}

/** `which Kubernetes 1.25 stopped serving (deprecated since 1.21; target 1.29)`. */
function standing(entry: ApiLifecycle, status: Status, target: string): string {
  if (status === "removed")
    return `which Kubernetes 1.${entry.removed} stopped serving (deprecated since 1.${entry.deprecated}; target ${target})`;
  const removal = entry.removed === undefined ? "" : `, removed in 1.${entry.removed}`;
  return `deprecated since Kubernetes 1.${entry.deprecated}${removal} (target ${target})`;
}

/** A rule reporting every resource whose apiVersion has `status` in the target release, located at `apiVersion:`. */
function apiRule(status: Status, descriptor: Omit<RuleDescriptor, "kind" | "score" | "helpUri" | "standards">): ManifestRule {
  return {
    descriptor: {
      ...descriptor,
      kind: "misconfiguration",
      score: representativeScore(descriptor.severity),
      helpUri: DEPRECATION_GUIDE,
      standards: [],
    },
    *check({ resources, options }) {
      const target = targetOf(options);
      for (const resource of resources) {
        const entry = apiLifecycle(resource.apiVersion, resource.kind);
        if (!entry || statusIn(entry, target.minor) !== status) continue;
        yield {
          resource,
          path: ["apiVersion"],
          message: `${describeResource(resource)} uses ${resource.apiVersion}, ${standing(entry, status, target.label)}; use ${entry.replacement}.`,
        };
      }
    },
  };
}

export const removedApi = apiRule("removed", {
  id: "api-removed",
  title: "API version no longer served",
  severity: "high",
  description:
    "The resource's apiVersion is no longer served by the target Kubernetes version (`--kube-version`, else the newest known): applying it fails, so the deployment breaks at the next upgrade or already has. The table follows the Kubernetes Deprecated API Migration Guide.",
  remediation: "Move the manifest to the replacement API version; `kubectl convert` does it, and the guide lists the fields that changed.",
  fix: "apiVersion: networking.k8s.io/v1\nkind: Ingress",
});

export const deprecatedApi = apiRule("deprecated", {
  id: "api-deprecated",
  title: "API version deprecated",
  severity: "low",
  description:
    "The resource's apiVersion is deprecated in the target Kubernetes version (`--kube-version`, else the newest known) and will stop being served, or is kept only for compatibility: migrate before the upgrade that removes it. The table follows the Kubernetes Deprecated API Migration Guide.",
  remediation: "Move the manifest to the replacement API version before upgrading.",
  fix: "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice",
});

/** Removed and deprecated Kubernetes API versions, judged against the target release. */
export const API_VERSION_RULES: readonly ManifestRule[] = [removedApi, deprecatedApi];
