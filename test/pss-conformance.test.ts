import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_RULE_OPTIONS, type Finding, loadManifests, type PssLevel, runRules, toWorkloads } from "../core/src/index.js";
import { POD_SECURITY_RULES } from "../core/src/rules/pod-security/index.js";
import { realPartAvailable } from "./support/real-parts.js";

/**
 * The official fixtures of kubernetes/pod-security-admission (see ../shared/README.md): every
 * file under `fail/` must be rejected at its level and version, every file under `pass/` admitted.
 */
const FIXTURES = fileURLToPath(new URL("../../shared/conformance/pss/", import.meta.url));
const LEVELS: readonly PssLevel[] = ["baseline", "restricted"];

/**
 * Restricted controls report only what their baseline counterpart allows (each offending field
 * once, at the lowest level that forbids it), so a fixture written for one of them may be
 * rejected by the counterpart, exactly as pod-security-admission's overrides pair them.
 */
const BASELINE_COUNTERPART: Readonly<Record<string, string>> = {
  capabilities_restricted: "capabilities_baseline",
  seccompProfile_restricted: "seccompProfile_baseline",
  procMount_restricted: "procMount",
  restrictedVolumes: "hostPathVolumes",
};

const CONTROL_IDS = new Set(
  POD_SECURITY_RULES.flatMap((rule) => rule.descriptor.standards.filter((standard) => standard.framework === "pss")).map(
    (standard) => standard.control,
  ),
);

function pssControlsOf(finding: Finding): string[] {
  return (finding.standards ?? []).filter((standard) => standard.framework === "pss").map((standard) => standard.control);
}

function evaluate(text: string, name: string, level: PssLevel, minor: number): { findings: Finding[]; problem?: string } {
  const { resources, errors } = loadManifests([{ path: name, text }]);
  if (errors.length > 0 || resources.length !== 1)
    return { findings: [], problem: `loads as ${resources.length} resources, ${errors.length} errors` };
  const options = { ...DEFAULT_RULE_OPTIONS, pssLevel: level, pssVersion: { major: 1 as const, minor } };
  const findings = runRules(POD_SECURITY_RULES, { resources, workloads: toWorkloads(resources), options }, "conformance");
  return { findings: findings.filter((finding) => pssControlsOf(finding).length > 0) };
}

/** The control a fixture is written for, from its name (`capabilities_baseline1.yaml`), when it names one. */
function fixtureControl(file: string): string | undefined {
  const prefix = file.replace(/\d*\.yaml$/, "");
  return [...CONTROL_IDS].find((control) => control.toLowerCase() === prefix);
}

function rejectsForItsControl(file: string, findings: readonly Finding[]): boolean {
  const control = fixtureControl(file);
  if (!control) return true;
  const accepted = new Set([control, BASELINE_COUNTERPART[control]]);
  return findings.some((finding) => pssControlsOf(finding).some((found) => accepted.has(found)));
}

function describeFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return "no findings";
  return findings.map((finding) => `${finding.ruleId} [${pssControlsOf(finding).join(",")}] ${finding.message}`).join("; ");
}

/** Every mismatch of one level and version, one line per file. */
function mismatches(level: PssLevel, minor: number): { files: number; problems: string[] } {
  const problems: string[] = [];
  let files = 0;
  for (const outcome of ["pass", "fail"] as const) {
    const folder = join(FIXTURES, level, `v1.${minor}`, outcome);
    for (const file of readdirSync(folder).filter((name) => name.endsWith(".yaml"))) {
      files++;
      const { findings, problem } = evaluate(readFileSync(join(folder, file), "utf8"), file, level, minor);
      const where = `${outcome}/${file}`;
      if (problem) problems.push(`${where}: ${problem}`);
      else if (outcome === "pass" && findings.length > 0) problems.push(`${where}: should pass, but: ${describeFindings(findings)}`);
      else if (outcome === "fail" && findings.length === 0) problems.push(`${where}: should fail, but has no PSS finding`);
      else if (outcome === "fail" && !rejectsForItsControl(file, findings)) {
        problems.push(`${where}: fails, but not for ${fixtureControl(file)}: ${describeFindings(findings)}`);
      }
    }
  }
  return { files, problems };
}

function versionsOf(level: PssLevel): number[] {
  return readdirSync(join(FIXTURES, level))
    .map((name) => /^v1\.(\d+)$/.exec(name)?.[1])
    .filter((minor): minor is string => minor !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

const available = realPartAvailable("the Pod Security Standards fixtures", FIXTURES, "check out ../shared beside the repository", "read");

describe.skipIf(!available).each(LEVELS)("Pod Security Standards conformance at %s", (level) => {
  const versions = available ? versionsOf(level) : [];

  it("has fixtures for v1.0 up to the newest version, each with files that pass and fail", () => {
    expect(versions[0]).toBe(0);
    expect(versions).toEqual(versions.map((_, index) => index));
    for (const minor of versions) {
      for (const outcome of ["pass", "fail"]) expect(readdirSync(join(FIXTURES, level, `v1.${minor}`, outcome)).length).toBeGreaterThan(0);
    }
  });

  it.each(versions)(`v1.%i: every fail fixture is rejected for its control, every pass fixture admitted`, (minor) => {
    const { files, problems } = mismatches(level, minor);
    expect(files).toBeGreaterThan(0);
    expect(problems, `${problems.length} of ${files} ${level} v1.${minor} fixtures mismatch:\n${problems.join("\n")}`).toEqual([]);
  });
});
