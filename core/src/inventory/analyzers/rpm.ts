import { UserError } from "../../errors.js";
import type { ImageFile } from "../../image/types.js";
import { osvEcosystem } from "../os-release.js";
import { distroQualifier, packageUrl } from "../purl.js";
import type { Analyzer, InventoryPackage, OsInfo } from "../types.js";
import { readBdbPackages } from "./rpm/bdb.js";
import { parseSourceRpm, type RpmHeader, readHeader } from "./rpm/header.js";
import { readSqlitePackages } from "./rpm/sqlite.js";

const DATABASE_CAP = 512 * 1024 * 1024;
const MANIFEST_CAP = 16 * 1024 * 1024;

/**
 * The rpm databases, in the order they are tried: the first present one is the image's
 * (Fedora 36+ keeps it under usr/lib/sysimage with var/lib/rpm a link, rpm-ostree under usr/share).
 */
const DATABASES: { path: string; read: (file: Buffer) => Buffer[] }[] = ["var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm"].flatMap(
  (directory) => [
    { path: `${directory}/rpmdb.sqlite`, read: readSqlitePackages },
    { path: `${directory}/Packages`, read: readBdbPackages },
  ],
);

/**
 * SUSE's NDB format (`Packages.db`, SLE 15 SP3+ and openSUSE): not read yet (Debian's rpm cannot
 * write one, so there is nothing real to test a reader against), but never passed over silently.
 */
const NDB_DATABASES = ["var/lib/rpm/Packages.db", "usr/lib/sysimage/rpm/Packages.db"];
const NDB_HEADER_KEPT = 16;

/** CBL-Mariner and Azure Linux distroless images have no database, only this `rpm -qa` listing. */
const MANIFEST_PATH = "var/lib/rpmmanifest/container-manifest-2";

/** The purl namespace (the vendor) per os-release ID, where the two differ or must be listed. */
const VENDOR_NAMESPACES: Record<string, string> = {
  rhel: "redhat",
  amzn: "amazonlinux",
  ol: "oracle",
  sles: "suse",
  "opensuse-leap": "opensuse",
  "opensuse-tumbleweed": "opensuse",
};

export const rpmAnalyzer: Analyzer = {
  name: "rpm",
  wants(path) {
    if (path === MANIFEST_PATH) return MANIFEST_CAP;
    return DATABASES.some((database) => database.path === path) || NDB_DATABASES.includes(path) ? DATABASE_CAP : undefined;
  },
  // Only the presence of an NDB database matters (an empty excerpt would drop the file): its header is kept.
  excerpt: (path, content) => (NDB_DATABASES.includes(path) ? Buffer.from(content.subarray(0, NDB_HEADER_KEPT)) : content),
  analyze(files, os, notes) {
    for (const database of DATABASES) {
      const file = files.get(database.path);
      if (file) return fromDatabase(file, database.read, os, notes);
    }
    const manifest = files.get(MANIFEST_PATH);
    if (manifest) return fromManifest(manifest, os, notes);
    const ndb = NDB_DATABASES.find((path) => files.has(path));
    if (ndb) notes?.push(`${ndb} is an rpm NDB database (SUSE), which Portcullis cannot read yet: its packages are not listed`);
    return [];
  },
};

function fromDatabase(file: ImageFile, read: (file: Buffer) => Buffer[], os: OsInfo | undefined, notes: string[] | undefined) {
  let blobs: Buffer[];
  try {
    blobs = read(file.content);
  } catch (error) {
    throw new UserError(`${file.path} is not a readable rpm database: ${(error as Error).message}`);
  }
  const headers: RpmHeader[] = [];
  const skipped: string[] = [];
  for (const blob of blobs) {
    try {
      headers.push(readHeader(blob));
    } catch (error) {
      skipped.push((error as Error).message);
    }
  }
  if (skipped.length > 0) notes?.push(`${file.path}: skipped ${skipped.length} malformed package header(s) (first: ${skipped[0]})`);
  return headers.filter(isInstalledPackage).map((header) => toPackage(header, file, os));
}

/** `rpm --import` records each trusted key as a `gpg-pubkey` pseudo-package. */
function isInstalledPackage(header: RpmHeader): boolean {
  return header.name !== "gpg-pubkey";
}

/**
 * The OSV ecosystem; RHEL's needs a product stream os-release does not give, so the bare
 * name. A distro OSV does not cover keeps its own name, which matches no advisory rather
 * than another distro's.
 */
function ecosystemOf(os: OsInfo | undefined): string {
  const known = os && osvEcosystem(os);
  if (known) return known;
  return os?.family === "rhel" ? "Red Hat" : (os?.family ?? "rpm");
}

function toPackage(header: RpmHeader, file: ImageFile, os: OsInfo | undefined): InventoryPackage {
  const versionRelease = `${header.version}-${header.release}`;
  const epochPrefix = header.epoch ? `${header.epoch}:` : "";
  const source = header.sourceRpm ? parseSourceRpm(header.sourceRpm) : undefined;
  return {
    name: header.name,
    version: `${epochPrefix}${versionRelease}`,
    ecosystem: ecosystemOf(os),
    purl: packageUrl({
      type: "rpm",
      namespace: os && (VENDOR_NAMESPACES[os.family] ?? os.family),
      name: header.name,
      version: versionRelease,
      qualifiers: { arch: header.arch, epoch: header.epoch ? String(header.epoch) : undefined, distro: distroQualifier(os) },
    }),
    // Every subpackage of a spec shares its epoch, which the source rpm's file name leaves out.
    source: source && { name: source.name, version: `${epochPrefix}${source.version}` },
    arch: header.arch,
    layer: file.layer,
    path: file.path,
  };
}

/**
 * One package a line, tab-separated, as `rpm -qa --qf` writes it with NAME, VERSION-RELEASE,
 * INSTALLTIME, BUILDTIME, VENDOR, EPOCH (`(none)` when unset), SIZE, ARCH, EPOCHNUM, SOURCERPM.
 */
function fromManifest(file: ImageFile, os: OsInfo | undefined, notes: string[] | undefined): InventoryPackage[] {
  const headers: RpmHeader[] = [];
  let firstSkipped: number | undefined;
  let skipped = 0;
  for (const [index, line] of file.content.toString("utf8").split("\n").entries()) {
    if (line.trim() === "") continue;
    const header = manifestLine(line);
    if (header) headers.push(header);
    else {
      firstSkipped ??= index + 1;
      skipped += 1;
    }
  }
  if (skipped > 0) notes?.push(`${file.path}: skipped ${skipped} malformed line(s) (first at line ${firstSkipped})`);
  return headers.filter(isInstalledPackage).map((header) => toPackage(header, file, os));
}

function manifestLine(line: string): RpmHeader | undefined {
  const fields = line.split("\t");
  const [name, versionRelease = "", , , , epoch, , arch, , sourceRpm] = fields;
  const [, version, release] = /^(.+)-([^-]+)$/.exec(versionRelease) ?? [];
  if (fields.length < 10 || !name || !version || !release || !/^(\d+|\(none\))$/.test(epoch ?? "")) return undefined;
  return {
    name,
    epoch: epoch === "(none)" ? undefined : Number(epoch),
    version,
    release,
    arch: arch || undefined,
    sourceRpm: sourceRpm && sourceRpm !== "(none)" ? sourceRpm : undefined,
  };
}
