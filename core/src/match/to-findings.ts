import { posix } from "node:path";
import type { ImageInventory } from "../image/inventory-image.js";
import { imageTargetId } from "../image/inventory-image.js";
import { type Finding, fingerprintOf, type Location, type RuleDescriptor, representativeScore } from "../model/index.js";
import type { VulnerabilityMatch } from "./index.js";

/** Where a vulnerability without references of its own is described. */
const OSV_PAGE = "https://osv.dev/vulnerability/";

const UNFIXED_WORDING = {
  affected: "no fixed version yet",
  "fix-deferred": "the distribution has deferred the fix",
  "will-not-fix": "the distribution will not fix it",
} as const;

const { dirname } = posix;

/** `fixed in 1.26.17`, or why there is no fix. */
function remedy(match: VulnerabilityMatch): string {
  if (match.fixedVersion) return `fixed in ${match.fixedVersion}`;
  return UNFIXED_WORDING[match.unfixedState ?? "affected"];
}

/** Exploitation in the wild is what a reader most needs to know first, so the message says it. */
function exploited(match: VulnerabilityMatch): string {
  return match.kev ? ` Known to be exploited (CISA KEV since ${match.kev.dateAdded}).` : "";
}

function packageLabel(match: VulnerabilityMatch): string {
  const { name, version, source } = match.package;
  return source && source.name !== name ? `${name} ${version} (source ${source.name})` : `${name} ${version}`;
}

/** One finding per match: the package, where the image has it, the advisory and what fixes it. */
export function vulnerabilityFindings(image: ImageInventory, matches: readonly VulnerabilityMatch[], location?: Location): Finding[] {
  const target = imageTargetId(image.ref);
  return matches.map((match) => {
    const { name, version, ecosystem, purl, path } = match.package;
    const cves = match.aliases.filter((alias) => alias.startsWith("CVE-"));
    const named = cves.length > 0 ? `${match.id} (${cves.join(", ")})` : match.id;
    return {
      // The image's identity, not its digest: the same alert survives a rebuild that does not fix it.
      fingerprint: fingerprintOf(["vulnerability", target, ecosystem, name, path, match.id]),
      kind: "vulnerability",
      ruleId: match.id,
      severity: match.severity,
      title: `${match.id} in ${name}`,
      // The summary is the rule's description; the message says what is installed where and the way out.
      message: `${packageLabel(match)} in /${dirname(path)} is affected by ${named}: ${remedy(match)}.${exploited(match)}`,
      target,
      ...(location && { location }),
      image: { ref: image.ref, ...(image.digest && { digest: image.digest }) },
      package: { name, version, ecosystem, purl, ...(match.fixedVersion && { fixedVersion: match.fixedVersion }) },
      vulnerability: {
        id: match.id,
        aliases: match.aliases,
        ...(match.cvss && { cvss: { score: match.cvss.score, vector: match.cvss.vector } }),
        ...(match.kev && { kev: true }),
        ...(match.epss && { epss: match.epss.score }),
      },
    };
  });
}

/** The rule descriptor a vulnerability's findings refer to (SARIF rules, the JSON report). */
export function vulnerabilityRule(match: VulnerabilityMatch): RuleDescriptor {
  const known = [match.id, ...match.aliases].join(", ");
  return {
    id: match.id,
    kind: "vulnerability",
    title: match.summary ? `${match.id}: ${match.summary}` : match.id,
    severity: match.severity,
    description: `${match.summary?.replace(/\.?$/, ".") ?? `A known vulnerability (${known}).`} Severity from ${match.severitySource}.`,
    remediation: "Upgrade the package to the fixed version; for OS packages, rebuild the image on an updated base image.",
    score: match.cvss?.score ?? representativeScore(match.severity),
    helpUri: match.references[0] ?? `${OSV_PAGE}${encodeURIComponent(match.id)}`,
    ...(match.references.length > 0 && { references: match.references }),
    standards: [],
  };
}
