import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../core/src/cli/main.js";
import { renderJunit, renderMarkdown, renderTable, scan } from "../core/src/index.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";
import { everyKindReport, manyFindings } from "./support/synthetic.js";

const ANSI_ESCAPE = "\u001b[";

class Capture extends Writable {
  text = "";
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function runInTerminal(isTTY: boolean, env: NodeJS.ProcessEnv): Promise<string> {
  const stdout = new Capture(isTTY);
  await main(["scan", "samples/k8s"], { stdout, stderr: new Capture(false), env });
  return stdout.text;
}

describe("table", () => {
  it("fits an 80-column terminal", async () => {
    const table = renderTable(await scan({ paths: ["samples"] }));
    const lines = table.split("\n");
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  it("wraps long messages and paths without losing words", () => {
    const report = everyKindReport();
    const long = report.findings[0];
    if (!long?.location) throw new Error("fixture finding has no location");
    long.message = `${"word ".repeat(60)}end-${"x".repeat(120)}`;
    long.location.path = `${"deep/".repeat(30)}web.yaml`;
    const table = renderTable(report);
    for (const line of table.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(table.replace(/\s+/g, "")).toContain(long.message.replace(/\s+/g, ""));
    expect(table).toContain("…");
    expect(table).toContain("deep/web.yaml");
  });

  it("is coloured on a TTY, and plain with NO_COLOR or when piped", async () => {
    expect(await runInTerminal(true, {})).toContain(ANSI_ESCAPE);
    expect(await runInTerminal(true, { NO_COLOR: "1" })).not.toContain(ANSI_ESCAPE);
    expect(await runInTerminal(false, {})).not.toContain(ANSI_ESCAPE);
  });

  it("lists inputs that could not be scanned and unknown kinds", async () => {
    const root = tempTree({
      "bad.yaml": "a: [\n",
      "cert.yaml": "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: { name: c }\n",
    });
    const table = renderTable(await scan({ paths: [root], sourceRoot: root }));
    expect(table).toMatch(/Could not scan 1 input:\n {2}bad\.yaml:\d+:\d+: invalid YAML/);
    expect(table.replace(/\s+/g, " ")).toMatch(
      / INCOMPLETE: no findings at or above high in what could be scanned, but 1 input could not be\. $/,
    );
    for (const line of table.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(renderMarkdown(await scan({ paths: [root], sourceRoot: root }))).toMatch(/^## ⚠️ Portcullis: scan incomplete\n/);
    expect(table).toContain("Not checked, unknown kinds: Certificate (cert-manager.io/v1) x1.");
  });
});

describe("markdown summary", () => {
  it("states the verdict, counts by severity and lists findings with their locations", () => {
    const markdown = renderMarkdown(everyKindReport());
    expect(markdown).toMatch(/^## ❌ Portcullis: gate failed\n/);
    expect(markdown).toContain("| 🟣 Critical | 1 |");
    expect(markdown).toContain("| 🔴 High | 3 |");
    expect(markdown).toContain("| 🟣 Critical | `path-internet-to-node` | `deploy/service.yaml:7:3` |");
    expect(markdown).toContain("1 finding suppressed by exceptions.");
  });

  it("stays far below GitHub's 65,536-character comment limit with many findings", () => {
    const markdown = renderMarkdown(manyFindings(5_000));
    expect(markdown.length).toBeLessThan(20_000);
    expect(markdown).toContain("…and 4950 more in the full report.");
  });

  it("escapes table-breaking characters and HTML in messages", () => {
    const report = everyKindReport();
    const first = report.findings[0];
    if (!first) throw new Error("no finding");
    first.message = "a | b <script>alert(1)</script>\nnext";
    const row = renderMarkdown(report)
      .split("\n")
      .find((line) => line.includes("a \\| b"));
    expect(row).toContain("a \\| b &#60;script&#62;alert(1)&#60;/script&#62; next |");
  });
});

const xmllintAvailable = realPartAvailable("xmllint", "/usr/bin/xmllint", "install the Debian package libxml2-utils.");

describe.skipIf(!xmllintAvailable)("JUnit XML", () => {
  const dir = tempTree();
  const xpath = (file: string, expression: string) => execFileSync("xmllint", ["--xpath", expression, file], { encoding: "utf8" }).trim();

  it("is well-formed and has one case per finding plus the gate, failed only when gating", () => {
    const file = join(dir, "every-kind.xml");
    writeFileSync(file, renderJunit(everyKindReport()));
    execFileSync("xmllint", ["--noout", file]);
    expect(xpath(file, "count(//testcase)")).toBe("5");
    expect(xpath(file, "string(/testsuites/@failures)")).toBe("4");
    expect(xpath(file, "count(//testcase[skipped])")).toBe("1");
    expect(xpath(file, "string(//testcase[@name='gate (fail-on high)']/failure/@message)")).toMatch(/at or above high/);
  });

  it("stays well-formed with hostile text in messages", () => {
    const report = everyKindReport();
    const first = report.findings[0];
    if (!first) throw new Error("no finding");
    first.message = "quote \" apostrophe ' <tag> & ampersand \u0001 control ]]>";
    first.ruleId = 'rule"<&>';
    const file = join(dir, "hostile.xml");
    writeFileSync(file, renderJunit(report));
    execFileSync("xmllint", ["--noout", file]);
    expect(xpath(file, "string(//testcase[starts-with(@classname, 'rule')]/@classname)")).toBe('rule"<&>');
  });

  it("passes the gate case when nothing fails", async () => {
    const file = join(dir, "hardened.xml");
    writeFileSync(file, renderJunit(await scan({ paths: ["samples/k8s/hardened"] })));
    execFileSync("xmllint", ["--noout", file]);
    expect(xpath(file, "string(/testsuites/@failures)")).toBe("0");
    expect(xpath(file, "count(//testcase)")).toBe("1");
  });
});
