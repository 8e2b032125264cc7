import { describe, expect, it } from "vitest";
import { DEFAULT_RULE_OPTIONS, loadManifests, runRules, toWorkloads } from "../core/src/index.js";
import { API_VERSION_RULES } from "../core/src/rules/api-versions.js";
import { API_LIFECYCLES, apiLifecycle, NEWEST_KNOWN_MINOR } from "../core/src/rules/deprecated-apis.js";

function findingsFor(text: string, minor?: number) {
  const { resources } = loadManifests([{ path: "a.yaml", text }]);
  const options = minor === undefined ? DEFAULT_RULE_OPTIONS : { ...DEFAULT_RULE_OPTIONS, kubeVersion: { major: 1 as const, minor } };
  return runRules(API_VERSION_RULES, { resources, workloads: toWorkloads(resources), options }, "t");
}

function summary(findings: ReturnType<typeof findingsFor>): string[] {
  return findings.map((finding) => `${finding.ruleId}@${finding.location?.startLine}:${finding.location?.startColumn} ${finding.message}`);
}

const INGRESS = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: { name: web, namespace: shop }\n";
const CRON_JOB = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: { name: nightly }\n";

describe("the lifecycle table", () => {
  it("has one entry per apiVersion and kind, each deprecated before it was removed", () => {
    const keys = API_LIFECYCLES.flatMap((entry) => entry.kinds.map((kind) => `${entry.apiVersion} ${kind}`));
    expect(new Set(keys).size).toBe(keys.length);
    for (const entry of API_LIFECYCLES) {
      if (entry.removed !== undefined) expect(entry.deprecated, entry.apiVersion).toBeLessThan(entry.removed);
      expect(entry.removed ?? entry.deprecated).toBeLessThanOrEqual(NEWEST_KNOWN_MINOR);
    }
  });

  it("matches the Deprecated API Migration Guide on landmark removals", () => {
    expect(apiLifecycle("extensions/v1beta1", "Ingress")).toMatchObject({
      deprecated: 14,
      removed: 22,
      replacement: "networking.k8s.io/v1",
    });
    expect(apiLifecycle("policy/v1beta1", "PodSecurityPolicy")).toMatchObject({ deprecated: 21, removed: 25 });
    expect(apiLifecycle("batch/v1beta1", "CronJob")).toMatchObject({ deprecated: 21, removed: 25, replacement: "batch/v1" });
    expect(apiLifecycle("autoscaling/v2beta2", "HorizontalPodAutoscaler")).toMatchObject({
      deprecated: 23,
      removed: 26,
      replacement: "autoscaling/v2",
    });
    expect(apiLifecycle("storage.k8s.io/v1beta1", "CSIStorageCapacity")).toMatchObject({ removed: 27 });
    expect(apiLifecycle("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema")).toMatchObject({ removed: 29 });
    expect(apiLifecycle("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration")).toMatchObject({ removed: 32 });
  });

  it("is per kind: a group version that lives on for other kinds is not condemned whole", () => {
    expect(apiLifecycle("coordination.k8s.io/v1beta1", "Lease")).toMatchObject({ removed: 22 });
    expect(apiLifecycle("coordination.k8s.io/v1beta1", "LeaseCandidate")).toBeUndefined();
    expect(apiLifecycle("storage.k8s.io/v1beta1", "VolumeAttributesClass")).toBeUndefined();
    expect(apiLifecycle("apps/v1", "Deployment")).toBeUndefined();
  });
});

describe("api-removed and api-deprecated", () => {
  it("judge against the target version: fine before deprecation, deprecated until removal, removed after", () => {
    expect(findingsFor(INGRESS, 13)).toEqual([]);
    expect(summary(findingsFor(INGRESS, 14))).toEqual([
      "api-deprecated@1:1 Ingress shop/web uses extensions/v1beta1, deprecated since Kubernetes 1.14, removed in 1.22 (target 1.14); use networking.k8s.io/v1.",
    ]);
    expect(summary(findingsFor(INGRESS, 21))).toEqual([
      "api-deprecated@1:1 Ingress shop/web uses extensions/v1beta1, deprecated since Kubernetes 1.14, removed in 1.22 (target 1.21); use networking.k8s.io/v1.",
    ]);
    expect(summary(findingsFor(INGRESS, 22))).toEqual([
      "api-removed@1:1 Ingress shop/web uses extensions/v1beta1, which Kubernetes 1.22 stopped serving (deprecated since 1.14; target 1.22); use networking.k8s.io/v1.",
    ]);
    expect(findingsFor(CRON_JOB, 24).map((finding) => [finding.ruleId, finding.severity])).toEqual([["api-deprecated", "low"]]);
    expect(findingsFor(CRON_JOB, 25).map((finding) => [finding.ruleId, finding.severity])).toEqual([["api-removed", "high"]]);
  });

  it("use the newest known version without a target, where v1 Endpoints is deprecated but served", () => {
    const text = `${CRON_JOB}---\napiVersion: v1\nkind: Endpoints\nmetadata: { name: legacy }\n---\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: { name: restricted }\n`;
    expect(summary(findingsFor(text))).toEqual([
      `api-removed@1:1 CronJob nightly uses batch/v1beta1, which Kubernetes 1.25 stopped serving (deprecated since 1.21; target 1.${NEWEST_KNOWN_MINOR}, the newest known); use batch/v1.`,
      `api-removed@9:1 PodSecurityPolicy restricted uses policy/v1beta1, which Kubernetes 1.25 stopped serving (deprecated since 1.21; target 1.${NEWEST_KNOWN_MINOR}, the newest known); use Pod Security Admission (namespace labels), as PodSecurityPolicy has no successor API.`,
      `api-deprecated@5:1 Endpoints legacy uses v1, deprecated since Kubernetes 1.33 (target 1.${NEWEST_KNOWN_MINOR}, the newest known); use discovery.k8s.io/v1 EndpointSlice.`,
    ]);
  });

  it("locate the apiVersion of an item inside a List, wherever it is written", () => {
    const text = [
      "apiVersion: v1",
      "kind: List",
      "items:",
      "  - kind: HorizontalPodAutoscaler",
      "    metadata: { name: web }",
      "    apiVersion: autoscaling/v2beta2",
      "  - { kind: HorizontalPodAutoscaler, apiVersion: autoscaling/v2, metadata: { name: api } }",
      "",
    ].join("\n");
    expect(summary(findingsFor(text, 26))).toEqual([
      "api-removed@6:5 HorizontalPodAutoscaler web uses autoscaling/v2beta2, which Kubernetes 1.26 stopped serving (deprecated since 1.23; target 1.26); use autoscaling/v2.",
    ]);
  });

  it("leave current APIs, custom resources and hostile documents alone", () => {
    const text = [
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec: 7",
      "apiVersion: example.com/v1beta1\nkind: Ingress\nmetadata: { name: custom }",
      "apiVersion: coordination.k8s.io/v1beta1\nkind: LeaseCandidate\nmetadata: 5",
      "apiVersion: 7\nkind: Ingress",
      "kind: CronJob\nmetadata: { name: no-version }",
      "- just\n- a list",
    ].join("\n---\n");
    expect(findingsFor(text, 30)).toEqual([]);
  });
});
