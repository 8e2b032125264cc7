import type { Severity } from "../model/severity.js";
import type { UnfixedState, VendorRating } from "./types.js";

/**
 * Each vendor's own severity labels mapped to ours (labels compared without case). A label
 * a vendor uses for "not rated yet" (Debian's `not yet assigned`, Ubuntu's `untriaged`) has
 * no entry: it rates nothing. Alpine's secdb and the Go vulnerability database publish no
 * ratings at all, so they have no table; SUSE's OSV records carry none today either
 * (google/osv.dev#5879), but its OVAL and CSAF feeds use the labels below.
 */
const VENDOR_LABELS: Record<string, Record<string, Severity>> = {
  // GitHub Docs, "About the GitHub Advisory database": low, moderate, high, critical.
  GHSA: { critical: "critical", high: "high", moderate: "medium", low: "low" },
  // https://security-team.debian.org/security_tracker.html#severity-levels: `unimportant` is
  // an issue that does not affect Debian's binary packages or has no security impact in practice.
  Debian: { high: "high", medium: "medium", low: "low", unimportant: "info" },
  // https://ubuntu.com/security/cves/about#priority: `negligible` is "technically a security
  // problem, but only theoretical in nature".
  Ubuntu: { critical: "critical", high: "high", medium: "medium", low: "low", negligible: "low" },
  // https://www.suse.com/support/security/rating/
  SUSE: { critical: "critical", important: "high", moderate: "medium", low: "low" },
  // https://access.redhat.com/security/updates/classification
  "Red Hat": { critical: "critical", important: "high", moderate: "medium", low: "low" },
  // The `<severity>` of Microsoft's Azure Linux OVAL definitions.
  "Azure Linux": { critical: "critical", high: "high", medium: "medium", low: "low" },
};

/**
 * Labels saying a distribution will not fix an unfixed issue, or has put the fix off:
 * Debian's urgency `unimportant` and `end-of-life` (the package has no security support in
 * that release), Ubuntu's priority `negligible` ("these tend not to get backported") and its
 * tracker states `ignored` and `deferred`, Debian's no-DSA reasons `ignored` and `postponed`.
 */
const UNFIXED_LABELS: Record<string, UnfixedState> = {
  unimportant: "will-not-fix",
  "end-of-life": "will-not-fix",
  negligible: "will-not-fix",
  ignored: "will-not-fix",
  deferred: "fix-deferred",
  postponed: "fix-deferred",
};

/** `source`'s label as our severity; undefined for a vendor or label the table does not know. */
export function vendorRating(source: string, label: string): VendorRating | undefined {
  const labels = Object.hasOwn(VENDOR_LABELS, source) ? VENDOR_LABELS[source] : undefined;
  const key = normalisedLabel(label);
  if (!labels || !Object.hasOwn(labels, key)) return undefined;
  return { source, label, severity: labels[key] as Severity };
}

/** What a vendor's label says about an issue left unfixed; undefined when it says nothing about fixing. */
export function unfixedStateOfLabel(label: string): UnfixedState | undefined {
  const key = normalisedLabel(label);
  return Object.hasOwn(UNFIXED_LABELS, key) ? UNFIXED_LABELS[key] : undefined;
}

/** Debian's tracker data sometimes appends asterisks to an urgency (`low**`); the label underneath is the same. */
function normalisedLabel(label: string): string {
  return label.trim().toLowerCase().replace(/\*+$/, "");
}
