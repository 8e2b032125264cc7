import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { BUILT_IN_RULES } from "../core/src/index.js";
import { renderRuleCatalog } from "../core/src/report/rule-catalog.js";
import { runCli } from "./support/cli.js";

const descriptors = BUILT_IN_RULES.map((rule) => rule.descriptor);

describe("rule metadata", () => {
  it("gives every rule a unique, stable-looking id", () => {
    const ids = descriptors.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it.each(descriptors.map((rule) => [rule.id, rule] as const))(
    "%s has a title, description, remediation, a YAML fix that parses, and a reference",
    (_id, rule) => {
      expect(rule.title.length).toBeGreaterThan(5);
      expect(rule.description.length).toBeGreaterThan(40);
      expect(rule.remediation.length).toBeGreaterThan(15);
      expect(rule.fix).toBeTruthy();
      const documents = parseAllDocuments(rule.fix ?? "");
      expect(Array.isArray(documents) && documents.every((document) => document.errors.length === 0)).toBe(true);
      expect([rule.helpUri, ...(rule.references ?? [])].filter(Boolean).length + rule.standards.length).toBeGreaterThan(0);
    },
  );
});

describe("docs/rules.md", () => {
  it("is generated from the rules' metadata and up to date (run `npm run docs` after changing a rule)", () => {
    expect(readFileSync("docs/rules.md", "utf8")).toBe(renderRuleCatalog(descriptors, "markdown"));
  });

  it("lists every rule with its standards mappings", () => {
    const markdown = renderRuleCatalog(descriptors, "markdown");
    for (const rule of descriptors) {
      expect(markdown).toContain(`## ${rule.id}\n`);
      for (const standard of rule.standards) expect(markdown).toContain(standard.control);
    }
  });
});

describe("portcullis rules", () => {
  it("prints a table that fits 80 columns, JSON with every descriptor, and the markdown of docs/rules.md", () => {
    const table = runCli(["rules"]);
    expect(table.status).toBe(0);
    for (const line of table.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    for (const rule of descriptors) expect(table.stdout).toContain(rule.id);
    const json = runCli(["rules", "--format", "json"]);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(descriptors)));
    expect(runCli(["rules", "--format", "markdown"]).stdout).toBe(renderRuleCatalog(descriptors, "markdown"));
  });

  it("rejects an unknown format", () => {
    const result = runCli(["rules", "--format", "sarif"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--format "sarif" is not one of the choices. Use one of: table, json, markdown.');
  });
});
