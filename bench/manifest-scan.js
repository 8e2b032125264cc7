// Manifest scan throughput: the corpus in ../shared/corpora/manifests replicated under new
// names to 10,000 resources, scanned with every rule. The floor is what cannot be avoided:
// reading the files and parsing them with positions (the `yaml` package) in this process.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadManifests, scan } from "@portcullis/core";
import { LineCounter, parseAllDocuments } from "yaml";

const CORPUS = new URL("../../shared/corpora/manifests/", import.meta.url).pathname;
const TARGET_RESOURCES = 10_000;
const RUNS = 5;

export async function manifestScan() {
  const documents = corpusDocuments();
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-"));
  try {
    const { files, resources } = replicate(documents, dir);
    const floor = await median(() => parseFloor(files));
    const scanned = await median(() => scan({ paths: [dir], sourceRoot: dir, failOn: "none" }));
    return {
      name: "manifest scan",
      figure: Math.round(resources / (scanned.ms / 1000)),
      unit: "resources/s",
      ratio: scanned.ms / floor.ms,
      floor: `read + yaml.parseAllDocuments with positions: ${floor.ms.toFixed(0)} ms`,
      details: {
        resources,
        files: files.length,
        "scan ms (median of 5)": scanned.ms.toFixed(0),
        "floor ms (median of 5)": floor.ms.toFixed(0),
        findings: scanned.value.findings.length,
        "peak RSS MB": (process.resourceUsage().maxRSS / 1024).toFixed(0),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every Kubernetes document of the corpus outside Helm chart templates, which need rendering first. */
function corpusDocuments() {
  const paths = walk(CORPUS).filter((path) => !path.includes("/templates/"));
  const texts = paths.map((path) => ({ path, text: readFileSync(path, "utf8") }));
  const loaded = loadManifests(texts);
  return loaded.resources.map((resource) => resource.source.document.toString());
}

function replicate(documents, dir) {
  const files = [];
  let resources = 0;
  for (let copy = 0; resources < TARGET_RESOURCES; copy++) {
    const batch = documents.map((text) => text.replace(/^( {2}name: )(\S+)/m, `$1$2-copy${copy}`));
    const path = join(dir, `copy-${copy}`, "all.yaml");
    mkdirSync(join(dir, `copy-${copy}`));
    writeFileSync(path, batch.join("---\n"));
    files.push(path);
    resources += batch.length;
  }
  return { files, resources };
}

async function parseFloor(files) {
  let count = 0;
  for (const path of files) {
    const lineCounter = new LineCounter();
    for (const document of parseAllDocuments(await readFile(path, "utf8"), { lineCounter, logLevel: "error" })) {
      document.toJS();
      count++;
    }
  }
  return count;
}

async function median(task) {
  const runs = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const value = await task();
    runs.push({ ms: performance.now() - started, value });
  }
  return runs.sort((a, b) => a.ms - b.ms)[Math.floor(RUNS / 2)];
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}
