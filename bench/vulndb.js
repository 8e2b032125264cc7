// Vulnerability database: a synthetic database of about 300,000 advisories (the real Go and
// PyPA advisories replicated under synthetic package names), then open + 2,000 package
// lookups (every one a hit, spread evenly over all packages), as a scan would ask. The floor is
// what cannot be avoided: JSON.parse of the 2,000 answers' text, already in memory. Build and
// lookups run in fresh processes (bench/vulndb-worker.js), so each peak RSS is its own.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packDatabase } from "../core/dist/vulndb/artifact/pack.js";

const WORKER = fileURLToPath(new URL("./vulndb-worker.js", import.meta.url));
const ROUNDS = 5;
const MB = 1024 * 1024;

export async function vulnerabilityDatabase() {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-vulndb-"));
  try {
    const build = run("build", dir);
    const lookups = Array.from({ length: ROUNDS }, () => run("lookup", dir));
    const matches = Array.from({ length: ROUNDS }, () => run("match", dir));
    const db = join(dir, "db");
    const sizes = Object.fromEntries(readdirSync(db).map((name) => [name, statSync(join(db, name)).size]));
    const artifact = await packDatabase(db, JSON.parse(readFileSync(join(db, "metadata.json"), "utf8")));
    const total = median(lookups.map((run) => run.openMs + run.lookupMs));
    const floor = median(lookups.map((run) => run.floorMs));
    return {
      name: "vulnerability database",
      figure: Math.round(total),
      unit: "ms to open and answer 2,000 lookups",
      ratio: total / floor,
      floor: `JSON.parse of the 2,000 answers: ${floor.toFixed(0)} ms`,
      details: {
        advisories: build.advisories,
        packages: build.packages,
        "build s": (build.ms / 1000).toFixed(1),
        "build peak RSS MB": build.rssMb,
        [`open ms (median of ${ROUNDS})`]: median(lookups.map((run) => run.openMs)).toFixed(0),
        [`2,000 lookups ms (median of ${ROUNDS})`]: median(lookups.map((run) => run.lookupMs)).toFixed(0),
        "advisories answered": lookups[0].answers,
        [`open + match 2,000 packages ms (median of ${ROUNDS}; target ≤ 1000)`]: median(matches.map((run) => run.ms)).toFixed(0),
        "open + match 2,000 packages ms (slowest)": Math.max(...matches.map((run) => run.ms)).toFixed(0),
        matches: matches[0].matches,
        "open + match peak RSS MB (max; target ≤ 512)": Math.max(...matches.map((run) => run.rssMb)),
        "open + lookups peak RSS MB (max)": Math.max(...lookups.map((run) => run.rssMb)),
        "size on disk MB": (Object.values(sizes).reduce((sum, size) => sum + size, 0) / MB).toFixed(1),
        "packages.bin MB": (sizes["packages.bin"] / MB).toFixed(1),
        "index.tsv MB": (sizes["index.tsv"] / MB).toFixed(1),
        "artifact layer (tar+gzip) MB": (artifact.length / MB).toFixed(1),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(mode, dir) {
  return JSON.parse(execFileSync(process.execPath, [WORKER, mode, dir], { encoding: "utf8", maxBuffer: 1 << 20 }));
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await vulnerabilityDatabase(), null, 2));
