import type { InventoryPackage, OsInfo } from "../inventory/types.js";
import { baseEcosystem, isKnownEcosystem } from "../versions/index.js";

/** One name and version to look a package up by. */
export interface PackageQuery {
  name: string;
  version: string;
}

/** Where a package's advisories are: the database's ecosystems to look in, and what to ask for. */
export interface Lookup {
  /** The package's release as OSV names it (`Debian:12`, `Red Hat:enterprise_linux:9`): its version scheme, its name in notes. */
  ecosystem: string;
  ecosystems: string[];
  queries: PackageQuery[];
}

/** Why a package cannot be checked, grouped for one note per `ecosystem`. */
export interface Unchecked {
  ecosystem: string;
  reason: "no-ecosystem" | "no-release" | "not-in-database";
}

/**
 * OSV ecosystems whose `name` may be a binary package as well as a source package (the schema
 * says so for Red Hat; Wolfi's and Chainguard's name "the package"): they are asked for both.
 * Every other distribution keys advisories by the source package only.
 */
const BINARY_OR_SOURCE = new Set(["Red Hat", "Wolfi", "Chainguard"]);

/** Distributions whose OSV ecosystems always name a release (`Debian:12`): the bare name matches nothing. */
const RELEASED = new Set(["Debian", "Ubuntu", "Alpine", "Rocky Linux", "AlmaLinux", "SUSE", "openSUSE"]);

/** The database's ecosystems, indexed for the lookups below. */
export class EcosystemCatalog {
  private readonly all: ReadonlySet<string>;

  constructor(ecosystems: readonly string[]) {
    this.all = new Set(ecosystems);
  }

  has(ecosystem: string): boolean {
    return this.all.has(ecosystem);
  }

  /** Those that `accept` takes, in sorted order. */
  where(accept: (ecosystem: string) => boolean): string[] {
    return [...this.all].filter(accept).sort();
  }
}

/**
 * Where to look a package up, or why it cannot be: distro packages by their source package
 * (and version) in the release's ecosystems, language packages by name in their ecosystem.
 */
export function lookupFor(found: InventoryPackage, os: OsInfo | undefined, catalog: EcosystemCatalog): Lookup | Unchecked {
  const release = releaseEcosystems(found.ecosystem, os);
  if (release === undefined) return { ecosystem: found.ecosystem, reason: "no-ecosystem" };
  if (release.name === undefined) return { ecosystem: found.ecosystem, reason: "no-release" };
  const ecosystems = release.candidates(catalog);
  if (ecosystems.length === 0) return { ecosystem: release.name, reason: "not-in-database" };
  return { ecosystem: release.name, ecosystems, queries: queriesFor(found) };
}

function queriesFor(found: InventoryPackage): PackageQuery[] {
  const source = found.source ?? { name: found.name, version: found.version };
  const queries = [source];
  const binaryToo = BINARY_OR_SOURCE.has(baseEcosystem(found.ecosystem)) && source.name !== found.name;
  if (binaryToo) queries.push({ name: found.name, version: found.version });
  return queries;
}

/** A release's ecosystem as the database may spell it, and the spellings to look in. */
interface ReleaseEcosystems {
  /** Undefined when the release is not known. */
  name: string | undefined;
  candidates(catalog: EcosystemCatalog): string[];
}

/**
 * The inventory writes OSV's ecosystem names (`os-release.ts` `osvEcosystem`) except where
 * os-release cannot give one: RHEL (a product stream) and CBL-Mariner (not in OSV's list), which
 * are mapped here. Families OSV has no ecosystem for (CentOS, Fedora, Amazon Linux) keep their
 * own name in the inventory and are not matched: no match rather than another distro's.
 */
function releaseEcosystems(ecosystem: string, os: OsInfo | undefined): ReleaseEcosystems | undefined {
  if (ecosystem === "Red Hat") return redHat(os);
  if (ecosystem === "mariner" || baseEcosystem(ecosystem) === "Azure Linux") return azureLinux(ecosystem, os);
  if (!isKnownEcosystem(ecosystem)) return undefined;
  if (RELEASED.has(ecosystem)) return { name: undefined, candidates: () => [] };
  if (baseEcosystem(ecosystem) === "Ubuntu") return ubuntu(ecosystem);
  if (baseEcosystem(ecosystem) === "SUSE") return suse(ecosystem);
  if (baseEcosystem(ecosystem) === "openSUSE") return openSuse(ecosystem);
  return exactly(ecosystem);
}

function exactly(ecosystem: string): ReleaseEcosystems {
  return { name: ecosystem, candidates: (catalog) => (catalog.has(ecosystem) ? [ecosystem] : []) };
}

/**
 * Ubuntu Pro (ESM) fixes are published under `Ubuntu:Pro:<release>`: an image without Pro is
 * still affected by what they fix, and Pro's fixed versions are the ones to install.
 */
function ubuntu(ecosystem: string): ReleaseEcosystems {
  const pro = ecosystem.replace(/^Ubuntu:(?!Pro:)(?=\d)/, "Ubuntu:Pro:");
  return { name: ecosystem, candidates: (catalog) => [...new Set([ecosystem, pro])].filter((name) => catalog.has(name)) };
}

/**
 * The inventory names SUSE releases by os-release's PRETTY_NAME (`SUSE:SUSE Linux Enterprise
 * Server 15 SP5`), as the OSV schema describes them; SUSE's published records leave the vendor
 * out (`SUSE:Linux Enterprise Server 15 SP5`) and file most packages under the module or
 * support phase that ships them (`SUSE:Linux Enterprise Module for Basesystem 15 SP5`,
 * `…Server 15 SP5-LTSS`). Every SUSE Linux Enterprise product of the same release shares the
 * code base, so all of them are looked in.
 */
function suse(ecosystem: string): ReleaseEcosystems {
  const product = ecosystem.slice("SUSE:".length).replace(/^SUSE /, "");
  const release = /\d+(?: SP\d+)?$/.exec(product)?.[0];
  if (release === undefined) return exactly(ecosystem);
  const sameRelease = new RegExp(`^SUSE:(?:SUSE )?Linux Enterprise .+ ${release}(?:-LTSS)?$`);
  return { name: `SUSE:${product}`, candidates: (catalog) => catalog.where((name) => sameRelease.test(name)) };
}

/** openSUSE's records likewise say `openSUSE:Leap 15.5` where PRETTY_NAME says `openSUSE Leap 15.5`. */
function openSuse(ecosystem: string): ReleaseEcosystems {
  const short = `openSUSE:${ecosystem.slice("openSUSE:".length).replace(/^openSUSE /, "")}`;
  return { name: short, candidates: (catalog) => [...new Set([short, ecosystem])].filter((name) => catalog.has(name)) };
}

/**
 * OSV's Red Hat ecosystems name a product stream by CPE (`Red Hat:enterprise_linux:9::appstream`,
 * `…:9::baseos`, `Red Hat:rhel_eus:9.2::appstream`): every `enterprise_linux` stream of the
 * image's major release. Extended-support streams (EUS, AUS, E4S, TUS) are left out: images
 * (UBI included) get the main stream's packages, and those streams' fixed versions are not
 * installable from it.
 */
function redHat(os: OsInfo | undefined): ReleaseEcosystems {
  const major = os?.family === "rhel" ? os.version?.match(/^\d+/)?.[0] : undefined;
  if (major === undefined) return { name: undefined, candidates: () => [] };
  const stream = new RegExp(`^Red Hat:enterprise_linux:${major}(?::|$)`);
  return { name: `Red Hat:enterprise_linux:${major}`, candidates: (catalog) => catalog.where((name) => stream.test(name)) };
}

/**
 * Azure Linux and CBL-Mariner (its name before 3.0, os-release ID `mariner`): OSV's ecosystem
 * is `Azure Linux:<release>`, with the release written `3.0` (our OVAL reader, after Microsoft's
 * file names) or `3` (osv.dev's converter, which also files CBL-Mariner 2.0 as `Azure Linux:2`);
 * older data says `Mariner:2.0`. Every spelling of the image's major release is looked in.
 */
function azureLinux(ecosystem: string, os: OsInfo | undefined): ReleaseEcosystems {
  const release = ecosystem.includes(":") ? ecosystem.slice(ecosystem.indexOf(":") + 1) : os?.version;
  const major = release?.match(/^\d+/)?.[0];
  if (major === undefined) return { name: undefined, candidates: () => [] };
  const name = `Azure Linux:${release}`;
  const spellings = new RegExp(`^(?:Azure Linux|Mariner):${major}(?:\\.\\d+)*$`);
  return { name, candidates: (catalog) => catalog.where((candidate) => spellings.test(candidate)) };
}
