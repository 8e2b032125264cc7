#!/usr/bin/env node
// Benchmarks: each prints its figure and the ratio to its physical floor, and all are
// written to bench/results.json. Run with `npm run bench` (it builds first).
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { imageScan } from "./image-scan.js";
import { manifestScan } from "./manifest-scan.js";
import { vulnerabilityDatabase } from "./vulndb.js";

const results = [await manifestScan(), await imageScan(), await vulnerabilityDatabase()];
for (const result of results) {
  console.log(`${result.name}: ${result.figure} ${result.unit} · ${result.ratio.toFixed(2)}x the floor (${result.floor})`);
  for (const [key, value] of Object.entries(result.details)) console.log(`  ${key}: ${value}`);
}
const file = join(dirname(fileURLToPath(import.meta.url)), "results.json");
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
console.log(`written to ${file}`);
