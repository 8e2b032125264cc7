import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { ImageFile } from "../../core/src/image/types.js";
import type { FileView } from "../../core/src/inventory/types.js";

/** The regular files under `root` that `wants` takes, as the layer walker hands them over. */
export function fileViewOfTree(root: string, wants: (path: string) => number | undefined, layer: string): FileView {
  const files = new Map<string, ImageFile>();
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const full = join(directory, entry.name);
      const path = relative(root, full);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && wants(path) !== undefined)
        files.set(path, { path, content: readFileSync(full), mode: statSync(full).mode, layer });
    }
  };
  walk(root);
  return files;
}
