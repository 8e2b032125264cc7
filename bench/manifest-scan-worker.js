// One measurement of bench/manifest-scan.js in a fresh process: `floor` parses every file
// with positions, `scan` runs the full scan, after WARMUPS unmeasured passes (JIT, file
// cache; 0 for a peak-memory measurement). Prints { ms, rssMb, findings } as JSON.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { scan } from "@portcullis/core";
import { LineCounter, parseAllDocuments } from "yaml";

const [mode, dir, warmups = "1"] = process.argv.slice(2);

function parseFloor() {
  let documents = 0;
  for (const path of yamlFiles(dir)) {
    const lineCounter = new LineCounter();
    for (const document of parseAllDocuments(readFileSync(path, "utf8"), { lineCounter, logLevel: "error" })) {
      document.toJS();
      documents++;
    }
  }
  return { findings: 0, documents };
}

async function fullScan() {
  const report = await scan({ paths: [dir], sourceRoot: dir, failOn: "none" });
  return { findings: report.findings.length };
}

function yamlFiles(root) {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? yamlFiles(path) : [path];
  });
}

const task = mode === "floor" ? parseFloor : fullScan;
for (let pass = 0; pass < Number(warmups); pass++) await task();
const started = performance.now();
const result = await task();
const ms = performance.now() - started;
console.log(JSON.stringify({ ms, rssMb: Math.round(process.resourceUsage().maxRSS / 1024), findings: result.findings }));
