import type { Analyzer } from "../types.js";
import { apkAnalyzer } from "./apk.js";
import { dotnetAnalyzer } from "./dotnet.js";
import { dpkgAnalyzer } from "./dpkg.js";
import { goBinaryAnalyzer } from "./go-binary.js";
import { javaAnalyzer } from "./java.js";
import { npmAnalyzer } from "./npm.js";
import { pythonAnalyzer } from "./python.js";
import { rpmAnalyzer } from "./rpm.js";
import { rustAnalyzer } from "./rust.js";

/**
 * Every package format, one module each; new formats are added here. The Go binary and Java
 * archive analyzers keep an excerpt of each file they read (the build information, the
 * findings of the archive), so no binary or jar stays in memory while the layers are walked.
 */
export const analyzers: readonly Analyzer[] = [
  dpkgAnalyzer,
  apkAnalyzer,
  rpmAnalyzer,
  npmAnalyzer,
  pythonAnalyzer,
  dotnetAnalyzer,
  goBinaryAnalyzer,
  rustAnalyzer,
  javaAnalyzer,
];
