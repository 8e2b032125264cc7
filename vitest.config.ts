import { existsSync } from "node:fs";
import { delimiter, resolve } from "node:path";
import { defineConfig } from "vitest/config";

/** The real kubectl and helm that `npm run tools` (and CI) install; used before any on PATH. */
const TOOLS = resolve(".tools/bin");

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: existsSync(TOOLS) ? { PATH: `${TOOLS}${delimiter}${process.env.PATH ?? ""}` } : {},
  },
});
