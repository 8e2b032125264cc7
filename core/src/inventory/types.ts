import type { ImageFile } from "../image/types.js";

/** The operating system of an image, from os-release and its fallbacks. */
export interface OsInfo {
  /** `debian`, `ubuntu`, `alpine`, `rhel`, `centos`, `rocky`, `almalinux`, `fedora`, `amzn`, `sles`, `opensuse-leap`, `azurelinux`, `mariner`, `wolfi`, `chainguard`, … (os-release ID). */
  family: string;
  /** VERSION_ID, e.g. `12`, `3.11.6`, `22.04`. */
  version?: string;
  /** PRETTY_NAME, for reports. */
  name?: string;
  /** Debian-based distroless: dpkg data in `var/lib/dpkg/status.d/`, no shell or package manager. */
  distroless?: boolean;
}

/** One installed package, OS or language. */
export interface InventoryPackage {
  name: string;
  version: string;
  /** The ecosystem as OSV names it: `Debian:12`, `Alpine:v3.11`, `Ubuntu:22.04:LTS`, `npm`, `PyPI`, `Go`, `Maven`, `NuGet`, `crates.io`, … */
  ecosystem: string;
  /** Package URL (purl spec), e.g. `pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12`. */
  purl: string;
  /** For distro packages: the source package and its version, which distro advisories are keyed by. */
  source?: { name: string; version: string };
  arch?: string;
  /** Where it was found: the layer (diff ID) and the file that recorded it. */
  layer: string;
  path: string;
}

/** The files an analyzer asked for, by path, as they are in the image's final file system. */
export type FileView = ReadonlyMap<string, ImageFile>;

/**
 * One package format: which files it needs, and how to read packages from them. Every
 * analyzer has this shape (one module per format under core/src/inventory/analyzers/).
 */
export interface Analyzer {
  name: string;
  /** The size cap for a path this analyzer reads, or undefined when it does not want it. */
  wants(path: string): number | undefined;
  /**
   * The part of a wanted file that `analyze` needs, copied out so the rest can be freed; an
   * empty buffer when nothing in it matters. Without it, the whole file is kept.
   */
  excerpt?(path: string, content: Buffer): Buffer;
  /** `notes` collects one line per thing skipped (a malformed entry, a binary file) for the report. */
  analyze(files: FileView, os: OsInfo | undefined, notes?: string[]): InventoryPackage[];
}
