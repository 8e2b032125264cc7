import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from "ajv";
import { UserError } from "../../errors.js";
import { RFC3339_DATE_TIME } from "../date-time.js";
import type { KevEntry } from "../types.js";
import { readFeedText } from "./feed-file.js";

/** The catalog is about 1.3 MB (1,400 entries); 64 MiB leaves room for decades of growth. */
const KEV_CAP = 64 * 1024 * 1024;
const WHAT = "KEV catalog";
const REFETCH_HINT =
  "Download known_exploited_vulnerabilities.json again from https://www.cisa.gov/known-exploited-vulnerabilities-catalog (the JSON feed).";

/**
 * The CISA KEV catalog as read: the entries by CVE id (upper case), and the catalog's own
 * version and release time, which the database records as the age of its KEV data.
 */
export interface KevCatalog {
  /** `2025.08.25`, as the catalog names itself. */
  catalogVersion: string;
  /** ISO 8601 date-time of the catalog's release. */
  dateReleased: string;
  entries: Map<string, KevEntry>;
}

interface CatalogFile {
  catalogVersion: string;
  dateReleased: string;
  count: number;
  vulnerabilities: CatalogVulnerability[];
}

interface CatalogVulnerability {
  cveID: string;
  vendorProject: string;
  product: string;
  vulnerabilityName: string;
  dateAdded: string;
  shortDescription: string;
  requiredAction: string;
  dueDate: string;
  knownRansomwareCampaignUse?: string;
  notes?: string;
  cwes?: string[];
}

const text = { type: "string" } as const;

/**
 * CISA's published schema (known_exploited_vulnerabilities_schema.json, draft-07), transcribed:
 * the same properties, types, patterns, formats and required lists, nothing stricter (extra
 * properties such as the catalog's `title` are allowed, as there).
 */
const CATALOG_SCHEMA: SchemaObject = {
  type: "object",
  properties: {
    catalogVersion: text,
    dateReleased: { type: "string", format: "date-time" },
    count: { type: "integer" },
    vulnerabilities: {
      type: "array",
      items: {
        type: "object",
        properties: {
          cveID: { type: "string", pattern: "^CVE-[0-9]{4}-[0-9]{4,19}$" },
          vendorProject: text,
          product: text,
          vulnerabilityName: text,
          dateAdded: { type: "string", format: "date" },
          shortDescription: text,
          requiredAction: text,
          dueDate: { type: "string", format: "date" },
          knownRansomwareCampaignUse: text,
          notes: text,
          cwes: { type: "array", items: { type: "string", pattern: "^CWE-([0-9])+$" } },
        },
        required: ["cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded", "shortDescription", "requiredAction", "dueDate"],
      },
    },
  },
  required: ["catalogVersion", "dateReleased", "count", "vulnerabilities"],
};

/** The two formats the schema uses, as RFC 3339 full-date and date-time (ajv ships no formats of its own). */
const FORMATS = {
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
  "date-time": RFC3339_DATE_TIME,
};

let compiled: ValidateFunction<CatalogFile> | undefined;

/** Compiled on first use: most runs do not build a database. */
function validator(): ValidateFunction<CatalogFile> {
  compiled ??= new Ajv({ formats: FORMATS }).compile<CatalogFile>(CATALOG_SCHEMA);
  return compiled;
}

/**
 * Reads and validates the CISA KEV catalog JSON. A file that is not JSON, or not of the
 * catalog's shape, is a UserError naming the file and the first problem.
 */
export async function readKevCatalog(path: string): Promise<KevCatalog> {
  const catalog = parseCatalog(path, await readFeedText(path, WHAT, KEV_CAP));
  return { catalogVersion: catalog.catalogVersion, dateReleased: catalog.dateReleased, entries: entriesByCve(catalog.vulnerabilities) };
}

function parseCatalog(path: string, content: string): CatalogFile {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw new UserError(`${WHAT} ${path} is not valid JSON (${(error as Error).message}); it may be truncated.`, REFETCH_HINT);
  }
  const validate = validator();
  if (validate(value)) return value;
  const problem = validate.errors?.[0] as ErrorObject;
  const where = problem.instancePath === "" ? "the top level" : problem.instancePath;
  throw new UserError(`${WHAT} ${path} is not in CISA's catalog format: ${where} ${problem.message ?? "is invalid"}.`, REFETCH_HINT);
}

/** One entry per CVE; should the catalog ever list one twice, the earlier addition is the one that counts. */
function entriesByCve(vulnerabilities: CatalogVulnerability[]): Map<string, KevEntry> {
  const entries = new Map<string, KevEntry>();
  for (const vulnerability of vulnerabilities) {
    const entry = toEntry(vulnerability);
    const known = entries.get(entry.cve);
    if (!known || entry.dateAdded < known.dateAdded) entries.set(entry.cve, entry);
  }
  return entries;
}

function toEntry(vulnerability: CatalogVulnerability): KevEntry {
  // The schema's pattern admits only upper-case CVE ids: the key needs no normalising.
  const entry: KevEntry = { cve: vulnerability.cveID, dateAdded: vulnerability.dateAdded, dueDate: vulnerability.dueDate };
  if (vulnerability.knownRansomwareCampaignUse !== undefined) entry.knownRansomwareCampaignUse = vulnerability.knownRansomwareCampaignUse;
  return entry;
}
