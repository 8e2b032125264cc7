import { describe, expect, it } from "vitest";
import { cvssRating, severityOfCvss } from "../core/src/vulndb/cvss.js";
import { unfixedStateOfLabel, vendorRating } from "../core/src/vulndb/vendor-ratings.js";

/**
 * Vectors with the base scores their publishers give: the worked examples of FIRST's CVSS v2
 * guide (section 3.3), FIRST's CVSS v3.0 and v3.1 example documents, and for v4.0 the FIRST
 * calculator's default vector, the all-high vector, and vectors with scores from FIRST's
 * calculator as recorded in Red Hat's cvss library test data (tests/vectors_simple4).
 */
const OFFICIAL: ReadonlyArray<{ vector: string; version: string; score: number; source: string }> = [
  { vector: "AV:N/AC:L/Au:N/C:N/I:N/A:C", version: "2.0", score: 7.8, source: "v2 guide 3.3.1, CVE-2002-0392" },
  { vector: "AV:N/AC:L/Au:N/C:C/I:C/A:C", version: "2.0", score: 10.0, source: "v2 guide 3.3.2, CVE-2003-0818" },
  { vector: "AV:L/AC:H/Au:N/C:C/I:C/A:C", version: "2.0", score: 6.2, source: "v2 guide 3.3.3, CVE-2003-0062" },
  { vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", version: "3.0", score: 6.1, source: "v3.0 examples, CVE-2013-1937" },
  { vector: "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", version: "3.0", score: 9.9, source: "v3.0 examples, CVE-2012-1516" },
  { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", version: "3.1", score: 9.8, source: "v3.1 examples, CVE-2014-6271" },
  { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", version: "3.1", score: 7.5, source: "v3.1 examples, CVE-2014-0160" },
  { vector: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", version: "3.1", score: 6.4, source: "v3.1 examples, CVE-2013-0375" },
  { vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", version: "3.1", score: 3.1, source: "v3.1 examples, CVE-2014-3566" },
  { vector: "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", version: "3.1", score: 4.2, source: "v3.1 examples, CVE-2009-0783" },
  { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", version: "3.1", score: 5.3, source: "NVD, CVE-2020-28500" },
  { vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", version: "4.0", score: 9.3, source: "FIRST calculator" },
  { vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", version: "4.0", score: 10.0, source: "FIRST calculator" },
  { vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", version: "4.0", score: 8.6, source: "vectors_simple4" },
  { vector: "CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:H", version: "4.0", score: 4.3, source: "vectors_simple4" },
  { vector: "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N", version: "4.0", score: 2.1, source: "vectors_simple4" },
];

describe("cvssRating", () => {
  it.each(OFFICIAL)("$vector scores $score ($source)", ({ vector, version, score }) => {
    expect(cvssRating(vector)).toEqual({ version, vector, score });
  });

  it("gives the base score of a vector that also carries temporal, threat or environmental metrics", () => {
    // FIRST's v2 guide 3.3.1 scores CVE-2002-0392 7.8 base, 6.4 temporal with these metrics.
    expect(cvssRating("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C")?.score).toBe(7.8);
    expect(cvssRating("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R")?.score).toBe(9.8);
    expect(cvssRating("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U")?.score).toBe(9.3);
    expect(cvssRating("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MAV:P")?.score).toBe(9.3);
  });

  it.each([
    ["empty", ""],
    ["not a vector", "garbage"],
    ["an unknown version", "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
    ["a leading blank", " CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
    ["lower case", "cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h"],
    ["a base metric missing (v3.1)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"],
    ["a base metric missing (v2)", "AV:N/AC:L/Au:N/C:P/I:P"],
    ["a base metric missing (v4.0)", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N"],
    ["a metric repeated", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L"],
    ["an unknown value", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q"],
    ["an unknown metric", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/FOO:BAR"],
    ["an undefined base value", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
    ["an empty part", "CVSS:3.1//AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
    ["a trailing slash", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"],
    ["a v3 metric in a v2 vector", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"],
  ])("is undefined for %s", (_, vector) => {
    expect(cvssRating(vector)).toBeUndefined();
  });
});

describe("severityOfCvss", () => {
  it.each([
    [10, "critical"],
    [9.0, "critical"],
    [8.9, "high"],
    [7.0, "high"],
    [6.9, "medium"],
    [4.0, "medium"],
    [3.9, "low"],
    [0.1, "low"],
    [0, "info"],
  ] as const)("%s is %s", (score, severity) => {
    expect(severityOfCvss(score)).toBe(severity);
  });

  it("rates each official example on the scale its publisher gives", () => {
    // FIRST's examples: 9.8 critical, 7.5 high, 6.4 medium, 3.1 low.
    const rated = (vector: string) => severityOfCvss(cvssRating(vector)?.score ?? Number.NaN);
    expect(rated("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).toBe("critical");
    expect(rated("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")).toBe("high");
    expect(rated("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N")).toBe("medium");
    expect(rated("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N")).toBe("low");
  });
});

describe("vendorRating", () => {
  it.each([
    ["GHSA", "CRITICAL", "critical"],
    ["GHSA", "MODERATE", "medium"],
    ["GHSA", "LOW", "low"],
    ["Debian", "high", "high"],
    ["Debian", "unimportant", "info"],
    ["Debian", "low**", "low"],
    ["Ubuntu", "negligible", "low"],
    ["Ubuntu", "critical", "critical"],
    ["SUSE", "important", "high"],
    ["Red Hat", "Moderate", "medium"],
    ["Azure Linux", "Critical", "critical"],
    ["Azure Linux", "Medium", "medium"],
  ] as const)("%s %s is %s, the label kept as written", (source, label, severity) => {
    expect(vendorRating(source, label)).toEqual({ source, label, severity });
  });

  it.each([
    ["Debian", "not yet assigned"],
    ["Debian", "end-of-life"],
    ["Ubuntu", "untriaged"],
    ["GHSA", "UNKNOWN"],
    ["Alpine", "high"],
    ["toString", "high"],
    ["GHSA", "constructor"],
  ])("%s %s rates nothing", (source, label) => {
    expect(vendorRating(source, label)).toBeUndefined();
  });
});

describe("unfixedStateOfLabel", () => {
  it.each([
    ["unimportant", "will-not-fix"],
    ["end-of-life", "will-not-fix"],
    ["negligible", "will-not-fix"],
    ["ignored", "will-not-fix"],
    ["Deferred", "fix-deferred"],
    ["postponed", "fix-deferred"],
  ] as const)("%s means %s", (label, state) => {
    expect(unfixedStateOfLabel(label)).toBe(state);
  });

  it.each(["high", "medium", "not yet assigned", "", "hasOwnProperty"])("%j says nothing about fixing", (label) => {
    expect(unfixedStateOfLabel(label)).toBeUndefined();
  });
});
