import type { Analyzer } from "../types.js";
import { apkAnalyzer } from "./apk.js";
import { dotnetAnalyzer } from "./dotnet.js";
import { dpkgAnalyzer } from "./dpkg.js";
import { npmAnalyzer } from "./npm.js";
import { pythonAnalyzer } from "./python.js";
import { rpmAnalyzer } from "./rpm.js";

/**
 * Every package format, one module each; new formats are added here. The Go binary and Java
 * archive analyzers (go-binary.ts, java.ts) wait for the layer walk to hand analyzers an
 * excerpt of a file while it streams: as whole-file readers they would hold every binary of
 * /usr/bin, or every jar, in memory at once.
 */
export const analyzers: readonly Analyzer[] = [dpkgAnalyzer, apkAnalyzer, rpmAnalyzer, npmAnalyzer, pythonAnalyzer, dotnetAnalyzer];
