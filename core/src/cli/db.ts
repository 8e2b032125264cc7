import { UserError } from "../errors.js";
import { parseDockerReference } from "../image/sources/reference.js";
import { clientOptionsFor, type RegistrySettings } from "../registry/settings.js";
import { plural } from "../report/format.js";
import {
  buildDatabase,
  cachedDatabases,
  type DatabaseMetadata,
  databaseCacheDir,
  openDatabase,
  pullDatabase,
  pushDatabase,
} from "../vulndb/index.js";
import type { DbCommand } from "./db-command.js";

interface Output {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Runs a `db` action; the password from stdin (if any) is already in `registry`. */
export async function runDbCommand(command: DbCommand, output: Output, registry: RegistrySettings = {}): Promise<void> {
  switch (command.action) {
    case "build": {
      const metadata = await buildDatabase(command.build);
      output.stderr.write(`portcullis: built ${command.build.out}: ${describe(metadata)}\n`);
      for (const line of ingestionWarnings(metadata)) output.stderr.write(`portcullis: warning: ${line}\n`);
      return;
    }
    case "push": {
      const pushed = await pushDatabase(command.dir as string, command.ref, clientOptionsFor(registryOf(command.ref), registry));
      output.stdout.write(`${pushed.ref}\n`);
      return;
    }
    case "pull": {
      const options = clientOptionsFor(registryOf(command.ref), registry);
      const pulled = await pullDatabase(command.ref, databaseCacheDir(command.cacheDir), options);
      output.stderr.write(`portcullis: ${pulled.downloaded ? "pulled" : "already cached"} ${command.ref}@${pulled.digest}\n`);
      output.stdout.write(`${pulled.dir}\n`);
      return;
    }
    case "info": {
      const dir = command.dir ?? (await newestCachedDir(command.cacheDir));
      const database = await openDatabase(dir);
      database.close();
      output.stdout.write(
        command.format === "json" ? `${JSON.stringify(database.metadata, null, 2)}\n` : infoTable(dir, database.metadata),
      );
      return;
    }
  }
}

function registryOf(ref: string): string {
  return parseDockerReference(ref).registry;
}

async function newestCachedDir(cacheDir: string): Promise<string> {
  const [newest] = await cachedDatabases(databaseCacheDir(cacheDir));
  if (!newest)
    throw new UserError(
      `no vulnerability database is cached in ${databaseCacheDir(cacheDir)}.`,
      "Give --db DIR, or run `portcullis db pull REF` first.",
    );
  return newest.dir;
}

function describe(metadata: DatabaseMetadata): string {
  const ecosystems = Object.keys(metadata.ecosystems).length;
  return `${metadata.totals.advisories} ${metadata.totals.advisories === 1 ? "advisory" : "advisories"} for ${plural(metadata.totals.packages, "package")} in ${plural(ecosystems, "ecosystem")}`;
}

/** What ingestion skipped, so that a feed that lost records does not go unnoticed. */
function ingestionWarnings(metadata: DatabaseMetadata): string[] {
  const { invalid, invalidExamples, unknownEcosystems } = metadata.ingestion;
  const lines: string[] = [];
  if (invalid > 0) lines.push(`${plural(invalid, "record")} skipped as invalid, e.g. ${invalidExamples.slice(0, 3).join("; ")}`);
  const unknown = Object.entries(unknownEcosystems).map(([name, count]) => `${name} (${count})`);
  if (unknown.length > 0) lines.push(`affected entries of ecosystems without a version scheme skipped: ${unknown.join(", ")}`);
  return lines;
}

function infoTable(dir: string, metadata: DatabaseMetadata): string {
  const ageHours = (Date.now() - Date.parse(metadata.builtAt)) / 3_600_000;
  const lines = [
    `database   ${dir}`,
    `schema     ${metadata.schemaVersion}, built ${metadata.builtAt} (${ageHours.toFixed(1)} h ago) by ${metadata.builtBy}`,
    `contents   ${describe(metadata)}`,
    "sources",
    ...metadata.sources.map((source) => `  ${source.kind.padEnd(5)} ${source.path}${source.timestamp ? `  (${source.timestamp})` : ""}`),
    "ecosystems",
    ...Object.entries(metadata.ecosystems).map(
      ([name, summary]) =>
        `  ${name.padEnd(28)} ${String(summary.advisories).padStart(7)} advisories ${String(summary.packages).padStart(7)} packages`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
