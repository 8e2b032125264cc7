import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { walkLayers } from "../core/src/image/layers/index.js";
import { digestOf } from "../core/src/image/sources/digest.js";
import type { ImageFile, ImageLayer } from "../core/src/image/types.js";
import { readBdbPackages } from "../core/src/inventory/analyzers/rpm/bdb.js";
import { parseSourceRpm, readHeader } from "../core/src/inventory/analyzers/rpm/header.js";
import { readSqlitePackages } from "../core/src/inventory/analyzers/rpm/sqlite.js";
import { rpmAnalyzer } from "../core/src/inventory/analyzers/rpm.js";
import { excerptForAnalyzers, inventoryOf, wantedByAnalyzers } from "../core/src/inventory/inventory.js";
import type { InventoryPackage, OsInfo } from "../core/src/inventory/types.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";
import { tarOf } from "./support/registry-images.js";

const FIXTURES = join(import.meta.dirname, "fixtures/rpm");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
/** What real rpm printed for the fixture databases: NAME EPOCHNUM VERSION RELEASE ARCH SOURCERPM. */
const EXPECTED = fixture("expected.txt").toString("utf8").trim().split("\n").sort();
const ROCKY: OsInfo = { family: "rocky", version: "9.3" };

function analyze(path: string, content: Buffer, os: OsInfo | undefined, notes: string[] = []): InventoryPackage[] {
  const file: ImageFile = { path, content, mode: 0o644, layer: "sha256:layer" };
  return rpmAnalyzer.analyze(new Map([[path, file]]), os, notes);
}

/** The packages in the oracle's shape, to compare with what real rpm printed. */
function asOracleLines(packages: InventoryPackage[]): string[] {
  return packages
    .map((pkg) => {
      const [, epoch = "0", versionRelease = ""] = /^(?:(\d+):)?(.*)$/.exec(pkg.version) ?? [];
      const sourceRpm = `${pkg.source?.name}-${pkg.source?.version.replace(/^\d+:/, "")}.src.rpm`;
      return `${pkg.name} ${epoch} ${versionRelease.replace(/-([^-]+)$/, " $1")} ${pkg.arch} ${sourceRpm}`;
    })
    .sort();
}

describe("rpm databases read like real rpm reads them", () => {
  const cases: [string, string, string][] = [
    ["sqlite", "var/lib/rpm/rpmdb.sqlite", "rpmdb.sqlite"],
    ["BerkeleyDB hash, 4 KiB pages", "var/lib/rpm/Packages", "Packages-4096"],
    ["BerkeleyDB hash, 512-byte pages (every header on overflow pages)", "var/lib/rpm/Packages", "Packages-512"],
    ["Fedora 36+ location", "usr/lib/sysimage/rpm/rpmdb.sqlite", "rpmdb.sqlite"],
    ["Mariner distroless manifest", "var/lib/rpmmanifest/container-manifest-2", "container-manifest-2"],
  ];
  for (const [backend, path, name] of cases) {
    it(`lists every package of the ${backend}`, () => {
      const notes: string[] = [];
      const packages = analyze(path, fixture(name), ROCKY, notes);
      expect(notes).toEqual([]);
      expect(asOracleLines(packages)).toEqual(EXPECTED);
      expect(packages.every((pkg) => pkg.path === path && pkg.layer === "sha256:layer")).toBe(true);
    });
  }

  it("gives versions, sources, ecosystems and purls", () => {
    const packages = analyze("var/lib/rpm/rpmdb.sqlite", fixture("rpmdb.sqlite"), ROCKY);
    const data = packages.find((pkg) => pkg.name === "portcullis-hello-data");
    expect(data).toEqual({
      name: "portcullis-hello-data",
      version: "2:1.2.3-4.el9",
      ecosystem: "Rocky Linux:9",
      purl: "pkg:rpm/rocky/portcullis-hello-data@1.2.3-4.el9?arch=noarch&distro=rocky-9.3&epoch=2",
      source: { name: "portcullis-hello", version: "2:1.2.3-4.el9" },
      arch: "noarch",
      layer: "sha256:layer",
      path: "var/lib/rpm/rpmdb.sqlite",
    });
    const plain = packages.find((pkg) => pkg.name === "plain");
    expect(plain?.purl).toBe("pkg:rpm/rocky/plain@0.9-1?arch=noarch&distro=rocky-9.3");
    expect(plain?.source).toEqual({ name: "plain", version: "0.9-1" });
  });

  it("names vendors as the purl spec does", () => {
    const purlOf = (os: OsInfo | undefined) =>
      analyze("var/lib/rpm/Packages", fixture("Packages-4096"), os).find((pkg) => pkg.name === "plain")?.purl;
    expect(purlOf({ family: "rhel", version: "8.9" })).toBe("pkg:rpm/redhat/plain@0.9-1?arch=noarch&distro=rhel-8.9");
    expect(purlOf({ family: "amzn", version: "2" })).toBe("pkg:rpm/amazonlinux/plain@0.9-1?arch=noarch&distro=amzn-2");
    expect(purlOf(undefined)).toBe("pkg:rpm/plain@0.9-1?arch=noarch");
    const rhel = analyze("var/lib/rpm/Packages", fixture("Packages-4096"), { family: "rhel", version: "8.9" });
    // OSV's Red Hat ecosystem names a product stream os-release does not give: the bare name.
    expect(new Set(rhel.map((pkg) => pkg.ecosystem))).toEqual(new Set(["Red Hat"]));
  });

  it("prefers the database to the manifest and wants only rpm paths", () => {
    expect(rpmAnalyzer.wants("var/lib/rpm/Packages")).toBeGreaterThan(0);
    expect(rpmAnalyzer.wants("usr/share/rpm/rpmdb.sqlite")).toBeGreaterThan(0);
    expect(rpmAnalyzer.wants("var/lib/rpm/Basenames")).toBeUndefined();
    expect(rpmAnalyzer.wants("var/lib/rpm/rpmdb.sqlite-wal")).toBeUndefined();
  });
});

describe("source rpm names", () => {
  it("splits name, version and release", () => {
    expect(parseSourceRpm("glibc-2.34-60.el9.src.rpm")).toEqual({ name: "glibc", version: "2.34-60.el9" });
    expect(parseSourceRpm("python3-pip-21.3.1-1.fc36.nosrc.rpm")).toEqual({ name: "python3-pip", version: "21.3.1-1.fc36" });
    expect(parseSourceRpm("not-a-source-rpm")).toBeUndefined();
  });
});

describe("hostile rpm databases", () => {
  it("rejects a truncated sqlite file with an error naming it", () => {
    const truncated = fixture("rpmdb.sqlite").subarray(0, 20 * 4096);
    expect(() => analyze("var/lib/rpm/rpmdb.sqlite", truncated, ROCKY)).toThrow(
      /var\/lib\/rpm\/rpmdb\.sqlite is not a readable rpm database: .*page \d+ is beyond/,
    );
  });

  it("rejects a file that is not sqlite", () => {
    expect(() => analyze("var/lib/rpm/rpmdb.sqlite", Buffer.from("hello"), ROCKY)).toThrow(/not an SQLite 3 database/);
  });

  it("rejects a BerkeleyDB file with a bad magic", () => {
    const bad = Buffer.from(fixture("Packages-4096"));
    bad.writeUInt32LE(0x053162, 12);
    expect(() => analyze("var/lib/rpm/Packages", bad, ROCKY)).toThrow(
      /var\/lib\/rpm\/Packages is not a readable rpm database: .*bad magic/,
    );
  });

  it("rejects a truncated BerkeleyDB file whose overflow chain leaves it", () => {
    const truncated = fixture("Packages-512").subarray(0, 20 * 512);
    expect(() => analyze("var/lib/rpm/Packages", truncated, ROCKY)).toThrow(/Packages is not a readable rpm database: .*(beyond|overflow)/);
  });

  it("skips header blobs with bogus index counts or offsets, without reading out of bounds", () => {
    const [blob] = readSqlitePackages(fixture("rpmdb.sqlite")) as [Buffer];
    const hugeCount = Buffer.from(blob);
    hugeCount.writeUInt32BE(0xffffffff, 0);
    expect(() => readHeader(hugeCount)).toThrow(/beyond rpm's limits/);
    const longerThanBlob = Buffer.from(blob);
    longerThanBlob.writeUInt32BE(blob.readUInt32BE(4) + 1, 4);
    expect(() => readHeader(longerThanBlob)).toThrow(/claims \d+ bytes but has/);
    const badOffset = Buffer.from(blob);
    for (let entry = 8; entry < 8 + badOffset.readUInt32BE(0) * 16; entry += 16) badOffset.writeUInt32BE(0x7fffffff, entry + 8);
    expect(() => readHeader(badOffset)).toThrow(/outside the header's data|not a number inside it/);
    expect(() => readHeader(Buffer.alloc(3))).toThrow(/too short/);
  });

  it("notes a malformed manifest line and keeps the others", () => {
    const notes: string[] = [];
    const manifest = Buffer.concat([Buffer.from("garbage line\n"), fixture("container-manifest-2")]);
    expect(analyze("var/lib/rpmmanifest/container-manifest-2", manifest, ROCKY, notes)).toHaveLength(EXPECTED.length);
    expect(notes).toEqual(["var/lib/rpmmanifest/container-manifest-2: skipped 1 malformed line(s) (first at line 1)"]);
  });

  it("reads both sqlite blobs and BerkeleyDB blobs identically", () => {
    const sortBlobs = (blobs: Buffer[]) => blobs.map((blob) => blob.toString("hex")).sort();
    expect(sortBlobs(readBdbPackages(fixture("Packages-512")))).toEqual(sortBlobs(readSqlitePackages(fixture("rpmdb.sqlite"))));
  });
});

describe("a database real rpm writes now", () => {
  const available =
    realPartAvailable("rpm", "/usr/bin/rpm", "apt-get install -y rpm") &&
    realPartAvailable("gpg", "/usr/bin/gpg", "apt-get install -y gnupg") &&
    realPartAvailable("sqlite3", "/usr/bin/sqlite3", "apt-get install -y sqlite3");
  it.runIf(available)("skips gpg-pubkey entries that rpm --import adds", () => {
    const root = tempTree();
    execFileSync(
      "gpg",
      ["--batch", "--homedir", root, "--passphrase", "", "--quick-gen-key", "test@example.org", "ed25519", "sign", "never"],
      { stdio: "pipe" },
    );
    const armored = execFileSync("gpg", ["--homedir", root, "--armor", "--export", "test@example.org"]);
    writeFileSync(join(root, "key.asc"), armored);
    const dbpath = join(root, "db");
    execFileSync("rpm", ["--dbpath", dbpath, "--initdb"]);
    execFileSync("rpm", ["--dbpath", dbpath, "--import", join(root, "key.asc")]);
    execFileSync("sqlite3", [join(dbpath, "rpmdb.sqlite"), "PRAGMA wal_checkpoint(TRUNCATE);"]);
    const names = execFileSync("rpm", ["--dbpath", dbpath, "-qa", "--qf", "%{NAME}\\n"], { encoding: "utf8" });
    expect(names.trim()).toBe("gpg-pubkey");
    expect(analyze("var/lib/rpm/rpmdb.sqlite", readFileSync(join(dbpath, "rpmdb.sqlite")), ROCKY)).toEqual([]);
  });
});

describe("an rpm NDB database (SUSE's Packages.db)", () => {
  it("is noted as not read, never passed over silently, and not kept in memory", async () => {
    const tar = await tarOf({
      "etc/os-release": 'ID="opensuse-leap"\nVERSION_ID="15.6"\n',
      "var/lib/rpm/Packages.db": randomBytes(64 * 1024).toString("base64"),
    });
    const layer: ImageLayer = {
      digest: digestOf(tar),
      diffId: digestOf(tar),
      mediaType: "application/vnd.oci.image.layer.v1.tar",
      size: tar.length,
      open: async () => Readable.from([tar]),
    };
    const files = await walkLayers([layer], wantedByAnalyzers, { excerpt: excerptForAnalyzers });
    expect(files.get("var/lib/rpm/Packages.db")?.content.length).toBe(16);
    const inventory = inventoryOf(files);
    expect(inventory.packages).toEqual([]);
    expect(inventory.notes).toContain(
      "var/lib/rpm/Packages.db is an rpm NDB database (SUSE), which Portcullis cannot read yet: its packages are not listed",
    );
  });
});
