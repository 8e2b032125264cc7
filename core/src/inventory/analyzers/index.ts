import type { Analyzer } from "../types.js";
import { apkAnalyzer } from "./apk.js";
import { dpkgAnalyzer } from "./dpkg.js";
import { npmAnalyzer } from "./npm.js";
import { pythonAnalyzer } from "./python.js";
import { rpmAnalyzer } from "./rpm.js";

/**
 * Every package format, one module each; new formats are added here. The Go binary analyzer
 * (go-binary.ts) waits for the layer walk to hand analyzers an excerpt of a file while it
 * streams: as a whole-file reader it would hold every binary of /usr/bin in memory.
 */
export const analyzers: readonly Analyzer[] = [dpkgAnalyzer, apkAnalyzer, rpmAnalyzer, npmAnalyzer, pythonAnalyzer];
