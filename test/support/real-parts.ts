import { accessSync, constants } from "node:fs";

/**
 * Whether a real external part (a binary, a server) is here. Off CI a missing part skips
 * its tests and says why; in CI (`CI=true`) it is a failure, because CI must install it.
 * `use` is "run" for a program, "read" for data (an image archive, a CSV).
 */
export function realPartAvailable(name: string, path: string, install: string, use: "run" | "read" = "run"): boolean {
  try {
    accessSync(path, use === "run" ? constants.X_OK : constants.R_OK);
    return true;
  } catch {
    const message = `${name} is not installed at ${path}; ${install}`;
    if (process.env.CI === "true") throw new Error(`CI must provide ${message}`);
    console.warn(`skipping tests that need ${message}`);
    return false;
  }
}
