import { basename } from "node:path";
import { UserError } from "../../errors.js";
import { severityRank } from "../../model/severity.js";
import { canonicalCveId } from "../enrich/cve-id.js";
import type { Advisory, AffectedPackage, IngestStats, VendorRating } from "../types.js";
import { vendorRating } from "../vendor-ratings.js";
import { attribute, childNames, childText, elements, readXmlFeed, textOf, type XmlElement } from "./xml.js";

/** The 3.0 feed is 2 MB; parsing holds about ten times the file in memory. */
const OVAL_CAP = 64 * 1024 * 1024;
const WHAT = "Azure Linux OVAL feed";
const SOURCE = "oval:azurelinux";
const RATING_SOURCE = "Azure Linux";
const SUMMARY_LIMIT = 300;
const INVALID_EXAMPLES = 10;

/**
 * Microsoft's Azure Linux OVAL feed, normalised: one Advisory per CVE.
 *
 * Package names are SOURCE rpm names (the SPEC names of the azurelinux repository:
 * `python-urllib3`, whose binary rpm is `python3-urllib3`; `kernel`, `golang`), as OSV's
 * `Azure Linux` ecosystem also defines them ("the name is the name of the source package"):
 * the matcher must look installed packages up by their SOURCERPM name.
 */
export interface AzureLinuxOval {
  /** The generator's `timestamp`: when the feed was made. */
  timestamp: string;
  advisories: Advisory[];
  /**
   * What the reader does not understand, by what, counted rather than guessed at: a
   * definition with an unknown test, object, state or criteria shape is skipped (and counted
   * invalid in the stats); an unknown severity label only leaves the package unrated.
   */
  unknown: Record<string, number>;
}

export interface AzureLinuxOvalOptions {
  /**
   * The release the feed covers (`3.0`). The feed itself never says it (its platform is
   * just `Azure Linux`): by default it is taken from Microsoft's file name,
   * `azurelinux-3.0-oval.xml`.
   */
  release?: string;
}

/** One package one definition says is affected below a fixed version. */
interface PackageFix {
  cve: string;
  definitionId: string;
  ecosystem: string;
  name: string;
  fixed: string;
  rating?: VendorRating;
  title?: string;
  referenceUrl?: string;
  advisoryDate?: string;
}

/** A shape of the feed this reader does not understand, named for the counts. */
class UnknownShape {
  constructor(readonly what: string) {}
}

/** Microsoft's mark for a definition that "either no longer is or was never applicable". */
const WITHDRAWN = "withdrawn";

interface Indexed {
  kind: string;
  element: XmlElement;
}

/** The feed's tests, objects and states by id. */
interface Catalog {
  tests: Map<string, Indexed>;
  objects: Map<string, Indexed>;
  states: Map<string, Indexed>;
}

/**
 * Reads an Azure Linux OVAL file. Each vulnerability definition is one package of one CVE,
 * affected while its EVR is `less than` the state's; definitions of the same CVE become one
 * Advisory with all their packages. `stats` counts definitions read, advisories kept,
 * definitions skipped for an unknown shape (`invalid`) and those Microsoft marks not
 * applicable (`withdrawn`: "This CVE either no longer is or was never applicable").
 */
export async function readAzureLinuxOval(path: string, stats: IngestStats, options: AzureLinuxOvalOptions = {}): Promise<AzureLinuxOval> {
  const release = options.release ?? releaseFromFileName(path);
  const { name, root } = await readXmlFeed(path, WHAT, OVAL_CAP);
  if (name !== "oval_definitions") {
    throw new UserError(`${WHAT} ${path} is <${name}>, not <oval_definitions>.`, "Pass an OVAL definitions file.");
  }
  const timestamp = generatorTimestamp(path, root);
  const catalog: Catalog = { tests: indexById(root, "tests"), objects: indexById(root, "objects"), states: indexById(root, "states") };
  const unknown: Record<string, number> = {};
  const fixes: PackageFix[] = [];
  for (const definition of elements(root, "definitions").flatMap((container) => elements(container, "definition"))) {
    stats.read += 1;
    const reading = readDefinition(definition, catalog, release, unknown);
    if (reading === WITHDRAWN) stats.withdrawn += 1;
    else if (reading instanceof UnknownShape) {
      count(unknown, reading.what);
      stats.invalid += 1;
      if (stats.invalidExamples.length < INVALID_EXAMPLES) stats.invalidExamples.push(`${attribute(definition, "id")}: ${reading.what}`);
    } else fixes.push(reading);
  }
  const advisories = [...groupByCve(fixes).values()].map((cveFixes) => toAdvisory(cveFixes, timestamp));
  stats.kept += advisories.length;
  return { timestamp, advisories, unknown };
}

function count(counts: Record<string, number>, what: string): void {
  counts[what] = (counts[what] ?? 0) + 1;
}

/** OVAL requires the generator's timestamp; it dates the advisories that carry no date of their own. */
function generatorTimestamp(path: string, root: XmlElement): string {
  const [generator] = elements(root, "generator");
  const timestamp = generator && childText(generator, "timestamp");
  if (!timestamp) throw new UserError(`${WHAT} ${path} has no <generator><timestamp>, which OVAL requires.`, "Download the feed again.");
  return timestamp;
}

function releaseFromFileName(path: string): string {
  const release = /-(\d+\.\d+)-oval\.xml$/.exec(basename(path))?.[1];
  if (release) return release;
  throw new UserError(
    `${WHAT} ${path}: its release cannot be told, since the feed does not name it and the file is not named like Microsoft's (azurelinux-3.0-oval.xml).`,
    "Keep Microsoft's file name, or pass the release explicitly.",
  );
}

function indexById(root: XmlElement, container: string): Map<string, Indexed> {
  const index = new Map<string, Indexed>();
  for (const group of elements(root, container)) {
    for (const kind of childNames(group)) {
      for (const element of elements(group, kind)) {
        const id = attribute(element, "id");
        if (id) index.set(id, { kind, element });
      }
    }
  }
  return index;
}

function readDefinition(
  definition: XmlElement,
  catalog: Catalog,
  release: string,
  unknown: Record<string, number>,
): PackageFix | typeof WITHDRAWN | UnknownShape {
  const definitionClass = attribute(definition, "class");
  if (definitionClass !== "vulnerability") return new UnknownShape(`definition class "${definitionClass}"`);
  const [metadata] = elements(definition, "metadata");
  if (!metadata) return new UnknownShape("definition without metadata");
  const patchable = childText(metadata, "patchable");
  if (patchable === "Not Applicable") return WITHDRAWN;
  if (patchable !== "true") return new UnknownShape(`patchable "${patchable}"`);
  const cveReferences = elements(metadata, "reference").filter((reference) => attribute(reference, "source") === "CVE");
  const [cveReference] = cveReferences;
  const cve = cveReferences.length === 1 && cveReference ? canonicalCveId(attribute(cveReference, "ref_id") ?? "") : undefined;
  if (!cve) return new UnknownShape(`${cveReferences.length} CVE references`);
  const platforms = elements(metadata, "affected").flatMap((affected) =>
    elements(affected, "platform").flatMap((element) => textOf(element) ?? []),
  );
  if (platforms.length !== 1) return new UnknownShape(`${platforms.length} affected platforms`);
  const testRef = singleCriterion(definition);
  if (!testRef) return new UnknownShape("criteria other than a single criterion");
  const affected = readRpmTest(testRef, catalog);
  if (affected instanceof UnknownShape) return affected;
  const fix: PackageFix = { cve, definitionId: attribute(definition, "id") ?? cve, ecosystem: `${platforms[0]}:${release}`, ...affected };
  const label = childText(metadata, "severity");
  const rating = label === undefined ? undefined : vendorRating(RATING_SOURCE, label);
  if (rating) fix.rating = rating;
  else count(unknown, `${label === undefined ? "no severity" : `severity "${label}"`} (kept, unrated)`);
  setIfPresent(fix, "title", childText(metadata, "title"));
  setIfPresent(fix, "referenceUrl", attribute(cveReference as XmlElement, "ref_url"));
  setIfPresent(fix, "advisoryDate", childText(metadata, "advisory_date"));
  return fix;
}

function setIfPresent<K extends "title" | "referenceUrl" | "advisoryDate">(fix: PackageFix, key: K, value: string | undefined): void {
  if (value) fix[key] = value;
}

/** The test the definition's criteria consist of, when they are exactly one plain criterion (the feed's only shape). */
function singleCriterion(definition: XmlElement): string | undefined {
  const criteriaList = elements(definition, "criteria");
  const [criteria] = criteriaList;
  if (criteriaList.length !== 1 || !criteria || attribute(criteria, "negate") === "true") return undefined;
  if (childNames(criteria).some((name) => name !== "criterion")) return undefined;
  const criterions = elements(criteria, "criterion");
  const [criterion] = criterions;
  if (criterions.length !== 1 || !criterion || attribute(criterion, "negate") === "true") return undefined;
  return attribute(criterion, "test_ref");
}

/**
 * An `rpminfo_test` that at least one installed package named by its object has an EVR
 * `less than` its state's: the package and the fixed version, or what is not understood.
 */
function readRpmTest(testRef: string, catalog: Catalog): Pick<PackageFix, "name" | "fixed"> | UnknownShape {
  const test = catalog.tests.get(testRef);
  if (!test) return new UnknownShape("criterion naming no test");
  if (test.kind !== "rpminfo_test") return new UnknownShape(`test kind ${test.kind}`);
  const check = attribute(test.element, "check");
  if (check !== "at least one") return new UnknownShape(`test check "${check}"`);
  const existence = attribute(test.element, "check_existence");
  if (existence !== undefined && existence !== "at_least_one_exists") return new UnknownShape(`test check_existence "${existence}"`);
  const objectRefs = elements(test.element, "object").flatMap((element) => attribute(element, "object_ref") ?? []);
  const stateRefs = elements(test.element, "state").flatMap((element) => attribute(element, "state_ref") ?? []);
  const [objectRef] = objectRefs;
  const [stateRef] = stateRefs;
  if (objectRefs.length !== 1 || stateRefs.length !== 1 || !objectRef || !stateRef) {
    return new UnknownShape(`test with ${objectRefs.length} objects and ${stateRefs.length} states`);
  }
  const name = readRpmObject(catalog.objects.get(objectRef));
  if (name instanceof UnknownShape) return name;
  const fixed = readEvrState(catalog.states.get(stateRef));
  if (fixed instanceof UnknownShape) return fixed;
  return { name, fixed };
}

/** The package name an `rpminfo_object` names exactly. */
function readRpmObject(object: Indexed | undefined): string | UnknownShape {
  if (!object) return new UnknownShape("test naming no object");
  if (object.kind !== "rpminfo_object") return new UnknownShape(`object kind ${object.kind}`);
  const [nameElement, ...more] = elements(object.element, "name");
  const operation = nameElement && attribute(nameElement, "operation");
  const name = nameElement && textOf(nameElement);
  const exact = operation === undefined || operation === "equals";
  return name && more.length === 0 && exact ? name : new UnknownShape("object other than one exact name");
}

/** The fixed version of a state that is only `evr less than` an evr_string. */
function readEvrState(state: Indexed | undefined): string | UnknownShape {
  if (!state) return new UnknownShape("test naming no state");
  if (state.kind !== "rpminfo_state") return new UnknownShape(`state kind ${state.kind}`);
  const fields = childNames(state.element);
  const evrs = elements(state.element, "evr");
  const [evr] = evrs;
  if (fields.length !== 1 || evrs.length !== 1 || !evr) return new UnknownShape(`state on ${fields.join(", ") || "nothing"}`);
  const operation = attribute(evr, "operation");
  const datatype = attribute(evr, "datatype");
  if (operation !== "less than" || datatype !== "evr_string") return new UnknownShape(`state evr ${datatype} "${operation}"`);
  const value = textOf(evr);
  return value ? withoutZeroEpoch(value) : new UnknownShape("state with an empty evr");
}

/** `0:2.6.7-3.azl3` → `2.6.7-3.azl3`: rpm reads a missing epoch as 0, and the inventory writes versions without one. */
function withoutZeroEpoch(evr: string): string {
  return evr.replace(/^0+:/, "");
}

function groupByCve(fixes: PackageFix[]): Map<string, PackageFix[]> {
  const byCve = new Map<string, PackageFix[]>();
  for (const fix of fixes) {
    const known = byCve.get(fix.cve);
    if (known) known.push(fix);
    else byCve.set(fix.cve, [fix]);
  }
  return byCve;
}

function toAdvisory(fixes: PackageFix[], timestamp: string): Advisory {
  const [first] = fixes as [PackageFix, ...PackageFix[]];
  const dates = fixes.flatMap((fix) => fix.advisoryDate ?? []).sort();
  const rating = mostSevere(fixes.flatMap((fix) => fix.rating ?? []));
  const advisory: Advisory = {
    id: first.cve,
    aliases: [],
    // The per-definition ids (`oval:com.microsoft.azurelinux:def:50124`), to trace a package back to the feed.
    related: fixes.map((fix) => fix.definitionId),
    // A definition has no date of change: the latest advisory date, else when the feed was made.
    modified: dates.at(-1) ?? timestamp,
    cvss: [],
    references: [...new Set(fixes.flatMap((fix) => fix.referenceUrl ?? []))].slice(0, 5),
    affected: affectedPackages(fixes),
    source: SOURCE,
  };
  const summary = summaryOf(fixes);
  if (summary) advisory.summary = summary;
  if (dates[0]) advisory.published = dates[0];
  if (rating) advisory.vendorRating = rating;
  return advisory;
}

/**
 * One entry per package; a package two definitions name (CVE-2023-1393 in xorg-x11-server
 * below 1.20.10-4 and below 1.20.10-6) keeps both ranges: OSV reads ranges as a union.
 */
function affectedPackages(fixes: PackageFix[]): AffectedPackage[] {
  const packages = new Map<string, AffectedPackage>();
  for (const fix of fixes) {
    const key = `${fix.ecosystem}\u0000${fix.name}`;
    const known = packages.get(key) ?? { ecosystem: fix.ecosystem, name: fix.name, ranges: [], versions: [] };
    known.ranges.push({ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: fix.fixed }] });
    const rating = mostSevere([known.vendorRating, fix.rating].flatMap((each) => each ?? []));
    if (rating) known.vendorRating = rating;
    packages.set(key, known);
  }
  return [...packages.values()];
}

function mostSevere(ratings: VendorRating[]): VendorRating | undefined {
  return ratings.reduce<VendorRating | undefined>(
    (best, rating) => (best && severityRank(best.severity) >= severityRank(rating.severity) ? best : rating),
    undefined,
  );
}

/** The definitions' titles (`CVE-… affecting package cmake for versions less than 3.30.3-2`), within the summary limit. */
function summaryOf(fixes: PackageFix[]): string | undefined {
  const text = [...new Set(fixes.flatMap((fix) => fix.title ?? []))].join("; ");
  if (text.length <= SUMMARY_LIMIT) return text || undefined;
  return `${text.slice(0, SUMMARY_LIMIT - 1)}…`;
}
