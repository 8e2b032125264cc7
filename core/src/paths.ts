import { relative, sep } from "node:path";

/** `path` relative to `root`, with forward slashes: how reports and messages name files. */
export function relativePath(root: string, path: string): string {
  return relative(root, path).split(sep).join("/");
}
