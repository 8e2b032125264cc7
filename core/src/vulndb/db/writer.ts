import { createHash } from "node:crypto";
import { appendFileSync, closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareStrings } from "../../versions/order.js";
import type { Advisory, AffectedPackage } from "../types.js";
import { compressChunk, DictionarySampler } from "./chunks.js";
import { type DatabaseMetadata, DICTIONARY_FILE, type EcosystemSummary, type FileChecksum, INDEX_FILE, PACKAGES_FILE } from "./format.js";
import { encodeSection, type Location } from "./index-file.js";
import { packageKey } from "./package-key.js";
import { BucketSpill, type SpilledLine } from "./spill.js";

const TAB = 0x09;
const OPEN = Buffer.from("[");
const COMMA = Buffer.from(",");
const CLOSE = Buffer.from("]");

/** What writing the data files produced, for metadata.json. */
export interface WrittenDatabase {
  totals: DatabaseMetadata["totals"];
  ecosystems: Record<string, EcosystemSummary>;
  files: Record<string, FileChecksum>;
}

/** One advisory as stored for one package: its JSON bytes. */
interface Row {
  id: string;
  modified: string;
  json: Buffer;
}

/** The spill key of a package: JSON, so that no name can forge a tab or newline. */
function spillKey(ecosystem: string, key: string): string {
  return JSON.stringify([ecosystem, key]);
}

/** The advisory's affected entries grouped by package (ecosystem and key): one stored copy per package. */
function byPackage(advisory: Advisory): Map<string, AffectedPackage[]> {
  const groups = new Map<string, AffectedPackage[]>();
  for (const affected of advisory.affected) {
    const key = spillKey(affected.ecosystem, packageKey(affected.ecosystem, affected.name));
    const group = groups.get(key);
    if (group) group.push(affected);
    else groups.set(key, [affected]);
  }
  return groups;
}

/** Each package's rows, one per advisory id: of the same id read twice, the newest `modified` wins. */
function groupRows(lines: SpilledLine[]): { groups: Map<string, Map<string, Row>>; duplicates: number } {
  const groups = new Map<string, Map<string, Row>>();
  let duplicates = 0;
  for (const { key, text } of lines) {
    const tab = text.indexOf(TAB);
    const [id, modified] = JSON.parse(text.toString("utf8", 0, tab)) as [string, string];
    const rows = groups.get(key) ?? new Map<string, Row>();
    groups.set(key, rows);
    const earlier = rows.get(id);
    if (earlier) duplicates++;
    if (!earlier || Date.parse(modified) > Date.parse(earlier.modified)) rows.set(id, { id, modified, json: text.subarray(tab + 1) });
  }
  return { groups, duplicates };
}

/** The package's chunk before compression: its rows as a JSON array, sorted by id. */
function chunkOf(rows: Map<string, Row>): Buffer {
  const sorted = [...rows.values()].sort((a, b) => compareStrings(a.id, b.id));
  return Buffer.concat([OPEN, ...sorted.flatMap((row, position) => (position === 0 ? [row.json] : [COMMA, row.json])), CLOSE]);
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Appends compressed chunks to packages.bin, hashing as it goes. */
class PackagesFile {
  private readonly file: number;
  private readonly hash = createHash("sha256");
  private size = 0;

  constructor(path: string) {
    this.file = openSync(path, "w");
  }

  append(bytes: Buffer): Location {
    appendFileSync(this.file, bytes);
    this.hash.update(bytes);
    const location: Location = [this.size, bytes.length];
    this.size += bytes.length;
    return location;
  }

  close(): void {
    closeSync(this.file);
  }

  /** Once every chunk is written. */
  checksum(): FileChecksum {
    return { size: this.size, sha256: this.hash.digest("hex") };
  }
}

/** index.tsv: the ecosystems' sections one after another (sorted); returns where each section is. */
function writeIndex(path: string, index: Map<string, Map<string, Location>>): { checksum: FileChecksum; sections: Map<string, Location> } {
  const sections = new Map<string, Location>();
  const parts: Buffer[] = [];
  let offset = 0;
  for (const ecosystem of [...index.keys()].sort()) {
    const section = encodeSection(index.get(ecosystem) as Map<string, Location>);
    sections.set(ecosystem, [offset, section.length]);
    parts.push(section);
    offset += section.length;
  }
  const bytes = Buffer.concat(parts);
  writeFileSync(path, bytes);
  return { checksum: { size: bytes.length, sha256: sha256(bytes) }, sections };
}

/** Spills every advisory once per package it affects; returns the distinct advisory ids, overall and per ecosystem. */
async function spillAdvisories(advisories: AsyncIterable<Advisory>, spill: BucketSpill, sampler: DictionarySampler) {
  const ids = new Set<string>();
  const idsByEcosystem = new Map<string, Set<string>>();
  for await (const advisory of advisories) {
    ids.add(advisory.id);
    for (const [key, affected] of byPackage(advisory)) {
      const ecosystem = (affected[0] as AffectedPackage).ecosystem;
      const seen = idsByEcosystem.get(ecosystem) ?? new Set<string>();
      idsByEcosystem.set(ecosystem, seen.add(advisory.id));
      const json = JSON.stringify({ ...advisory, affected });
      sampler.offer(`${key}\t${advisory.id}`, json);
      spill.add(key, `${JSON.stringify([advisory.id, advisory.modified])}\t${json}`);
    }
  }
  return { ids, idsByEcosystem };
}

/**
 * Writes dictionary.bin, packages.bin and index.tsv into `dir` from a stream of advisories.
 * Memory holds one spill bucket, the index and the set of advisory ids, never the advisories
 * themselves. The output depends only on the advisories and their order, so a rebuild from
 * the same feeds gives the same bytes.
 */
export async function writeDatabaseFiles(advisories: AsyncIterable<Advisory>, dir: string): Promise<WrittenDatabase> {
  const spill = new BucketSpill(join(dir, "spill"));
  const sampler = new DictionarySampler();
  let counted: Awaited<ReturnType<typeof spillAdvisories>>;
  try {
    counted = await spillAdvisories(advisories, spill, sampler);
  } catch (error) {
    spill.close();
    throw error;
  }
  const packages = new PackagesFile(join(dir, PACKAGES_FILE));
  const index = new Map<string, Map<string, Location>>();
  const dictionary = sampler.dictionary();
  let duplicates = 0;
  try {
    for (const lines of spill.buckets()) {
      const grouped = groupRows(lines);
      duplicates += grouped.duplicates;
      for (const key of [...grouped.groups.keys()].sort()) {
        const [ecosystem, name] = JSON.parse(key) as [string, string];
        const chunk = compressChunk(chunkOf(grouped.groups.get(key) as Map<string, Row>), dictionary);
        const entries = index.get(ecosystem) ?? new Map<string, Location>();
        index.set(ecosystem, entries.set(name, packages.append(chunk)));
      }
    }
  } finally {
    packages.close();
  }
  writeFileSync(join(dir, DICTIONARY_FILE), dictionary);
  const written = writeIndex(join(dir, INDEX_FILE), index);
  // fromEntries, not assignment: an ecosystem named "__proto__" must stay a plain key.
  const ecosystems: Record<string, EcosystemSummary> = Object.fromEntries(
    [...written.sections].map(([ecosystem, [offset, length]]) => [
      ecosystem,
      {
        advisories: counted.idsByEcosystem.get(ecosystem)?.size ?? 0,
        packages: index.get(ecosystem)?.size ?? 0,
        index: { offset, length },
      },
    ]),
  );
  return {
    totals: { advisories: counted.ids.size, packages: [...index.values()].reduce((sum, entries) => sum + entries.size, 0), duplicates },
    ecosystems,
    files: {
      [DICTIONARY_FILE]: { size: dictionary.length, sha256: sha256(dictionary) },
      [INDEX_FILE]: written.checksum,
      [PACKAGES_FILE]: packages.checksum(),
    },
  };
}
