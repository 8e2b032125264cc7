import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ImageFile } from "../core/src/image/types.js";
import { buildInfo, goBinaryAnalyzer, stdlibVersion } from "../core/src/inventory/analyzers/go-binary.js";
import { npmAnalyzer } from "../core/src/inventory/analyzers/npm.js";
import { normalisedName, pythonAnalyzer } from "../core/src/inventory/analyzers/python.js";
import type { Analyzer, FileView, InventoryPackage } from "../core/src/inventory/types.js";
import { realPartAvailable } from "./support/real-parts.js";

const LAYER = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
const FIXTURES = resolve("test/fixtures/analyzers");
const KUBECTL_BUILD_INFO = readFileSync(join(FIXTURES, "go/kubectl-1.27.go.buildinfo"));
const DIST_PACKAGES = "/usr/lib/python3/dist-packages";

/** The files under `root` the analyzer wants, as the layer walker hands them over (paths relative, under `prefix`). */
function viewOfTree(analyzer: Analyzer, root: string, prefix = ""): FileView {
  const files = new Map<string, ImageFile>();
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const full = join(directory, entry.name);
      const path = prefix + relative(root, full);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && analyzer.wants(path) !== undefined) {
        files.set(path, { path, content: readFileSync(full), mode: statSync(full).mode, layer: LAYER });
      }
    }
  };
  walk(root);
  return files;
}

function viewOf(contents: Record<string, string | Buffer>): FileView {
  return new Map(
    Object.entries(contents).map(([path, content]) => [path, { path, content: Buffer.from(content), mode: 0o100755, layer: LAYER }]),
  );
}

function nameVersions(packages: InventoryPackage[]): string[] {
  return packages.map((found) => `${found.name}@${found.version}`).sort();
}

/** A Go 1.18+ build information blob as the linker lays it out: header, then uvarint-prefixed strings. */
function goBuildInfoBlob(goVersion: string, modinfo: string, flags = 0x2): Buffer {
  const header = Buffer.alloc(32);
  Buffer.from("\xff Go buildinf:", "latin1").copy(header);
  header[14] = 8;
  header[15] = flags;
  const sentinel = Buffer.alloc(16, 0xaa);
  const wrapped = Buffer.concat([sentinel, Buffer.from(modinfo), sentinel]);
  return Buffer.concat([header, uvarint(goVersion.length), Buffer.from(goVersion), uvarint(wrapped.length), wrapped]);
}

function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

describe("npm analyzer", () => {
  it("wants exactly the package.json at package roots, at any depth and scoped", () => {
    const wanted = [
      "usr/lib/node_modules/npm/package.json",
      "app/node_modules/express/package.json",
      "app/node_modules/@types/node/package.json",
      "usr/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json",
      "node_modules/a/node_modules/b/package.json",
    ];
    const unwanted = [
      "app/package.json",
      "node_modules/package.json",
      "node_modules/@types/package.json",
      "node_modules/.bin/package.json",
      "node_modules/.package-lock.json",
      "node_modules/express/lib/package.json",
      "node_modules/express/package.json.bak",
      "node_modules/@/x/package.json",
    ];
    expect(wanted.map((path) => npmAnalyzer.wants(path))).toEqual(wanted.map(() => 1024 * 1024));
    expect(unwanted.map((path) => npmAnalyzer.wants(path))).toEqual(unwanted.map(() => undefined));
  });

  it("lists this repository's own node_modules exactly as package-lock.json records them", () => {
    const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as {
      packages: Record<string, { name?: string; version?: string; link?: boolean }>;
    };
    // Installed entries only: optional packages for other platforms are in the lock but not on disk.
    const expected = Object.entries(lock.packages)
      .filter(([key, entry]) => key.includes("node_modules/") && !entry.link && existsSync(join(key, "package.json")))
      .map(([key, entry]) => `${entry.name ?? key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length)}@${entry.version}`)
      .sort();
    const notes: string[] = [];
    const packages = npmAnalyzer.analyze(viewOfTree(npmAnalyzer, "node_modules", "node_modules/"), undefined, notes);
    expect(expected.length).toBeGreaterThan(50);
    expect(nameVersions(packages)).toEqual(expected);
    expect(notes).toEqual([]);
    const vitest = packages.find((found) => found.path === "node_modules/vitest/package.json");
    expect(vitest).toMatchObject({ name: "vitest", ecosystem: "npm", layer: LAYER, purl: `pkg:npm/vitest@${vitest?.version}` });
  });

  it("writes a scope as an encoded purl namespace", () => {
    const [found] = npmAnalyzer.analyze(
      viewOf({ "node_modules/@types/node/package.json": '{"name":"@types/node","version":"20.19.43"}' }),
      undefined,
    );
    expect(found?.purl).toBe("pkg:npm/%40types/node@20.19.43");
  });

  it("skips binary junk, malformed JSON and manifests without name or version with one note for all", () => {
    const notes: string[] = [];
    const packages = npmAnalyzer.analyze(
      viewOf({
        "node_modules/junk/package.json": Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe]),
        "node_modules/broken/package.json": '{"name": "broken", "version": ',
        "node_modules/unnamed/package.json": '{"version": "1.0.0"}',
        "node_modules/array/package.json": "[1, 2]",
        "node_modules/hostile/package.json": '{"name": "../../etc/passwd", "version": "1.0.0"}',
        "node_modules/good/package.json": '{"name": "good", "version": "1.2.3"}',
      }),
      undefined,
      notes,
    );
    expect(nameVersions(packages)).toEqual(["good@1.2.3"]);
    expect(notes).toEqual([
      "npm: skipped 5 package.json files under node_modules without a usable name and version (first: node_modules/junk/package.json: not JSON)",
    ]);
  });
});

describe("Python analyzer", () => {
  it("wants METADATA, PKG-INFO and .egg-info files in site-packages or dist-packages only", () => {
    const wanted = [
      "usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO",
      "usr/local/lib/python3.12/site-packages/requests-2.32.3.dist-info/METADATA",
      "opt/venv/lib/python3.11/site-packages/six-1.16.0.egg-info",
      "usr/lib/python3/dist-packages/dbus_python-1.3.2.egg-info",
    ];
    const unwanted = [
      "usr/lib/python3/dist-packages/requests-2.32.3.dist-info/RECORD",
      "src/requests-2.32.3.dist-info/METADATA",
      "usr/lib/python3/dist-packages/urllib3/__init__.py",
      "usr/lib/python3/dist-packages/x.egg-info/requires.txt",
    ];
    expect(wanted.map((path) => pythonAnalyzer.wants(path))).toEqual(wanted.map(() => 4 * 1024 * 1024));
    expect(unwanted.map((path) => pythonAnalyzer.wants(path))).toEqual(unwanted.map(() => undefined));
  });

  it("reads Debian's python3-urllib3 egg-info and python3-yaml dist-info", () => {
    const packages = pythonAnalyzer.analyze(viewOfTree(pythonAnalyzer, join(FIXTURES, "python")), undefined, []);
    expect(packages.map(({ name, version, ecosystem, purl, path }) => ({ name, version, ecosystem, purl, path }))).toEqual(
      expect.arrayContaining([
        {
          name: "urllib3",
          version: "1.26.12",
          ecosystem: "PyPI",
          purl: "pkg:pypi/urllib3@1.26.12",
          path: "usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info/PKG-INFO",
        },
        {
          name: "PyYAML",
          version: "6.0",
          ecosystem: "PyPI",
          purl: "pkg:pypi/pyyaml@6.0",
          path: "usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA",
        },
      ]),
    );
    expect(packages).toHaveLength(2);
  });

  const systemPython =
    realPartAvailable("Debian's python3", "/usr/bin/python3", "apt-get install -y python3") &&
    realPartAvailable("Debian's python3 dist-packages", DIST_PACKAGES, "apt-get install -y python3-yaml (any python3-* package)", "read");
  it.skipIf(!systemPython)("lists what Python's importlib.metadata finds in this machine's dist-packages", () => {
    const script = `import importlib.metadata as m, json; print(json.dumps([[d.metadata["Name"], d.version] for d in m.distributions(path=[${JSON.stringify(DIST_PACKAGES)}])]))`;
    const found = JSON.parse(execFileSync("/usr/bin/python3", ["-c", script], { encoding: "utf8" })) as [string, string][];
    const expected = [...new Set(found.map(([name, version]) => `${normalisedName(name)}@${version}`))].sort();
    const notes: string[] = [];
    const packages = pythonAnalyzer.analyze(viewOfTree(pythonAnalyzer, DIST_PACKAGES, "usr/lib/python3/dist-packages/"), undefined, notes);
    expect(expected.length).toBeGreaterThan(5);
    expect(packages.map((found) => `${normalisedName(found.name)}@${found.version}`).sort()).toEqual(expected);
    expect(notes).toEqual([]);
  });

  it("normalises names as PEP 503 says", () => {
    expect(["Zope.Interface", "typing_extensions", "ruamel.yaml.clib", "Foo-._Bar"].map(normalisedName)).toEqual([
      "zope-interface",
      "typing-extensions",
      "ruamel-yaml-clib",
      "foo-bar",
    ]);
  });

  it("reads folded headers and stops at the body; notes malformed, binary and incomplete metadata", () => {
    const site = "usr/lib/python3.11/site-packages";
    const notes: string[] = [];
    const packages = pythonAnalyzer.analyze(
      viewOf({
        [`${site}/ok-1.0.dist-info/METADATA`]:
          "Metadata-Version: 2.1\r\nName: Ok_Pkg\r\nLicense: first line\r\n  continued line\r\nVersion: 1!2.0+deb1\r\n\r\nName: body-is-not-read\n",
        [`${site}/nocolon-1.0.dist-info/METADATA`]: "Metadata-Version: 2.1\nthis is not a header\n",
        [`${site}/binary-1.0.dist-info/METADATA`]: Buffer.from([0x4e, 0x61, 0x6d, 0x65, 0x3a, 0, 0xff]),
        [`${site}/noversion-1.0.dist-info/METADATA`]: "Name: noversion\n",
        [`${site}/hostile-1.0.dist-info/METADATA`]: "Name: ../../etc\nVersion: 1.0\n",
      }),
      undefined,
      notes,
    );
    expect(packages.map(({ name, version, purl }) => ({ name, version, purl }))).toEqual([
      { name: "Ok_Pkg", version: "1!2.0+deb1", purl: "pkg:pypi/ok-pkg@1%212.0%2Bdeb1" },
    ]);
    expect(notes).toEqual([
      `${site}/nocolon-1.0.dist-info/METADATA: not listed: line 2 is not a \`Header: value\` line`,
      `${site}/binary-1.0.dist-info/METADATA: not listed: binary data, not package metadata`,
      `${site}/noversion-1.0.dist-info/METADATA: not listed: no Version header`,
      `${site}/hostile-1.0.dist-info/METADATA: not listed: Name is not a distribution name`,
    ]);
  });

  it("lists a distribution once when both its dist-info and egg-info are there", () => {
    const site = "usr/lib/python3/dist-packages";
    const metadata = "Name: cryptography\nVersion: 38.0.4\n";
    const packages = pythonAnalyzer.analyze(
      viewOf({ [`${site}/cryptography-38.0.4.dist-info/METADATA`]: metadata, [`${site}/cryptography.egg-info/PKG-INFO`]: metadata }),
      undefined,
    );
    expect(nameVersions(packages)).toEqual(["cryptography@38.0.4"]);
  });
});

describe("Go binary analyzer", () => {
  it("wants files in binary directories, application roots and the image root, not data files", () => {
    const wanted = [
      "usr/bin/docker-registry",
      "usr/local/bin/app",
      "bin/server",
      "sbin/x",
      "opt/tool/run",
      "app/main",
      "ko-app/hello",
      "manager",
      "kubectl.1.27",
    ];
    const unwanted = [
      "usr/share/doc/x/README",
      "etc/passwd",
      "usr/bin/script.sh",
      "opt/app/config.yaml",
      "usr/lib/x86_64-linux-gnu/libc.so.6",
      "app/static/logo.png",
    ];
    expect(wanted.map((path) => goBinaryAnalyzer.wants(path))).toEqual(wanted.map(() => 128 * 1024 * 1024));
    expect(unwanted.map((path) => goBinaryAnalyzer.wants(path))).toEqual(unwanted.map(() => undefined));
  });

  it("turns toolchain versions into the semver the Go vulnerability database uses", () => {
    expect(["go1.19.8", "go1.20", "go1.21rc2", "go1.22.5 X:nocoverageredesign", "devel go1.23-abc", "gofoo"].map(stdlibVersion)).toEqual([
      "v1.19.8",
      "v1.20.0",
      "v1.21.0-rc.2",
      "v1.22.5",
      undefined,
      undefined,
    ]);
  });

  for (const binary of ["docker-registry", "skopeo", "umoci"]) {
    const path = `/usr/bin/${binary}`;
    const here = realPartAvailable(binary, path, `apt-get install -y ${binary}`, "read");
    it.skipIf(!here)(`reads ${path} from Debian: Go 1.19.8, built without modules (stdlib only)`, () => {
      // Debian's Built-Using names the toolchain it was built with, independently of the binary.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
      const builtUsing = execFileSync("dpkg-query", ["-W", "-f", "${Built-Using}", binary], { encoding: "utf8" });
      expect(builtUsing).toMatch(/golang-1\.19 \(= 1\.19\.8-/);
      const notes: string[] = [];
      const packages = goBinaryAnalyzer.analyze(viewOf({ [`usr/bin/${binary}`]: readFileSync(path) }), undefined, notes);
      expect(packages).toEqual([
        { name: "stdlib", version: "v1.19.8", ecosystem: "Go", purl: "pkg:golang/stdlib@v1.19.8", layer: LAYER, path: `usr/bin/${binary}` },
      ]);
      expect(notes).toEqual([]);
    });
  }

  const registryHere = realPartAvailable("docker-registry", "/usr/bin/docker-registry", "apt-get install -y docker-registry", "read");
  it.skipIf(!registryHere)("reads the build information of docker-registry with and without ELF section headers", () => {
    const binary = readFileSync("/usr/bin/docker-registry");
    const expected = { goVersion: "go1.19.8", path: "github.com/docker/distribution/cmd/registry", deps: [] };
    expect(buildInfo(binary)).toEqual(expected);
    // Cut before the section headers (at the end of the file) but after the build information: the magic is searched for.
    const sectionHeaders = Number(binary.readBigUInt64LE(0x28));
    const withoutSections = binary.subarray(0, sectionHeaders - 1);
    expect(buildInfo(withoutSections)).toEqual(expected);
  });

  it.skipIf(!registryHere)("finds nothing in a truncated ELF file, without an error", () => {
    const binary = readFileSync("/usr/bin/docker-registry");
    for (const length of [3, 20, 63, 64, 4096, 1024 * 1024]) expect(buildInfo(binary.subarray(0, length))).toBeUndefined();
  });

  it("finds nothing in an ELF binary that is not Go", () => {
    const notes: string[] = [];
    expect(goBinaryAnalyzer.analyze(viewOf({ "usr/bin/node": readFileSync(process.execPath) }), undefined, notes)).toEqual([]);
    expect(notes).toEqual([]);
  });

  it("reads kubectl 1.27's build information: stdlib, every dependency, and no locally replaced module", () => {
    const notes: string[] = [];
    const packages = goBinaryAnalyzer.analyze(viewOf({ "usr/local/bin/kubectl": KUBECTL_BUILD_INFO }), undefined, notes);
    expect(notes).toEqual([]);
    // 82 dep lines, 8 of them replaced by ./staging directories; the main module is (devel).
    expect(packages).toHaveLength(1 + 82 - 8);
    expect(packages[0]).toMatchObject({ name: "stdlib", version: "v1.22.5", purl: "pkg:golang/stdlib@v1.22.5" });
    const byName = new Map(packages.map((found) => [found.name, found]));
    expect(byName.get("sigs.k8s.io/kustomize/kustomize/v5")).toMatchObject({
      version: "v5.0.1",
      ecosystem: "Go",
      purl: "pkg:golang/sigs.k8s.io/kustomize/kustomize/v5@v5.0.1",
    });
    expect(byName.get("github.com/docker/distribution")?.purl).toBe("pkg:golang/github.com/docker/distribution@v2.8.1%2Bincompatible");
    expect(byName.get("golang.org/x/net")?.version).toBe("v0.23.0");
    expect(["k8s.io/api", "k8s.io/client-go", "k8s.io/kubernetes"].filter((name) => byName.has(name))).toEqual([]);
  });

  it("reports a replacement module with a version in place of the module it replaces, and a released main module", () => {
    const modinfo = [
      "path\texample.com/app/cmd/app",
      "mod\texample.com/app\tv1.4.0\th1:abc=",
      "dep\tgoogle.golang.org/api\tv0.126.0",
      "=>\tgoogle.golang.org/api\tv0.92.0\th1:def=",
      "dep\tgithub.com/pkg/errors\tv0.9.1\th1:ghi=",
      "",
    ].join("\n");
    const packages = goBinaryAnalyzer.analyze(viewOf({ app: goBuildInfoBlob("go1.21.11 X:nocoverageredesign", modinfo) }), undefined);
    expect(nameVersions(packages)).toEqual([
      "example.com/app@v1.4.0",
      "github.com/pkg/errors@v0.9.1",
      "google.golang.org/api@v0.92.0",
      "stdlib@v1.21.11",
    ]);
  });

  it("notes, without reading out of bounds, forged lengths, the pre-1.18 pointer format and development toolchains", () => {
    const forged = goBuildInfoBlob("go1.21.0", "");
    const hugeLength = Buffer.concat([forged.subarray(0, 32), uvarint(2 ** 31 - 1), Buffer.from("go1.21.0")]);
    const endlessVarint = Buffer.concat([forged.subarray(0, 32), Buffer.alloc(64, 0xff)]);
    const cut = goBuildInfoBlob("go1.21.0", "path\tx\n".repeat(10)).subarray(0, 60);
    const notes: string[] = [];
    const packages = goBinaryAnalyzer.analyze(
      viewOf({
        "bin/huge": hugeLength,
        "bin/endless": endlessVarint,
        "bin/cut": cut,
        "bin/old": goBuildInfoBlob("go1.16", "", 0x0),
        "bin/devel": goBuildInfoBlob("devel go1.23-abc", ""),
        "bin/notgo": goBuildInfoBlob("rust1.80", ""),
      }),
      undefined,
      notes,
    );
    expect(packages).toEqual([]);
    expect(notes).toEqual([
      "bin/huge: Go build information not read: the Go version claims 2147483647 bytes where 8 remain",
      "bin/endless: Go build information not read: the Go version has a length that is too large",
      "bin/cut: Go build information not read: the module information claims 102 bytes where 18 remain",
      "bin/old: Go build information not read: it uses the pointer format of Go before 1.18, which is not read",
      'bin/devel: Go toolchain version "devel go1.23-abc" is not a release; package stdlib is not listed',
      'bin/notgo: Go build information not read: the Go version is not a Go version ("rust1.80")',
    ]);
  });

  it("skips magic bytes that are not 16-byte aligned or not followed by build information", () => {
    const real = goBuildInfoBlob("go1.22.1", "");
    const decoy = Buffer.concat([Buffer.from("\xff Go buildinf:", "latin1"), Buffer.alloc(18, 0x00)]);
    const content = Buffer.concat([Buffer.alloc(3), real.subarray(0, 20), Buffer.alloc(9), decoy, real]);
    expect(buildInfo(content)).toMatchObject({ goVersion: "go1.22.1" });
  });
});
