import { type Severity, severityRank } from "../model/severity.js";
import { severityOfCvss } from "../vulndb/cvss.js";
import type { CvssRating, VendorRating } from "../vulndb/types.js";

/** What a match is rated from: the vendor ratings of its advisories, per package and per advisory, and their CVSS ratings. */
export interface RatingInputs {
  packageRatings: VendorRating[];
  advisoryRatings: VendorRating[];
  cvss: CvssRating[];
}

export interface Rating {
  severity: Severity;
  severitySource: string;
  /** The CVSS rating to show, rated from or not. */
  cvss?: CvssRating;
}

/** The severity of a vulnerability nobody has rated: see below. */
const UNRATED: Omit<Rating, "cvss"> = { severity: "medium", severitySource: "unrated" };

/**
 * A match's severity, in this order:
 *
 * 1. the distribution's or vendor's own rating of this package (Debian's urgency, Ubuntu's
 *    priority, Azure Linux's per-package severity): it weighs how the package is built and used
 *    in that distribution, which a CVSS score of the upstream flaw cannot;
 * 2. the advisory's own rating (GitHub's GHSA severity, Ubuntu's, Red Hat's);
 * 3. CVSS: the newest CVSS version given, its highest base score, on FIRST's scale;
 * 4. else `medium`, marked `unrated` (see docs/vulnerabilities.md).
 *
 * When merged advisories give several ratings at one level, the most severe counts.
 */
export function rateMatch(inputs: RatingInputs): Rating {
  const shown = shownCvss(inputs.cvss);
  const vendor = mostSevere(inputs.packageRatings) ?? mostSevere(inputs.advisoryRatings);
  const rating: Omit<Rating, "cvss"> = vendor
    ? { severity: vendor.severity, severitySource: vendor.source }
    : shown
      ? { severity: severityOfCvss(shown.score), severitySource: `CVSS ${shown.version}` }
      : UNRATED;
  return shown ? { ...rating, cvss: shown } : rating;
}

/** The newest CVSS version, then the highest base score. */
function shownCvss(ratings: CvssRating[]): CvssRating | undefined {
  return ratings.reduce<CvssRating | undefined>((best, rating) => (best && compareCvss(best, rating) >= 0 ? best : rating), undefined);
}

function compareCvss(a: CvssRating, b: CvssRating): number {
  return Number(a.version) - Number(b.version) || a.score - b.score;
}

function mostSevere(ratings: VendorRating[]): VendorRating | undefined {
  return ratings.reduce<VendorRating | undefined>(
    (best, rating) => (best && severityRank(best.severity) >= severityRank(rating.severity) ? best : rating),
    undefined,
  );
}
