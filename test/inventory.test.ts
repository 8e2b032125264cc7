import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PackageURL } from "packageurl-js";
import { describe, expect, it } from "vitest";
import { inventoryOf, wantedByAnalyzers } from "../core/src/inventory/inventory.js";
import { detectOs, osvEcosystem, parseOsRelease } from "../core/src/inventory/os-release.js";
import { packageUrl } from "../core/src/inventory/purl.js";
import type { FileView, InventoryPackage, OsInfo } from "../core/src/inventory/types.js";
import { fileViewOfTree } from "./support/file-view.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const LAYER = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const DISTROLESS = resolve("test/fixtures/inventory/distroless-status-d");
const ALPINE_ARCHIVE = resolve("../shared/images/alpine-311.docker-archive.tar.gz");
const DEBIAN_OS_RELEASE = readFileSync(join(DISTROLESS, "usr/lib/os-release"));

const tarHere = realPartAvailable("tar", "/usr/bin/tar", "apt-get install -y tar");
const dpkgQueryHere = realPartAvailable("dpkg-query", "/usr/bin/dpkg-query", "run the tests on Debian (package dpkg)");

/** What the layer walker hands over: the files under `root` that OS detection or an analyzer wants. */
function viewOfTree(root: string, layer = LAYER): FileView {
  return fileViewOfTree(root, wantedByAnalyzers, layer);
}

function viewOf(contents: Record<string, string | Buffer>): FileView {
  return new Map(
    Object.entries(contents).map(([path, content]) => [path, { path, content: Buffer.from(content), mode: 0o100644, layer: LAYER }]),
  );
}

function summary(packages: InventoryPackage[]): string[] {
  return packages.map((p) => `${p.name} ${p.version} ${p.arch} ${p.source?.name} ${p.source?.version}`);
}

describe("purl", () => {
  it("builds the purl spec's own deb test cases exactly, `+` encoded and `:` kept", () => {
    // package-url/purl-spec tests/types/deb-test.json
    expect(packageUrl({ type: "deb", namespace: "debian", name: "attr", version: "1:2.4.47-2+b1", qualifiers: { arch: "amd64" } })).toBe(
      "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64",
    );
    expect(
      packageUrl({ type: "deb", namespace: "debian", name: "curl", version: "7.50.3-1", qualifiers: { distro: "jessie", arch: "i386" } }),
    ).toBe("pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie");
  });

  it("leaves out empty qualifiers and encodes what the spec does not allow bare", () => {
    const purl = packageUrl({ type: "apk", namespace: "alpine", name: "g++", version: "9.3.0-r0", qualifiers: { arch: undefined } });
    expect(purl).toBe("pkg:apk/alpine/g%2B%2B@9.3.0-r0");
    expect(packageUrl({ type: "generic", name: "a b!(c)", version: "1*" })).toBe("pkg:generic/a%20b%21%28c%29@1%2A");
  });
});

describe("OS detection", () => {
  it("parses os-release quoting, escapes and comments as the spec defines them", () => {
    const fields = parseOsRelease(
      ["# a comment", 'NAME="Debian \\"GNU\\"/Linux"', "ID=debian", "VERSION_ID='12'", "BAD LINE", 'PRETTY_NAME="a \\$b"  '].join("\n"),
    );
    expect(fields).toEqual({ NAME: 'Debian "GNU"/Linux', ID: "debian", VERSION_ID: "12", PRETTY_NAME: "a $b" });
  });

  it("reads etc/os-release before usr/lib/os-release, and usr/lib/os-release when etc has none", () => {
    const alpine = 'ID=alpine\nVERSION_ID=3.11.5\nPRETTY_NAME="Alpine Linux v3.11"\n';
    expect(detectOs(viewOf({ "etc/os-release": alpine, "usr/lib/os-release": DEBIAN_OS_RELEASE }))?.family).toBe("alpine");
    expect(detectOs(viewOf({ "usr/lib/os-release": DEBIAN_OS_RELEASE }))).toEqual({
      family: "debian",
      version: "12",
      name: "Debian GNU/Linux 12 (bookworm)",
    });
  });

  it("falls back to the release files when there is no usable os-release", () => {
    expect(detectOs(viewOf({ "etc/os-release": "\u0000\u0001junk", "etc/alpine-release": "3.11.5\n" }))).toEqual({
      family: "alpine",
      version: "3.11.5",
    });
    expect(detectOs(viewOf({ "etc/debian_version": "12.5\n" }))).toEqual({ family: "debian", version: "12.5" });
    expect(detectOs(viewOf({ "etc/debian_version": "trixie/sid\n" }))).toEqual({ family: "debian", name: "Debian trixie/sid" });
    const releaseLines: [string, OsInfo][] = [
      ["Rocky Linux release 9.3 (Blue Onyx)", { family: "rocky", version: "9.3", name: "Rocky Linux release 9.3 (Blue Onyx)" }],
      [
        "AlmaLinux release 8.9 (Midnight Oncilla)",
        { family: "almalinux", version: "8.9", name: "AlmaLinux release 8.9 (Midnight Oncilla)" },
      ],
      ["CentOS Linux release 7.9.2009 (Core)", { family: "centos", version: "7.9.2009", name: "CentOS Linux release 7.9.2009 (Core)" }],
      [
        "Red Hat Enterprise Linux release 8.9 (Ootpa)",
        { family: "rhel", version: "8.9", name: "Red Hat Enterprise Linux release 8.9 (Ootpa)" },
      ],
      ["Amazon Linux release 2 (Karoo)", { family: "amzn", version: "2", name: "Amazon Linux release 2 (Karoo)" }],
    ];
    for (const [line, os] of releaseLines) expect(detectOs(viewOf({ "etc/redhat-release": `${line}\n` }))).toEqual(os);
    expect(detectOs(viewOf({ "etc/redhat-release": "Something else\n" }))).toBeUndefined();
    expect(detectOs(viewOf({}))).toBeUndefined();
  });

  it("names each family's OSV ecosystem as ../shared/osv/ecosystems.json defines it", () => {
    // ID, VERSION_ID and PRETTY_NAME as these distributions ship them in os-release.
    const cases: [string, string | undefined][] = [
      ["ID=debian\nVERSION_ID=12", "Debian:12"],
      ["ID=ubuntu\nVERSION_ID=22.04", "Ubuntu:22.04:LTS"],
      ["ID=ubuntu\nVERSION_ID=23.10", "Ubuntu:23.10"],
      ["ID=alpine\nVERSION_ID=3.11.5", "Alpine:v3.11"],
      ["ID=alpine\nVERSION_ID=3.21.0_alpha20240807", "Alpine:v3.21"],
      ['ID="rocky"\nVERSION_ID="8"', "Rocky Linux:8"],
      ['ID="almalinux"\nVERSION_ID="9.3"', "AlmaLinux:9"],
      ['ID=azurelinux\nVERSION_ID="3.0"', "Azure Linux:3.0"],
      ['ID="sles"\nVERSION_ID="15.7"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP7"', "SUSE:SUSE Linux Enterprise Server 15 SP7"],
      ['ID="opensuse-tumbleweed"\nVERSION_ID="20240823"\nPRETTY_NAME="openSUSE Tumbleweed"', "openSUSE:openSUSE Tumbleweed"],
      ['ID=wolfi\nVERSION_ID="20230201"', "Wolfi"],
      ["ID=chainguard", "Chainguard"],
      ['ID="rhel"\nVERSION_ID="8.0"', undefined],
      ['ID="amzn"\nVERSION_ID="2"', undefined],
      ['ID=mariner\nVERSION_ID="2.0"', undefined],
      ["ID=debian", "Debian"],
    ];
    const ecosystems = JSON.parse(readFileSync(resolve("../shared/osv/ecosystems.json"), "utf8")) as Record<string, string>;
    for (const [osRelease, ecosystem] of cases) {
      const os = detectOs(viewOf({ "etc/os-release": osRelease }));
      expect(os && osvEcosystem(os), osRelease).toBe(ecosystem);
      if (ecosystem) expect(Object.keys(ecosystems)).toContain(ecosystem.split(":")[0]);
    }
  });

  const csv = "/usr/share/distro-info/ubuntu.csv";
  const distroInfoHere = realPartAvailable("Debian's distro-info-data", csv, "apt-get install -y distro-info-data", "read");

  it.skipIf(!distroInfoHere)("marks exactly Ubuntu's LTS releases `:LTS`, by Debian's distro-info-data", () => {
    const releases = readFileSync(csv, "utf8").trim().split("\n").slice(1);
    // 6.06 LTS predates the April-of-even-years rule and has no container images.
    const checked = releases.map((line) => line.split(",")[0] ?? "").filter((version) => !version.startsWith("6.06"));
    expect(checked.length).toBeGreaterThan(40);
    for (const version of checked) {
      const [number, lts] = version.split(" ");
      expect(osvEcosystem({ family: "ubuntu", version: number })).toBe(`Ubuntu:${number}${lts ? ":LTS" : ""}`);
    }
  });
});

describe.runIf(dpkgQueryHere)("dpkg: this machine's real database against dpkg-query", () => {
  it("lists every package with its files on disk, with version, architecture and source as dpkg does", () => {
    // A copy, so packages installed meanwhile cannot make the two readings differ.
    const admin = tempTree();
    copyFileSync("/var/lib/dpkg/status", join(admin, "status"));
    const oracle = execFileSync(
      "dpkg-query",
      [
        `--admindir=${admin}`,
        "-W",
        "-f",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format
        "${db:Status-Status} ${Package} ${Version} ${Architecture} ${source:Package} ${source:Version}\n",
      ],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    )
      .trim()
      .split("\n")
      .filter((line) => !/^(not-installed|config-files) /.test(line))
      .map((line) => line.slice(line.indexOf(" ") + 1));

    const content = readFileSync(join(admin, "status"));
    const files = new Map([["var/lib/dpkg/status", { path: "var/lib/dpkg/status", content, mode: 0o100644, layer: LAYER }]]);
    files.set("etc/os-release", { path: "etc/os-release", content: DEBIAN_OS_RELEASE, mode: 0o100644, layer: LAYER });
    const inventory = inventoryOf(files);

    expect(inventory.notes).toEqual([]);
    expect(oracle.length).toBeGreaterThan(50);
    expect(summary(inventory.packages).sort()).toEqual(oracle.sort());
    for (const found of inventory.packages) {
      expect(found).toMatchObject({ ecosystem: "Debian:12", layer: LAYER, path: "var/lib/dpkg/status" });
      expect(PackageURL.fromString(found.purl)).toMatchObject({
        type: "deb",
        namespace: "debian",
        name: found.name,
        version: found.version,
        qualifiers: { arch: found.arch, distro: "debian-12" },
      });
    }
  });
});

describe("dpkg: a distroless status.d from real Debian packages", () => {
  const inventory = inventoryOf(viewOfTree(DISTROLESS));

  it("reads one control file per package, ignores the md5sums beside them and says the image is distroless", () => {
    expect(inventory.os).toEqual({ family: "debian", version: "12", name: "Debian GNU/Linux 12 (bookworm)", distroless: true });
    expect(inventory.notes).toEqual([]);
    const byName = Object.fromEntries(inventory.packages.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(["bash", "libatm1", "libstdc++6", "login", "tzdata"]);
    // Checked by hand against `dpkg-deb -f` of each .deb (test/fixtures/inventory/README.md).
    expect(byName.bash).toEqual({
      name: "bash",
      version: "5.2.15-2+b13",
      ecosystem: "Debian:12",
      purl: "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12",
      source: { name: "bash", version: "5.2.15-2" },
      arch: "amd64",
      layer: LAYER,
      path: "var/lib/dpkg/status.d/bash",
    });
    expect(byName.libatm1?.source).toEqual({ name: "linux-atm", version: "1:2.5.1-4" });
    expect(byName.libatm1?.purl).toBe("pkg:deb/debian/libatm1@1:2.5.1-4%2Bb2?arch=amd64&distro=debian-12");
    expect(byName.login?.source).toEqual({ name: "shadow", version: "1:4.13+dfsg1-1+deb12u2" });
    expect(byName["libstdc++6"]?.purl).toBe("pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12");
    expect(byName.tzdata).toMatchObject({ arch: "all", source: { name: "tzdata", version: "2026b-0+deb12u1" } });
  });

  it("does not want the md5sums files, nested paths or anything else", () => {
    expect(wantedByAnalyzers("var/lib/dpkg/status.d/login")).toBe(1024 * 1024);
    expect(wantedByAnalyzers("var/lib/dpkg/status")).toBe(64 * 1024 * 1024);
    expect(wantedByAnalyzers("lib/apk/db/installed")).toBe(64 * 1024 * 1024);
    expect(wantedByAnalyzers("etc/os-release")).toBe(64 * 1024);
    for (const path of [
      "var/lib/dpkg/status.d/login.md5sums",
      "var/lib/dpkg/status.d/a/b",
      "var/lib/dpkg/status-old",
      "usr/share/doc/login/copyright",
    ]) {
      expect(wantedByAnalyzers(path), path).toBeUndefined();
    }
  });
});

describe.runIf(tarHere)("apk: the real Alpine 3.11 image in ../shared", () => {
  const root = tempTree();
  execFileSync("tar", ["-xzf", ALPINE_ARCHIVE, "-C", root]);
  const [manifest] = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as { Config: string; Layers: string[] }[];
  if (!manifest?.Layers[0]) throw new Error(`${ALPINE_ARCHIVE} has no layer in its manifest.json`);
  const config = JSON.parse(readFileSync(join(root, manifest.Config), "utf8")) as { rootfs: { diff_ids: string[] } };
  const rootfs = join(root, "rootfs");
  mkdirSync(rootfs);
  execFileSync("tar", ["-xf", join(root, manifest.Layers[0]), "-C", rootfs]);
  const layer = config.rootfs.diff_ids[0] ?? "";
  const inventory = inventoryOf(viewOfTree(rootfs, layer));

  it("lists exactly the packages of lib/apk/db/installed, as its P:/V:/A:/o: lines say", () => {
    const lines = execFileSync("grep", ["-E", "^(P|V|A|o):", join(rootfs, "lib/apk/db/installed")], { encoding: "utf8" })
      .trim()
      .split("\n");
    const expected: string[] = [];
    for (let i = 0; i < lines.length; i += 4) {
      const [name, version, arch, origin] = lines.slice(i, i + 4).map((line) => line.slice(2));
      expected.push(`${name} ${version} ${arch} ${origin} ${version}`);
    }
    expect(expected).toHaveLength(14);
    expect(summary(inventory.packages)).toEqual(expected);
    for (const found of inventory.packages) {
      expect(found.purl).toBe(`pkg:apk/alpine/${found.name}@${found.version}?arch=x86_64&distro=alpine-3.11.5`);
      expect(found).toMatchObject({ ecosystem: "Alpine:v3.11", layer, path: "lib/apk/db/installed" });
    }
  });

  it("identifies Alpine 3.11.5 and gives hand-checked values", () => {
    expect(inventory.os).toEqual({ family: "alpine", version: "3.11.5", name: "Alpine Linux v3.11" });
    expect(inventory.notes).toEqual([]);
    expect(layer).toBe("sha256:beee9f30bc1f711043e78d4a2be0668955d4b761d587d6f60c2c8dc081efb203");
    const libcrypto = inventory.packages.find((p) => p.name === "libcrypto1.1");
    expect(libcrypto).toMatchObject({
      version: "1.1.1d-r3",
      source: { name: "openssl", version: "1.1.1d-r3" },
      purl: "pkg:apk/alpine/libcrypto1.1@1.1.1d-r3?arch=x86_64&distro=alpine-3.11.5",
    });
    expect(inventory.packages.find((p) => p.name === "musl")?.purl).toBe("pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64&distro=alpine-3.11.5");
  });

  it("names Wolfi packages in the wolfi namespace and ecosystem", () => {
    const installed = readFileSync(join(rootfs, "lib/apk/db/installed"));
    const wolfi = inventoryOf(viewOf({ "etc/os-release": 'ID=wolfi\nVERSION_ID="20230201"', "lib/apk/db/installed": installed }));
    expect(wolfi.packages[0]).toMatchObject({ ecosystem: "Wolfi", purl: "pkg:apk/wolfi/musl@1.1.24-r2?arch=x86_64&distro=wolfi-20230201" });
  });
});

describe("hostile and broken databases give notes, never a crash", () => {
  const bash = readFileSync(join(DISTROLESS, "var/lib/dpkg/status.d/bash"), "utf8");
  const status = (stanza: string): string => `${stanza.trim()}\nStatus: install ok installed\n`;

  it("skips binary junk with a note naming the file", () => {
    const junk = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0xff, 0x0a, 0x50, 0x3a]);
    const inventory = inventoryOf(viewOf({ "var/lib/dpkg/status": junk, "lib/apk/db/installed": junk }));
    expect(inventory.packages).toEqual([]);
    expect(inventory.notes).toEqual([
      "var/lib/dpkg/status: not a text package database (it holds binary data); its packages are not listed",
      "lib/apk/db/installed: not a text package database (it holds binary data); its packages are not listed",
      "no operating system identified and no packages found (no os-release, release file or package database)",
    ]);
  });

  it("skips entries without a version or with absurd fields, and keeps the others", () => {
    const noVersion = status(bash.replace(/^Version: .*\n/m, "").replace("Package: bash", "Package: broken"));
    const hugeVersion = status(bash.replace(/^Version: .*$/m, `Version: ${"9".repeat(100_000)}`).replace("Package: bash", "Package: huge"));
    const text = [noVersion, status(bash), hugeVersion, " continuation first\nPackage: x\n", "just text\n"].join("\n");
    const inventory = inventoryOf(viewOf({ "var/lib/dpkg/status": text, "etc/os-release": DEBIAN_OS_RELEASE }));
    expect(inventory.packages.map((p) => p.name)).toEqual(["bash"]);
    expect(inventory.notes).toEqual(["var/lib/dpkg/status: skipped 4 malformed entries (first at line 1: no Version field)"]);
  });

  it("leaves out packages whose files are gone (removed, config files only)", () => {
    const removed = bash.replace("Package: bash", "Package: gone").concat("Status: deinstall ok config-files\n");
    const held = bash.concat("Status: hold ok installed\n");
    const inventory = inventoryOf(viewOf({ "var/lib/dpkg/status": `${removed}\n${held}` }));
    expect(inventory.packages.map((p) => p.name)).toEqual(["bash"]);
    // Without an OS the purl has no distro and the ecosystem no release, and the report says why.
    expect(inventory.packages[0]).toMatchObject({ ecosystem: "Debian", purl: "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64" });
    expect(inventory.notes).toEqual([
      "no operating system identified (no os-release or release file); OS packages carry ecosystems without a release",
    ]);
  });

  it("reads a 40 MB description in a database quickly and notes a broken apk entry", () => {
    const huge = status(`${bash.trim()}\n${" x".repeat(20_000_000)}`);
    const started = performance.now();
    const dpkg = inventoryOf(viewOf({ "var/lib/dpkg/status": huge }));
    expect(dpkg.packages.map((p) => p.name)).toEqual(["bash"]);
    expect(performance.now() - started).toBeLessThan(5_000);

    const apk = inventoryOf(
      viewOf({ "lib/apk/db/installed": "P:musl\nV:1.1.24-r2\n\nP:nover\nA:x86_64\n\nPmusl\n\nP:evil/../name\nV:1\n" }),
    );
    expect(apk.packages.map((p) => p.name)).toEqual(["musl"]);
    expect(apk.notes[0]).toBe("lib/apk/db/installed: skipped 3 malformed entries (first at line 4: no V: (version) line)");
  });
});
