import type { Analyzer } from "../types.js";
import { apkAnalyzer } from "./apk.js";
import { dpkgAnalyzer } from "./dpkg.js";

/** Every package format, one module each; new formats are added here. */
export const analyzers: readonly Analyzer[] = [dpkgAnalyzer, apkAnalyzer];
