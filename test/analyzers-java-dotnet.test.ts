import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ImageFile } from "../core/src/image/types.js";
import { dotnetAnalyzer } from "../core/src/inventory/analyzers/dotnet.js";
import { javaAnalyzer, javaExcerpt, manifestMainSection } from "../core/src/inventory/analyzers/java.js";
import type { Analyzer, InventoryPackage } from "../core/src/inventory/types.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const LAYER = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
const FIXTURES = resolve("test/fixtures/java-dotnet");
const SLF4J_API = readFileSync(join(FIXTURES, "slf4j-api.jar"));
const DEBIAN_JAVA = "/usr/share/java";
const hasZip = realPartAvailable("zip", "/usr/bin/zip", "apt-get install zip");
const hasUnzip = realPartAvailable("unzip", "/usr/bin/unzip", "apt-get install unzip");
const hasJq = realPartAvailable("jq", "/usr/bin/jq", "apt-get install jq");
const hasDebianJars = realPartAvailable(
  "commons-lang3",
  `${DEBIAN_JAVA}/commons-lang3.jar`,
  "apt-get install libcommons-lang3-java libslf4j-java",
  "read",
);

function run(analyzer: Analyzer, contents: Record<string, Buffer | string>): { packages: InventoryPackage[]; notes: string[] } {
  const files = new Map<string, ImageFile>();
  for (const [path, content] of Object.entries(contents)) {
    expect(analyzer.wants(path), path).toBeDefined();
    files.set(path, { path, content: Buffer.from(content), mode: 0o100644, layer: LAYER });
  }
  const notes: string[] = [];
  const packages = analyzer.analyze(files, undefined, notes);
  if (analyzer.excerpt) expect(analyzedFromExcerpts(analyzer, files)).toEqual({ packages, notes });
  return { packages, notes };
}

/** What `analyze` finds when the layer walk keeps only excerpts (an empty excerpt of a non-empty file drops it). */
function analyzedFromExcerpts(analyzer: Analyzer, files: Map<string, ImageFile>): { packages: InventoryPackage[]; notes: string[] } {
  const excerpts = new Map<string, ImageFile>();
  for (const [path, file] of files) {
    const content = analyzer.excerpt?.(path, file.content) ?? file.content;
    if (content.length > 0 || file.content.length === 0) excerpts.set(path, { ...file, content });
  }
  const notes: string[] = [];
  return { packages: analyzer.analyze(excerpts, undefined, notes), notes };
}

function nameVersions(packages: InventoryPackage[]): string[] {
  return packages.map((found) => `${found.name}@${found.version}`).sort();
}

/** A ZIP built by Info-ZIP's `zip` from `files` (relative path → content), entries in the order given. */
function zipOf(files: Record<string, Buffer | string>, options: string[] = []): Buffer {
  const root = tempTree();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, "in", path)), { recursive: true });
    writeFileSync(join(root, "in", path), content);
  }
  execFileSync("zip", ["-q", "-X", ...options, join(root, "out.zip"), ...Object.keys(files)], { cwd: join(root, "in") });
  return readFileSync(join(root, "out.zip"));
}

/** The offset of the last occurrence of a little-endian 32-bit signature. */
function lastSignature(archive: Buffer, signature: number): number {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(signature);
  return archive.lastIndexOf(bytes);
}

describe("java analyzer on real Debian jars", () => {
  it("wants jars, wars and ears anywhere, capped, and nothing else", () => {
    expect(javaAnalyzer.wants("usr/share/java/slf4j-api.jar")).toBe(64 * 1024 * 1024);
    expect(javaAnalyzer.wants("opt/app/app.WAR")).toBeDefined();
    expect(javaAnalyzer.wants("srv/app.ear")).toBeDefined();
    expect(javaAnalyzer.wants("usr/share/java/slf4j-api.jar.sha1")).toBeUndefined();
    expect(javaAnalyzer.wants("usr/lib/app.zip")).toBeUndefined();
  });

  it("reads groupId:artifactId and version from pom.properties (libslf4j-java 1.7.32-1)", () => {
    const { packages, notes } = run(javaAnalyzer, { "usr/share/java/slf4j-api.jar": SLF4J_API });
    expect(notes).toEqual([]);
    expect(packages).toEqual([
      {
        name: "org.slf4j:slf4j-api",
        version: "1.7.32",
        ecosystem: "Maven",
        purl: "pkg:maven/org.slf4j/slf4j-api@1.7.32",
        layer: LAYER,
        path: "usr/share/java/slf4j-api.jar",
      },
    ]);
  });

  it.runIf(hasDebianJars && hasUnzip)("lists exactly what `unzip -p` finds in every pom.properties of /usr/share/java", () => {
    const jars = readdirSync(DEBIAN_JAVA).filter((name) => name.endsWith(".jar") && lstatSync(join(DEBIAN_JAVA, name)).isFile());
    expect(jars.length).toBeGreaterThanOrEqual(10);
    let withPoms = 0;
    for (const jar of jars) {
      const full = join(DEBIAN_JAVA, jar);
      const oracle = pomsByUnzip(full);
      const { packages } = run(javaAnalyzer, { [full.slice(1)]: readFileSync(full) });
      if (oracle.length === 0) continue;
      withPoms++;
      expect(nameVersions(packages), jar).toEqual(oracle);
    }
    expect(withPoms).toBeGreaterThanOrEqual(10);
  });

  it("guesses a jar without pom.properties from MANIFEST.MF or its file name, and says so", () => {
    const fixture = (name: string) => readFileSync(join(FIXTURES, name));
    const { packages, notes } = run(javaAnalyzer, {
      "usr/share/java/atinject-jsr330-api-1.0.jar": fixture("atinject-jsr330-api-1.0.jar"),
      "usr/share/java/guice-jndi.jar": fixture("guice-jndi.jar"),
      "usr/share/java/aopalliance-1.0.jar": fixture("aopalliance-1.0.jar"),
    });
    expect(nameVersions(packages)).toEqual(["aopalliance@1.0", "com.google.inject.jndi@4.2.3", "javax.inject@1.0.0"]);
    expect(packages.find((found) => found.name === "javax.inject")?.purl).toBe("pkg:maven/javax.inject/javax.inject@1.0.0");
    expect(notes).toEqual([
      "java: usr/share/java/atinject-jsr330-api-1.0.jar: no pom.properties; javax.inject 1.0.0 guessed from MANIFEST.MF Bundle-SymbolicName/Bundle-Version (lower confidence, group unknown)",
      "java: usr/share/java/guice-jndi.jar: no pom.properties; com.google.inject.jndi 4.2.3 guessed from MANIFEST.MF Bundle-SymbolicName/Bundle-Version (lower confidence, group unknown)",
      "java: usr/share/java/aopalliance-1.0.jar: no pom.properties; aopalliance 1.0 guessed from the file name (lower confidence, group unknown)",
    ]);
  });

  it("joins manifest lines wrapped at 72 bytes (libguice-java's guice-jndi.jar)", () => {
    const manifest = execFileSync("unzip", ["-p", join(FIXTURES, "guice-jndi.jar"), "META-INF/MANIFEST.MF"]);
    const headers = manifestMainSection(manifest);
    expect(headers.get("Bundle-Description")).toBe("Guice is a lightweight dependency injection framework for Java 6 and above");
    expect(headers.get("Require-Capability")).toBe('osgi.ee;filter:="(&(osgi.ee=JavaSE)(version=1.8))"');
  });
});

/** `group:artifact@version` of every pom.properties in the jar, read by Info-ZIP's unzip. */
function pomsByUnzip(jar: string): string[] {
  const listing = execFileSync("unzip", ["-Z1", jar]).toString().split("\n");
  return listing
    .filter((entry) => /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(entry))
    .map((entry) => {
      const text = execFileSync("unzip", ["-p", jar, entry]).toString();
      const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(text)?.[1]?.trim();
      return `${value("groupId")}:${value("artifactId")}@${value("version")}`;
    })
    .sort();
}

describe.runIf(hasZip)("java analyzer on nested and built archives", () => {
  const aopalliance = readFileSync(join(FIXTURES, "aopalliance-1.0.jar"));

  it("reads jars nested in a war nested in an ear, stored or deflated, and names the chain", () => {
    const war = zipOf({
      "WEB-INF/lib/slf4j-api.jar": SLF4J_API,
      "WEB-INF/lib/aopalliance-1.0.jar": aopalliance,
      "index.html": "<p>hi</p>",
    });
    const ear = zipOf({ "shop.war": war }, ["-0"]);
    const { packages, notes } = run(javaAnalyzer, { "srv/shop.ear": ear });
    expect(packages.map((found) => `${found.path} ${found.purl}`).sort()).toEqual([
      "srv/shop.ear!/shop.war!/WEB-INF/lib/aopalliance-1.0.jar pkg:maven/aopalliance/aopalliance@1.0",
      "srv/shop.ear!/shop.war!/WEB-INF/lib/slf4j-api.jar pkg:maven/org.slf4j/slf4j-api@1.7.32",
    ]);
    // Neither the war nor the ear has pom.properties, a manifest or a version in its name.
    expect(notes).toEqual([
      "java: srv/shop.ear!/shop.war!/WEB-INF/lib/aopalliance-1.0.jar: no pom.properties; aopalliance 1.0 guessed from the file name (lower confidence, group unknown)",
    ]);
  });

  it("stops following archives nested more than three deep, with a note", () => {
    let archive: Buffer = SLF4J_API;
    for (let level = 5; level >= 1; level--) archive = zipOf({ [`lib/level${level}.jar`]: archive });
    const { packages, notes } = run(javaAnalyzer, { "app/outer.jar": archive });
    expect(packages).toEqual([]);
    expect(notes).toEqual([
      "java: app/outer.jar!/lib/level1.jar!/lib/level2.jar!/lib/level3.jar!/lib/level4.jar: not read, nested more than 3 archives deep",
    ]);
    const shallow = zipOf({ "lib/level1.jar": zipOf({ "lib/level2.jar": zipOf({ "lib/slf4j-api.jar": SLF4J_API }) }) });
    expect(run(javaAnalyzer, { "app/outer.jar": shallow }).packages.map((found) => found.path)).toEqual([
      "app/outer.jar!/lib/level1.jar!/lib/level2.jar!/lib/slf4j-api.jar",
    ]);
  });

  it("reads an executable jar with a launch script in front, and a ZIP64 archive", () => {
    const script = Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n');
    const { packages } = run(javaAnalyzer, { "app/run.jar": Buffer.concat([script, SLF4J_API]) });
    expect(nameVersions(packages)).toEqual(["org.slf4j:slf4j-api@1.7.32"]);
    const zip64 = zipOf({ "BOOT-INF/lib/slf4j-api.jar": SLF4J_API }, ["-fz"]);
    expect(zip64.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    expect(nameVersions(run(javaAnalyzer, { "app/boot.jar": zip64 }).packages)).toEqual(["org.slf4j:slf4j-api@1.7.32"]);
  });

  it("skips malformed, binary and encrypted pom.properties with a note, and falls back to the file name", () => {
    const pom = "META-INF/maven/com.example/app/pom.properties";
    // An unresolved Maven placeholder `${project.version}`, split so it is not taken for a template literal.
    const unresolved = zipOf({ [pom]: "groupId=com.example\nartifactId=app\nversion=$" + "{project.version}\n" });
    const binary = zipOf({ [pom]: Buffer.from([0, 1, 2, 0xff, 0x3d, 0]) });
    const encrypted = zipOf({ [pom]: "groupId=com.example\nartifactId=app\nversion=1.0\n" }, ["-P", "secret"]);
    const { packages, notes } = run(javaAnalyzer, {
      "app/app-1.0.jar": unresolved,
      "app/binary.jar": binary,
      "app/secret.jar": encrypted,
    });
    expect(nameVersions(packages)).toEqual(["app@1.0"]);
    expect(notes).toEqual([
      `java: app/app-1.0.jar!/${pom}: not listed: no valid version`,
      "java: app/app-1.0.jar: no pom.properties; app 1.0 guessed from the file name (lower confidence, group unknown)",
      `java: app/binary.jar!/${pom}: not listed: not a properties file`,
      `java: app/secret.jar!/${pom} is encrypted`,
    ]);
  });
});

describe.runIf(hasZip)("java analyzer on hostile archives", () => {
  it("refuses a nested jar that declares more than the cap without inflating it (zip bomb)", () => {
    const root = tempTree();
    mkdirSync(join(root, "lib"));
    // A sparse file: 100 MiB of zeros that deflate to about 100 KiB.
    execFileSync("truncate", ["-s", "100M", join(root, "lib/zeros.jar")]);
    execFileSync("zip", ["-q", "-X", "bomb.jar", "lib/zeros.jar"], { cwd: root });
    const bomb = readFileSync(join(root, "bomb.jar"));
    expect(bomb.length).toBeLessThan(200 * 1024);
    const started = performance.now();
    const { packages, notes } = run(javaAnalyzer, { "app/bomb-2.0.jar": bomb });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(nameVersions(packages)).toEqual(["bomb@2.0"]);
    expect(notes[1]).toBe(
      "java: app/bomb-2.0.jar!/lib/zeros.jar is 104857600 bytes uncompressed, over the 67108864-byte limit left for this archive",
    );
  });

  it("stops inflating an entry that lies about its size at the size it declares", () => {
    const pom = "META-INF/maven/com.example/app/pom.properties";
    const archive = zipOf({ [pom]: `groupId=com.example\nartifactId=app\nversion=1.0\n#${"x".repeat(1_000_000)}\n` });
    const central = lastSignature(archive, 0x02014b50);
    archive.writeUInt32LE(100, central + 24);
    const { packages, notes } = run(javaAnalyzer, { "app/liar.jar": archive });
    expect(packages).toEqual([]);
    expect(notes).toEqual([`java: app/liar.jar!/${pom} inflates past the 100 bytes its directory entry declares (a zip bomb?)`]);
  });

  it("stops at the byte budget of one image file when many entries each fit their cap", () => {
    const root = tempTree();
    mkdirSync(join(root, "lib"));
    const names = ["a", "b", "c", "d", "e"].map((name) => `lib/${name}.jar`);
    for (const name of names) execFileSync("truncate", ["-s", "60M", join(root, name)]);
    execFileSync("zip", ["-q", "-X", "many.jar", ...names], { cwd: root });
    const { notes } = run(javaAnalyzer, { "app/many.jar": readFileSync(join(root, "many.jar")) });
    // Each 60 MiB of zeros is read (and is not a ZIP) until 256 MiB are spent: four fit, the fifth does not.
    expect(notes.filter((note) => note.endsWith("not a ZIP archive (no end of central directory record)"))).toHaveLength(4);
    expect(notes.at(-1)).toBe(
      "java: app/many.jar!/lib/e.jar is 62914560 bytes uncompressed, over the 16777216-byte limit left for this archive",
    );
  });

  it("names the archive when its central directory or a local header points out of bounds", () => {
    const outside = Buffer.from(SLF4J_API);
    outside.writeUInt32LE(0x7fffffff, lastSignature(outside, 0x06054b50) + 16);
    const badLocal = Buffer.from(SLF4J_API);
    // The pom.properties entry of the central directory: its name's last occurrence, 46 bytes into the header.
    const central = badLocal.lastIndexOf("META-INF/maven/org.slf4j/slf4j-api/pom.properties") - 46;
    badLocal.writeUInt32LE(badLocal.length + 10, central + 42);
    const tooMany = Buffer.from(SLF4J_API);
    tooMany.writeUInt16LE(0xfffe, lastSignature(tooMany, 0x06054b50) + 10);
    const { packages, notes } = run(javaAnalyzer, {
      "a/outside.jar": outside,
      "a/local.jar": badLocal,
      "a/many.jar": tooMany,
      "a/truncated.jar": SLF4J_API.subarray(0, SLF4J_API.length / 2),
    });
    // The jar whose pom.properties is unreachable still names itself in MANIFEST.MF.
    expect(nameVersions(packages)).toEqual(["slf4j-api@1.7.32"]);
    expect(notes).toHaveLength(5);
    expect(notes[0]).toMatch(/^java: a\/outside\.jar: the central directory \(\d+ bytes at offset 2147483647\) lies outside the archive$/);
    expect(notes[1]).toMatch(
      /^java: a\/local\.jar!\/META-INF\/maven\/org\.slf4j\/slf4j-api\/pom\.properties: its local header \(offset \d+\) is missing or outside the archive$/,
    );
    expect(notes[2]).toMatch(/^java: a\/local\.jar: no pom\.properties; slf4j-api 1\.7\.32 guessed from MANIFEST\.MF Implementation-Title/);
    expect(notes[3]).toMatch(/^java: a\/many\.jar: the central directory claims 65534 entries, more than its \d+ bytes can hold$/);
    expect(notes[4]).toBe("java: a/truncated.jar is not a ZIP archive (no end of central directory record)");
  });

  it("names the entry whose deflated data is corrupt", () => {
    const pom = "META-INF/maven/com.example/app/pom.properties";
    const archive = zipOf({ [pom]: `groupId=com.example\nartifactId=app\nversion=1.0\n${"# padding line\n".repeat(50)}` });
    // The deflated data follows the 30-byte local header and the name at offset 0.
    archive.fill(0xff, 30 + pom.length + 2, 30 + pom.length + 12);
    const { notes } = run(javaAnalyzer, { "app/corrupt.jar": archive });
    expect(notes[0]).toMatch(
      new RegExp(`^java: app/corrupt\\.jar!/${pom.replaceAll(".", "\\.")} (does not inflate: |is \\d+ bytes uncompressed|: the CRC-32)`),
    );
  });
});

describe("java excerpt", () => {
  const fixtureJars = readdirSync(FIXTURES)
    .filter((name) => name.endsWith(".jar"))
    .map((name) => join(FIXTURES, name));
  const debianJars = hasDebianJars
    ? readdirSync(DEBIAN_JAVA)
        .map((name) => join(DEBIAN_JAVA, name))
        .filter((path) => path.endsWith(".jar") && lstatSync(path).isFile())
    : [];

  it("gives the same packages and notes as the whole jar, for every real jar, in under 2 KiB", () => {
    const jars = [...fixtureJars, ...debianJars];
    expect(jars.length).toBeGreaterThanOrEqual(hasDebianJars ? 14 : 4);
    let largest = 0;
    let identified = 0;
    for (const jar of jars) {
      const content = readFileSync(jar);
      const file: ImageFile = { path: jar.slice(1), content, mode: 0o100644, layer: LAYER };
      const excerpt = javaExcerpt(content);
      const fromExcerpt = analyzedFromExcerpts(javaAnalyzer, new Map([[file.path, file]]));
      const notes: string[] = [];
      expect(fromExcerpt, jar).toEqual({ packages: javaAnalyzer.analyze(new Map([[file.path, file]]), undefined, notes), notes });
      if (fromExcerpt.packages.length > 0) identified++;
      largest = Math.max(largest, excerpt.length);
    }
    expect(identified).toBeGreaterThanOrEqual(hasDebianJars ? 14 : 4);
    expect(largest).toBeLessThan(2048);
    console.info(`java excerpts: ${jars.length} jars, ${identified} identified, the largest excerpt ${largest} bytes`);
  });

  it("names the path the file is read under, not the one it was cut under (a hard link shares its target's excerpt)", () => {
    const excerpt = javaExcerpt(readFileSync(join(FIXTURES, "aopalliance-1.0.jar")));
    const { packages, notes } = run(javaAnalyzer, { "opt/lib/aopalliance-1.0.jar": excerpt });
    expect(packages.map((found) => `${found.path} ${found.purl}`)).toEqual([
      "opt/lib/aopalliance-1.0.jar pkg:maven/aopalliance/aopalliance@1.0",
    ]);
    expect(notes).toEqual([
      "java: opt/lib/aopalliance-1.0.jar: no pom.properties; aopalliance 1.0 guessed from the file name (lower confidence, group unknown)",
    ]);
    // Under a name without a version there is nothing to guess from.
    expect(run(javaAnalyzer, { "opt/lib/aop.jar": excerpt })).toEqual({ packages: [], notes: [] });
  });

  it("reads a file that only starts like an excerpt as the archive it is not, both ways", () => {
    const magic = javaExcerpt(Buffer.alloc(0)).subarray(0, 30).toString("latin1").split("[")[0] as string;
    for (const forged of [`${magic}{"not":"an array"}`, `${magic}[{"kind":"package","archive":""}]`, `${magic}[truncated`]) {
      expect(run(javaAnalyzer, { "app/forged.jar": forged }).notes).toEqual([
        "java: app/forged.jar is not a ZIP archive (no end of central directory record)",
      ]);
    }
  });

  it("keeps the note of a file that is not an archive", () => {
    const notArchive = javaExcerpt(Buffer.from("<html>not a jar</html>"));
    expect(run(javaAnalyzer, { "srv/page.war": notArchive }).notes).toEqual([
      "java: srv/page.war is not a ZIP archive (no end of central directory record)",
    ]);
    expect(run(javaAnalyzer, { "srv/empty.jar": Buffer.alloc(0) }).notes).toEqual([
      "java: srv/empty.jar is not a ZIP archive (no end of central directory record)",
    ]);
  });
});

describe("dotnet analyzer", () => {
  const SARIF_DEPS = readFileSync(join(FIXTURES, "Sarif.Multitool.deps.json"));

  it("wants *.deps.json anywhere and nothing else", () => {
    expect(dotnetAnalyzer.wants("app/Sarif.Multitool.deps.json")).toBe(16 * 1024 * 1024);
    expect(dotnetAnalyzer.wants("usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json")).toBeDefined();
    expect(dotnetAnalyzer.wants("app/deps.json")).toBeUndefined();
    expect(dotnetAnalyzer.wants("app/Sarif.Multitool.runtimeconfig.json")).toBeUndefined();
  });

  it("lists the package and runtime pack libraries of a real deps.json (SARIF Multitool 5.7.0), not its projects", () => {
    const { packages, notes } = run(dotnetAnalyzer, { "app/Sarif.Multitool.deps.json": SARIF_DEPS });
    expect(notes).toEqual([]);
    expect(packages).toHaveLength(143);
    expect(packages).toContainEqual({
      name: "Azure.Core",
      version: "1.44.1",
      ecosystem: "NuGet",
      purl: "pkg:nuget/Azure.Core@1.44.1",
      layer: LAYER,
      path: "app/Sarif.Multitool.deps.json",
    });
    expect(packages.map((found) => found.purl)).toContain("pkg:nuget/Microsoft.NETCore.App.Runtime.linux-x64@8.0.30");
    expect(packages.map((found) => found.name)).not.toContain("Sarif.Multitool");
  });

  it.runIf(hasJq)("agrees with jq on every package library of the real deps.json", () => {
    const oracle = execFileSync("jq", [
      "-r",
      '.libraries | to_entries[] | select(.value.type == "package") | .key',
      join(FIXTURES, "Sarif.Multitool.deps.json"),
    ])
      .toString()
      .trim()
      .split("\n")
      .map((key) => key.replace("/", "@"))
      .sort();
    expect(oracle).toHaveLength(142);
    const { packages } = run(dotnetAnalyzer, { "app/Sarif.Multitool.deps.json": SARIF_DEPS });
    expect(nameVersions(packages).filter((found) => !found.startsWith("Microsoft.NETCore.App.Runtime."))).toEqual(oracle);
  });

  it("notes malformed JSON and wrong types, naming the file and the library, without throwing", () => {
    const document = (libraries: unknown) => JSON.stringify({ runtimeTarget: { name: ".NETCoreApp,Version=v8.0" }, libraries });
    const { packages, notes } = run(dotnetAnalyzer, {
      "a/truncated.deps.json": SARIF_DEPS.subarray(0, 1000),
      "a/array.deps.json": "[1, 2]",
      "a/list.deps.json": document(["Newtonsoft.Json/13.0.3"]),
      "a/mixed.deps.json": document({
        "App/1.0.0": { type: "project", serviceable: false, sha512: "" },
        "Newtonsoft.Json/13.0.3": { type: "package", serviceable: true },
        NoVersion: { type: "package" },
        "Bad/not a version": { type: "package" },
        "Typeless/1.0.0": {},
        "Strange/1.0.0": "package",
      }),
    });
    expect(nameVersions(packages)).toEqual(["Newtonsoft.Json@13.0.3"]);
    expect(notes[0]).toMatch(/^dotnet: a\/truncated\.deps\.json: not read: not JSON \(.+\)$/);
    expect(notes.slice(1)).toEqual([
      "dotnet: a/array.deps.json: not read: not a JSON object",
      "dotnet: a/list.deps.json: not read: no `libraries` object",
      'dotnet: a/mixed.deps.json: library "NoVersion" not listed: not a `name/version` key with a NuGet id',
      'dotnet: a/mixed.deps.json: library "Bad/not a version" not listed: not a NuGet version',
      'dotnet: a/mixed.deps.json: library "Typeless/1.0.0" not listed: no `type`',
      'dotnet: a/mixed.deps.json: library "Strange/1.0.0" not listed: not a JSON object',
    ]);
  });
});
