import { createRequire } from "node:module";
import type { ToolInfo } from "./model/index.js";

const require = createRequire(import.meta.url);
const corePackage = require("../package.json") as { version: string };

export const TOOL: ToolInfo = { name: "portcullis", version: corePackage.version };
export const TOOL_URI = "https://github.com/portcullis-dev/portcullis";
