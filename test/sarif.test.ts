import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type * as Sarif from "sarif";
import { describe, expect, it } from "vitest";
import { GITHUB_SARIF_LIMITS, renderSarif, type ScanTarget, scan } from "../core/src/index.js";
import { tempTree } from "./support/files.js";
import { sarifValidatorAvailable, validateSarif } from "./support/sarif-validator.js";
import { everyKindReport, MANIFEST_TARGET, manyFindings, reportOf } from "./support/synthetic.js";

const parse = (text: string) => JSON.parse(text) as Sarif.Log;

describe.skipIf(!sarifValidatorAvailable)("SARIF passes the GitHub and SARIF rules of sarif-multitool", () => {
  const dir = tempTree();

  it("for the sample scan", async () => {
    const report = await scan({ paths: ["samples"] });
    expect(report.findings.length).toBeGreaterThan(0);
    const file = join(dir, "samples.sarif");
    writeFileSync(file, renderSarif(report, { sourceRootUri: "file:///home/runner/work/shop/shop/" }));
    const { errors, warnings } = await validateSarif(file);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("for findings of every kind: misconfiguration, vulnerability with package and image, attack path with a code flow", async () => {
    const file = join(dir, "every-kind.sarif");
    const text = renderSarif(everyKindReport());
    writeFileSync(file, text);
    const { errors, warnings } = await validateSarif(file);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    const results = parse(text).runs.flatMap((run) => run.results ?? []);
    expect(results.find((result) => result.codeFlows)?.codeFlows?.[0]?.threadFlows[0]?.locations).toHaveLength(2);
    expect(results.filter((result) => result.suppressions)).toHaveLength(1);
  });

  it("and the harness does report GitHub's errors (a rule without fullDescription or help)", async () => {
    const log = parse(renderSarif(everyKindReport()));
    for (const rule of log.runs[0]?.tool.driver.rules ?? []) {
      delete rule.fullDescription;
      delete rule.help;
    }
    const file = join(dir, "broken.sarif");
    writeFileSync(file, JSON.stringify(log));
    const { errors } = await validateSarif(file);
    expect(errors.some((line) => line.includes("GH2012"))).toBe(true);
  });

  it("after the result budget trimmed a run", async () => {
    const file = join(dir, "trimmed.sarif");
    writeFileSync(file, renderSarif(manyFindings(120), { limits: { ...GITHUB_SARIF_LIMITS, maxResultsPerRun: 100 } }));
    const { errors } = await validateSarif(file);
    expect(errors).toEqual([]);
  });
});

describe("SARIF structure", () => {
  it("gives every rule the descriptions, help, security-severity and security tag code scanning needs", () => {
    const log = parse(renderSarif(everyKindReport()));
    const rules = log.runs.flatMap((run) => run.tool.driver.rules ?? []);
    expect(rules.map((rule) => rule.id).sort()).toEqual(["CVE-2023-44487", "path-internet-to-node", "pss-privileged"]);
    for (const rule of rules) {
      expect(rule.shortDescription?.text).toBeTruthy();
      expect(rule.fullDescription?.text).toBeTruthy();
      expect(rule.help?.text).toBeTruthy();
      expect(rule.help?.markdown).toBeTruthy();
      expect(rule.properties?.tags).toContain("security");
      expect(Number(rule.properties?.["security-severity"])).toBeGreaterThan(0);
    }
    const privileged = rules.find((rule) => rule.id === "pss-privileged");
    expect(privileged?.help?.markdown).toContain("```yaml\nsecurityContext:\n  privileged: false\n```");
    expect(rules.find((rule) => rule.id === "CVE-2023-44487")?.properties?.["security-severity"]).toBe("7.5");
    expect(rules.find((rule) => rule.id === "path-internet-to-node")?.properties?.["security-severity"]).toBe("9.5");
  });

  it("makes one run per scan target with a stable category and repo-relative locations", () => {
    const log = parse(renderSarif(everyKindReport()));
    expect(log.runs.map((run) => run.automationDetails?.id)).toEqual([
      "portcullis/manifests/deploy/",
      "portcullis/image/ghcr.io/example/shop-web/",
    ]);
    for (const result of log.runs.flatMap((run) => run.results ?? [])) {
      const artifact = result.locations?.[0]?.physicalLocation?.artifactLocation;
      expect(artifact?.uriBaseId).toBe("%SRCROOT%");
      expect(artifact?.uri).not.toMatch(/^\/|^file:/);
      expect(result.partialFingerprints?.["portcullisFinding/v1"]).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it("places a finding without a location of its own at the input the user named for its target", () => {
    const report = everyKindReport();
    const vulnerability = report.findings.find((finding) => finding.kind === "vulnerability");
    if (!vulnerability) throw new Error("fixture has no vulnerability");
    delete vulnerability.location;
    const results = parse(renderSarif(report)).runs.flatMap((run) => run.results ?? []);
    const located = results.find((result) => result.ruleId === vulnerability.ruleId)?.locations?.[0]?.physicalLocation;
    expect(located?.artifactLocation?.uri).toBe("ghcr.io/example/shop-web:1.4.2");
    expect(located?.region?.startLine).toBe(1);
  });

  it("keeps an empty run for a target without findings, so code scanning closes fixed alerts", () => {
    const log = parse(renderSarif(reportOf([], [], [MANIFEST_TARGET])));
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0]?.results).toEqual([]);
  });
});

describe("SARIF budget (GitHub's upload limits)", () => {
  it("keeps the 25,000 most severe of 30,000 results, says how many were dropped, and stays under 10 MB gzipped", () => {
    const report = manyFindings(30_000);
    const text = renderSarif(report);
    const log = parse(text);
    const results = log.runs[0]?.results ?? [];
    expect(results).toHaveLength(25_000);
    const notifications = log.runs[0]?.invocations?.[0]?.toolExecutionNotifications ?? [];
    expect(notifications.map((notification) => notification.message.text).join(" ")).toContain("5000 of 30000 results were left out");
    expect(gzipSync(text).length).toBeLessThan(10 * 1024 * 1024);
    const kept = new Set(results.map((result) => result.partialFingerprints?.["portcullisFinding/v1"]));
    const severe = report.findings.filter((finding) => finding.severity !== "low" && finding.severity !== "info");
    expect(severe.every((finding) => kept.has(finding.fingerprint))).toBe(true);
  });

  it("drops the least severe results until the gzipped file fits the size limit, and says so", () => {
    const report = manyFindings(4_000);
    const maxGzipBytes = 60 * 1024;
    const untrimmed = renderSarif(report);
    expect(gzipSync(untrimmed).length).toBeGreaterThan(maxGzipBytes);
    const text = renderSarif(report, { limits: { ...GITHUB_SARIF_LIMITS, maxGzipBytes } });
    expect(gzipSync(text).length).toBeLessThanOrEqual(maxGzipBytes);
    expect(gunzipSync(gzipSync(text)).toString()).toBe(text);
    const run = parse(text).runs[0];
    const levels = new Set((run?.results ?? []).map((result) => result.properties?.severity));
    expect(levels.has("critical")).toBe(true);
    expect(levels.has("info")).toBe(false);
    expect(run?.invocations?.[0]?.toolExecutionNotifications?.[0]?.message.text).toMatch(/upload limit/);
  });

  it("puts targets past the 20-run limit into one combined run", () => {
    const targets: ScanTarget[] = Array.from({ length: 25 }, (_, index) => ({
      id: `manifests/app-${index}`,
      kind: "manifests",
      input: `app-${index}`,
    }));
    const log = parse(renderSarif(reportOf([], [], targets)));
    expect(log.runs).toHaveLength(20);
    expect(log.runs.at(-1)?.automationDetails?.id).toBe("portcullis/combined/");
  });

  it("caps the code flow of an attack path at 1,000 locations", () => {
    const report = everyKindReport();
    const path = report.findings.find((finding) => finding.kind === "attack-path");
    if (!path?.steps) throw new Error("fixture has no attack path");
    const step = path.steps[0];
    if (!step) throw new Error("fixture has no step");
    path.steps = Array.from({ length: 1_500 }, () => step);
    const results = parse(renderSarif(report)).runs.flatMap((run) => run.results ?? []);
    const flow = results.find((result) => result.codeFlows)?.codeFlows?.[0]?.threadFlows[0]?.locations;
    expect(flow).toHaveLength(1_000);
  });
});
