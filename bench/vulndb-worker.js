// One measurement of bench/vulndb.js in a fresh process, so its peak RSS is its own.
//   build DIR: the real Go and PyPA advisories replicated under synthetic package names to
//     TARGET advisories, written with writeDatabase into DIR/db; writes DIR/lookups.json
//     (LOOKUPS packages spread evenly over all) and prints { ms, rssMb, advisories, packages }.
//   lookup DIR: opens DIR/db and looks every package of lookups.json up; prints { openMs,
//     lookupMs, floorMs, rssMb, answers } where the floor is JSON.parse of the answers' text.
//   match DIR: opens DIR/db and matches the same packages, installed at a version most of their
//     advisories affect, as a scan does; prints { ms, rssMb, matches }.
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { matchPackages } from "../core/dist/match/index.js";
import { emptyIngestStats, openDatabase, readOsvRecords, writeDatabase } from "../core/dist/vulndb/index.js";

const VULNDATA = fileURLToPath(new URL("../../shared/vulndata/", import.meta.url));
const TARGET = 300_000;
const LOOKUPS = 2_000;

const [mode, dir] = process.argv.slice(2);

async function realAdvisories() {
  const advisories = [];
  for await (const advisory of readOsvRecords([join(VULNDATA, "go/osv"), join(VULNDATA, "pypa/vulns")], emptyIngestStats()))
    advisories.push(advisory);
  return advisories;
}

/** Copy 0 is the real data; copy N renames every advisory and package with a `-sN` suffix. */
function renamed(advisory, copy) {
  if (copy === 0) return advisory;
  return {
    ...advisory,
    id: `${advisory.id}-s${copy}`,
    affected: advisory.affected.map((entry) => ({ ...entry, name: `${entry.name}-s${copy}` })),
  };
}

async function build() {
  const base = await realAdvisories();
  const copies = Math.ceil(TARGET / base.length);
  async function* replicated() {
    for (let copy = 0; copy < copies; copy++) for (const advisory of base) yield renamed(advisory, copy);
  }
  const started = performance.now();
  const metadata = await writeDatabase(replicated(), { out: join(dir, "db") });
  const ms = performance.now() - started;
  const packages = [
    ...new Set(base.flatMap((advisory) => advisory.affected.map((entry) => JSON.stringify([entry.ecosystem, entry.name])))),
  ];
  const total = packages.length * copies;
  const lookups = Array.from({ length: LOOKUPS }, (_, n) => {
    const at = Math.floor((n * total) / LOOKUPS);
    const [ecosystem, name] = JSON.parse(packages[at % packages.length]);
    const copy = Math.floor(at / packages.length);
    return [ecosystem, copy === 0 ? name : `${name}-s${copy}`];
  });
  writeFileSync(join(dir, "lookups.json"), JSON.stringify(lookups));
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  return { ms, rssMb, advisories: metadata.totals.advisories, packages: metadata.totals.packages };
}

async function lookup() {
  const lookups = JSON.parse(await readFile(join(dir, "lookups.json"), "utf8"));
  const started = performance.now();
  const db = await openDatabase(join(dir, "db"));
  const opened = performance.now();
  const results = lookups.map(([ecosystem, name]) => db.advisoriesFor(ecosystem, name));
  const done = performance.now();
  db.close();
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const answers = results.reduce((sum, found) => sum + found.length, 0);
  const texts = results.map((found) => JSON.stringify(found));
  const floorStarted = performance.now();
  for (const text of texts) JSON.parse(text);
  const floorMs = performance.now() - floorStarted;
  return { openMs: opened - started, lookupMs: done - opened, floorMs, rssMb, answers };
}

async function match() {
  const lookups = JSON.parse(await readFile(join(dir, "lookups.json"), "utf8"));
  const packages = lookups.map(([ecosystem, name]) => ({
    name,
    version: ecosystem === "Go" ? "v0.0.1" : "0.0.1",
    ecosystem,
    purl: "pkg:generic/bench",
    layer: "sha256:0",
    path: "bench",
  }));
  const started = performance.now();
  const db = await openDatabase(join(dir, "db"));
  const { matches } = matchPackages(packages, undefined, db);
  const ms = performance.now() - started;
  db.close();
  return { ms, rssMb: Math.round(process.resourceUsage().maxRSS / 1024), matches: matches.length };
}

const modes = { build, lookup, match };
console.log(JSON.stringify(await modes[mode]()));
