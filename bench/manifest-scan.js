// Manifest scan throughput: the corpus in ../shared/corpora/manifests replicated under new
// names to 10,000 resources, scanned with every rule. The floor is what cannot be avoided:
// reading the files and parsing them with positions (the `yaml` package). Each measurement
// runs in a fresh process (bench/manifest-scan-worker.js): times after one warm-up pass,
// peak RSS from cold single passes, so it is the scan's own.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadManifests } from "@portcullis/core";

const CORPUS = fileURLToPath(new URL("../../shared/corpora/manifests/", import.meta.url));
const WORKER = fileURLToPath(new URL("./manifest-scan-worker.js", import.meta.url));
const TARGET_RESOURCES = 10_000;
const ROUNDS = 5;

export async function manifestScan() {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-"));
  try {
    const { files, resources } = replicate(corpusDocuments(), dir);
    const floors = [];
    const scans = [];
    for (let round = 0; round < ROUNDS; round++) {
      floors.push(measure("floor", dir, 1));
      scans.push(measure("scan", dir, 1));
    }
    const coldScans = Array.from({ length: 3 }, () => measure("scan", dir, 0));
    const floor = median(floors.map((run) => run.ms));
    const scanned = median(scans.map((run) => run.ms));
    return {
      name: "manifest scan",
      figure: Math.round(resources / (scanned / 1000)),
      unit: "resources/s",
      ratio: scanned / floor,
      floor: `read + yaml.parseAllDocuments with positions: ${floor.toFixed(0)} ms`,
      details: {
        resources,
        files,
        findings: scans[0].findings,
        "scan ms (median of 5)": scanned.toFixed(0),
        "floor ms (median of 5)": floor.toFixed(0),
        "scan peak RSS MB (one cold scan, max of 3)": Math.max(...coldScans.map((run) => run.rssMb)),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measure(mode, dir, warmups) {
  const output = execFileSync(process.execPath, [WORKER, mode, dir, String(warmups)], { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(output);
}

/** Every Kubernetes document of the corpus outside Helm chart templates, which need rendering first. */
function corpusDocuments() {
  const paths = walk(CORPUS).filter((path) => !path.includes("/templates/"));
  const texts = paths.map((path) => ({ path, text: readFileSync(path, "utf8") }));
  return loadManifests(texts).resources.map((resource) => resource.source.document.toString());
}

/** Copies of the corpus, one file per copy, each resource renamed so copies do not collide. */
function replicate(documents, dir) {
  let files = 0;
  let resources = 0;
  for (let copy = 0; resources < TARGET_RESOURCES; copy++) {
    const batch = documents.map((text) => text.replace(/^( {2}name: )(\S+)/m, `$1$2-copy${copy}`));
    mkdirSync(join(dir, `copy-${copy}`));
    writeFileSync(join(dir, `copy-${copy}`, "all.yaml"), batch.join("---\n"));
    files++;
    resources += batch.length;
  }
  return { files, resources };
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}
