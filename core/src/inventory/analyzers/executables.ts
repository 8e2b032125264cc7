import type { ImageFile } from "../../image/types.js";
import type { FileView } from "../types.js";

/**
 * Go and Rust binaries can be anywhere, and `wants` sees only the path: read regular files in
 * binary directories, in the usual application roots and at the image root (distroless Go images
 * put `/manager` or `/app` there), except names that are plainly not executables. One predicate
 * keeps what the two analyzers see the same.
 */
const BINARY_DIRECTORY = /(?:^|\/)s?bin\/[^/]+$/;
const APPLICATION_ROOT = /^(?:app|ko-app|opt|srv)\//;
const NOT_AN_EXECUTABLE =
  /\.(?:txt|md|rst|json|ya?ml|toml|xml|html?|css|m?js|cjs|ts|map|py|pyc|rb|pl|php|sh|bash|conf|cfg|ini|properties|env|go|mod|sum|c|h|jar|war|ear|class|gz|tgz|bz2|xz|zst|zip|tar|png|jpe?g|gif|svg|ico|pem|crt|key|so(?:\.[\d.]+)?|a|o|mo|po|lock|log|csv|dat|db)$/i;
/** A binary is held whole only until its excerpt is cut (one at a time), so this bounds the walk's peak. */
const BINARY_CAP = 128 * 1024 * 1024;

/** The size cap for a path that may be an executable, or undefined when it plainly is not one. */
export function executableWants(path: string): number | undefined {
  if (NOT_AN_EXECUTABLE.test(path)) return undefined;
  return BINARY_DIRECTORY.test(path) || APPLICATION_ROOT.test(path) || !path.includes("/") ? BINARY_CAP : undefined;
}

/** The files of `files` that `executableWants` asks for. */
export function executablesIn(files: FileView): ImageFile[] {
  return [...files.values()].filter((file) => executableWants(file.path) !== undefined);
}
