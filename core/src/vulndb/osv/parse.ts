import { parse as parseYaml, type Tags } from "yaml";

/** How a record file is written: OSV exports are JSON; some databases (PyPA) keep YAML. */
export type RecordFormat = "json" | "yaml";

export type ParsedRecord = { parsed: true; value: unknown } | { parsed: false; problem: string };

/** The format a record file's name says it has, or undefined when it is not a record file. */
export function recordFormatOf(name: string): RecordFormat | undefined {
  if (name.endsWith(".json")) return "json";
  if (name.endsWith(".yaml") || name.endsWith(".yml")) return "yaml";
  return undefined;
}

/** The record in `bytes`; a syntax error, a YAML alias bomb or a stack-deep document is a problem, never a throw. */
export function parseRecord(bytes: Buffer, format: RecordFormat): ParsedRecord {
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  try {
    return { parsed: true, value: format === "json" ? JSON.parse(text) : parseYaml(text, YAML_OPTIONS) };
  } catch (error) {
    return { parsed: false, problem: `not valid ${format.toUpperCase()}: ${firstLine(error)}` };
  }
}

const NUMBER_TAGS = new Set(["tag:yaml.org,2002:int", "tag:yaml.org,2002:float"]);

const YAML_OPTIONS = {
  // No OSV field is a number, but an unquoted version is one to YAML: `1.10` would become 1.1.
  // Without the number tags every such scalar stays the string the file wrote.
  customTags: (tags: Tags) => tags.filter((tag) => typeof tag === "string" || !NUMBER_TAGS.has(tag.tag)),
  // Aliases expanding into millions of nodes (a "billion laughs" document) stop here.
  maxAliasCount: 100,
  logLevel: "error",
} as const;

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
