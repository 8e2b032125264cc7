import { hasOnlyDpkgStatusDirectory } from "./analyzers/dpkg.js";
import { analyzers } from "./analyzers/index.js";
import { detectOs, osReleaseWants } from "./os-release.js";
import type { FileView, InventoryPackage, OsInfo } from "./types.js";

export interface Inventory {
  os?: OsInfo;
  packages: InventoryPackage[];
  /** What could not be read or identified, one sentence each, for the report. */
  notes: string[];
}

/**
 * Names what `wantedByAnalyzers` asks for, so the layer cache never serves entries recorded
 * for another set of analyzers. Bump the version whenever an analyzer's `wants` or `excerpt` changes.
 */
export const WANTED_POLICY = `wants v2: os-release,${analyzers.map((analyzer) => analyzer.name).join(",")}`;

/** The size cap for a path that OS detection or any analyzer reads; undefined to skip it. */
export function wantedByAnalyzers(path: string): number | undefined {
  const caps = [osReleaseWants(path), ...analyzers.map((analyzer) => analyzer.wants(path))];
  const wanted = caps.filter((cap): cap is number => cap !== undefined);
  return wanted.length > 0 ? Math.max(...wanted) : undefined;
}

/**
 * What to keep of a wanted file: the excerpts of the analyzers that want the path when each has
 * one (the Go and Rust analyzers both read executables); otherwise (OS detection, or a reader
 * that needs the file itself) the whole file.
 */
export function excerptForAnalyzers(path: string, content: Buffer): Buffer {
  if (osReleaseWants(path) !== undefined) return content;
  const readers = analyzers.filter((analyzer) => analyzer.wants(path) !== undefined);
  const excerpts: Buffer[] = [];
  for (const reader of readers) {
    if (!reader.excerpt) return content;
    excerpts.push(reader.excerpt(path, content));
  }
  return joinExcerpts(excerpts);
}

/** Go's build information is searched for at 16-byte boundaries, so every part starts at one. */
const EXCERPT_ALIGNMENT = 16;

/**
 * Several readers' excerpts of one file, side by side: each reader finds its own part by its
 * marker. Usually at most one is not empty (a Go binary is never a Rust one), and it is kept as is.
 */
function joinExcerpts(excerpts: Buffer[]): Buffer {
  const parts = excerpts.filter((excerpt) => excerpt.length > 0);
  if (parts.length <= 1) return parts[0] ?? Buffer.alloc(0);
  const padding = (length: number) => Buffer.alloc((EXCERPT_ALIGNMENT - (length % EXCERPT_ALIGNMENT)) % EXCERPT_ALIGNMENT);
  return Buffer.concat(parts.flatMap((part) => [part, padding(part.length)]));
}

/** The OS and every package recorded in the wanted files of an image's final file system. */
export function inventoryOf(files: FileView): Inventory {
  const notes: string[] = [];
  const detected = detectOs(files);
  const os = detected && hasOnlyDpkgStatusDirectory(files) ? { ...detected, distroless: true } : detected;
  const packages = analyzers.flatMap((analyzer) => {
    try {
      return analyzer.analyze(files, os, notes);
    } catch (error) {
      // One broken database must not hide the packages of the others.
      notes.push(`the ${analyzer.name} analyzer failed: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  });
  if (!os) {
    notes.push(
      packages.length === 0
        ? "no operating system identified and no packages found (no os-release, release file or package database)"
        : "no operating system identified (no os-release or release file); OS packages carry ecosystems without a release",
    );
  }
  return { os, packages, notes };
}
