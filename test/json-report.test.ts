import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { renderJson, scan } from "../core/src/index.js";
import { everyKindReport } from "./support/synthetic.js";

const schema = JSON.parse(readFileSync("core/schema/report.schema.json", "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);

function errorsOf(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

describe("JSON report", () => {
  it("of the sample scan validates against the published schema", async () => {
    const document = JSON.parse(renderJson(await scan({ paths: ["samples"] })));
    expect(errorsOf(document)).toEqual([]);
    expect(document.findings.length).toBeGreaterThan(0);
    expect(document.verdict).toEqual({ passed: false, failOn: "high", reasons: [expect.stringMatching(/at or above high/)] });
  });

  it("with findings of every kind validates against the published schema", () => {
    const document = JSON.parse(renderJson(everyKindReport()));
    expect(errorsOf(document)).toEqual([]);
    expect(document.findings.map((finding: { kind: string }) => finding.kind)).toEqual([
      "misconfiguration",
      "vulnerability",
      "attack-path",
      "misconfiguration",
    ]);
  });

  it("carries PSS findings' level and control as pod-security-admission names them", async () => {
    const document = JSON.parse(renderJson(await scan({ paths: ["samples"] })));
    const privileged = document.findings.find((finding: { ruleId: string }) => finding.ruleId === "pss-privileged");
    expect(privileged.standards).toContainEqual({ framework: "pss", level: "baseline", control: "privileged" });
    expect(privileged.resource).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: "shop",
      name: "web",
      container: "log-shipper",
    });
  });

  it("is rejected by the schema when a contract field is missing or mistyped", () => {
    const document = JSON.parse(renderJson(everyKindReport()));
    delete document.findings[0].fingerprint;
    document.findings[1].severity = "severe";
    delete document.findings[1].package;
    expect(errorsOf(document)).toEqual(
      expect.arrayContaining([
        "/findings/0 must have required property 'fingerprint'",
        "/findings/1/severity must be equal to one of the allowed values",
        "/findings/1 must have required property 'package'",
      ]),
    );
  });
});
