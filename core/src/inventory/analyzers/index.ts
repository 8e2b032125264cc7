import type { Analyzer } from "../types.js";
import { apkAnalyzer } from "./apk.js";
import { dotnetAnalyzer } from "./dotnet.js";
import { dpkgAnalyzer } from "./dpkg.js";
import { goBinaryAnalyzer } from "./go-binary.js";
import { npmAnalyzer } from "./npm.js";
import { pythonAnalyzer } from "./python.js";
import { rpmAnalyzer } from "./rpm.js";

/**
 * Every package format, one module each; new formats are added here. The Java archive
 * analyzer (java.ts) waits for an excerpt of its own: as a whole-file reader it would hold
 * every jar in memory at once (the Go binary analyzer keeps only the build information).
 */
export const analyzers: readonly Analyzer[] = [
  dpkgAnalyzer,
  apkAnalyzer,
  rpmAnalyzer,
  npmAnalyzer,
  pythonAnalyzer,
  dotnetAnalyzer,
  goBinaryAnalyzer,
];
