import { execFileSync } from "node:child_process";
import { accessSync, constants, copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { deflateSync, inflateSync } from "node:zlib";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { inventoryImage } from "../core/src/image/inventory-image.js";
import type { ImageFile } from "../core/src/image/types.js";
import { buildInfoExcerpt, goBinaryAnalyzer } from "../core/src/inventory/analyzers/go-binary.js";
import { auditDataExcerpt, rustAnalyzer } from "../core/src/inventory/analyzers/rust.js";
import { excerptForAnalyzers, wantedByAnalyzers } from "../core/src/inventory/inventory.js";
import type { InventoryPackage } from "../core/src/inventory/types.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const FIXTURES = "test/fixtures/rust";
const DEPS_JSON = readFileSync(join(FIXTURES, "deps.json"));
const KUBECTL_BUILD_INFO = readFileSync("test/fixtures/analyzers/go/kubectl-1.27.go.buildinfo");
const LAYER = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
const APP = "usr/local/bin/grepper";
const REGISTRY = "/usr/bin/docker-registry";
const UMOCI = "/usr/bin/umoci";
const MiB = 1024 * 1024;

/** rustc from PATH (Debian's package) or from rustup's default place. */
function rustcPath(): string {
  const candidates = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), join(homedir(), ".cargo/bin")];
  const executable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  return candidates.map((directory) => join(directory, "rustc")).find(executable) ?? join(homedir(), ".cargo/bin/rustc");
}

const RUSTC = rustcPath();
const hasRustc = realPartAvailable("rustc", RUSTC, "apt-get install -y rustc (or rustup's default toolchain)");
const hasRegistry = realPartAvailable("docker-registry", REGISTRY, "apt-get install -y docker-registry", "read");
const hasUmoci = realPartAvailable("umoci", UMOCI, "apt-get install -y umoci");
const OBJCOPY = "/usr/bin/objcopy";
const hasObjcopy = realPartAvailable("objcopy", OBJCOPY, "apt-get install -y binutils");

/** The runtime crates.io packages of deps.json, read off the fixture by hand: not build, not git/registry, not the local root. */
const EXPECTED_CRATES = [
  ["aho-corasick", "1.1.3"],
  ["memchr", "2.7.2"],
  ["regex", "1.10.4"],
  ["regex-automata", "0.4.6"],
  ["regex-syntax", "0.8.3"],
  ["serde", "1.0.197"],
  ["zstd-sys", "2.0.10+zstd.1.5.6"],
];
const EXPECTED_PURLS = [
  "pkg:cargo/aho-corasick@1.1.3",
  "pkg:cargo/memchr@2.7.2",
  "pkg:cargo/regex@1.10.4",
  "pkg:cargo/regex-automata@0.4.6",
  "pkg:cargo/regex-syntax@0.8.3",
  "pkg:cargo/serde@1.0.197",
  "pkg:cargo/zstd-sys@2.0.10%2Bzstd.1.5.6",
];
const NOT_FROM_CRATES_IO = `${APP}: Rust crates not from crates.io, left out (2): fixture-util 0.3.0 (git), internal-logging 1.2.0 (registry)`;

/** Compiles test/fixtures/rust/auditable.rs with these compressed bytes in its `.dep-v0` section. */
function compileAuditable(compressed: Buffer): string {
  const dir = tempTree({ "deps.zlib": compressed });
  copyFileSync(join(FIXTURES, "auditable.rs"), join(dir, "auditable.rs"));
  const binary = join(dir, "grepper");
  execFileSync(RUSTC, ["--edition", "2021", "-C", "strip=symbols", "-o", binary, join(dir, "auditable.rs")], { stdio: "pipe" });
  return binary;
}

/** The `.dep-v0` section as binutils' objcopy extracts it. */
function dumpSection(elf: string): Buffer {
  const dir = tempTree();
  execFileSync(OBJCOPY, ["--dump-section", `.dep-v0=${join(dir, "dep-v0")}`, elf, join(dir, "copy")], { stdio: "pipe" });
  return readFileSync(join(dir, "dep-v0"));
}

interface Reading {
  packages: InventoryPackage[];
  notes: string[];
}

function analyze(content: Buffer, path = APP): Reading {
  const file: ImageFile = { path, content, mode: 0o100755, layer: LAYER };
  const notes: string[] = [];
  const packages = rustAnalyzer.analyze(new Map([[path, file]]), undefined, notes);
  return { packages, notes };
}

/** Reads the whole file and the excerpt the layer walk keeps of it, and checks they agree. */
function readBoth(content: Buffer, path = APP): Reading & { excerpt: Buffer } {
  const whole = analyze(content, path);
  const excerpt = auditDataExcerpt(content);
  expect(excerpt.length === 0 ? { packages: [], notes: [] } : analyze(excerpt, path)).toEqual(whole);
  return { ...whole, excerpt };
}

/**
 * A minimal 64-bit little-endian ELF file with one section besides the section-name table:
 * enough for any ELF reader (readelf lists it) and much faster to make than a compiled binary.
 */
function elfWithSection(name: string, data: Buffer): Buffer {
  const names = Buffer.from(`\0.shstrtab\0${name}\0`, "latin1");
  const dataAt = 64;
  const namesAt = dataAt + data.length;
  const headersAt = Math.ceil((namesAt + names.length) / 8) * 8;
  const file = Buffer.alloc(headersAt + 3 * 64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(file); // ELF, 64-bit, little-endian, version 1
  file.writeUInt16LE(2, 0x10); // ET_EXEC
  file.writeUInt16LE(0x3e, 0x12); // x86-64
  file.writeUInt32LE(1, 0x14);
  file.writeBigUInt64LE(BigInt(headersAt), 0x28);
  file.writeUInt16LE(64, 0x34);
  file.writeUInt16LE(64, 0x3a);
  file.writeUInt16LE(3, 0x3c);
  file.writeUInt16LE(1, 0x3e);
  data.copy(file, dataAt);
  names.copy(file, namesAt);
  const header = (index: number, nameOffset: number, type: number, offset: number, size: number) => {
    const at = headersAt + index * 64;
    file.writeUInt32LE(nameOffset, at);
    file.writeUInt32LE(type, at + 4);
    file.writeBigUInt64LE(BigInt(offset), at + 0x18);
    file.writeBigUInt64LE(BigInt(size), at + 0x20);
    file.writeBigUInt64LE(1n, at + 0x30);
  };
  header(1, 1, 3, namesAt, names.length); // .shstrtab, SHT_STRTAB
  header(2, 11, 1, dataAt, data.length); // the section, SHT_PROGBITS
  return file;
}

const auditable = (json: unknown) => elfWithSection(".dep-v0", deflateSync(JSON.stringify(json)));
const crate = (name: string, version = "1.0.0", extra: Record<string, unknown> = {}) => ({ name, version, source: "crates.io", ...extra });
const nameVersions = (reading: Reading) => reading.packages.map((found) => [found.name, found.version]);

describe.runIf(hasRustc)("a Rust binary compiled by rustc with cargo-auditable data", () => {
  const compressed = deflateSync(DEPS_JSON);
  let path: string;
  let binary: Buffer;
  beforeAll(() => {
    path = compileAuditable(compressed);
    binary = readFileSync(path);
  });

  it("is a real program that reads its own .dep-v0 data", () => {
    // With no arguments the program prints byte 1 of the section: the zlib header's check byte.
    expect(execFileSync(path, { encoding: "utf8" }).trim()).toBe(String(compressed[1]));
    expect(binary.length).toBeGreaterThan(100_000);
  });

  it("lists exactly the runtime crates.io crates, with versions, purls, layer and path", () => {
    const { packages, notes } = analyze(binary);
    expect(packages.map(({ name, version }) => [name, version])).toEqual(EXPECTED_CRATES);
    expect(packages.map((found) => found.purl)).toEqual(EXPECTED_PURLS);
    for (const found of packages) expect(found).toMatchObject({ ecosystem: "crates.io", layer: LAYER, path: APP });
    expect(notes).toEqual([NOT_FROM_CRATES_IO]);
  });

  it("keeps only the compressed section (a copy) as the excerpt, and reads the same from it", () => {
    const reading = readBoth(binary);
    expect(reading.excerpt.length).toBeLessThan(compressed.length + 64);
    expect(reading.excerpt.length).toBeGreaterThan(compressed.length);
    expect(reading.excerpt.buffer.byteLength).toBeLessThan(binary.length);
    expect(auditDataExcerpt(reading.excerpt)).toEqual(reading.excerpt);
    expect(excerptForAnalyzers(APP, binary)).toEqual(reading.excerpt);
  });

  it.skipIf(!hasObjcopy)("keeps exactly the section bytes objcopy dumps (cargo-auditable's PARSING.md way)", () => {
    const dumped = dumpSection(path);
    expect(dumped).toEqual(compressed);
    expect(auditDataExcerpt(binary).subarray(-dumped.length)).toEqual(dumped);
  });

  it("gives the Go analyzer nothing to read", () => {
    const notes: string[] = [];
    const file: ImageFile = { path: APP, content: binary, mode: 0o100755, layer: LAYER };
    expect(goBinaryAnalyzer.analyze(new Map([[APP, file]]), undefined, notes)).toEqual([]);
    expect(notes).toEqual([]);
    expect(buildInfoExcerpt(binary).length).toBe(0);
  });

  it("keeps both excerpts of a file that both analyzers read, side by side, and each reads its own", () => {
    // The Go build information is found by its magic at a 16-byte boundary, as in stripped binaries.
    const padding = Buffer.alloc(16 - (binary.length % 16));
    const both = Buffer.concat([binary, padding, KUBECTL_BUILD_INFO]);
    const goFile: ImageFile = { path: APP, content: both, mode: 0o100755, layer: LAYER };
    const goWhole = goBinaryAnalyzer.analyze(new Map([[APP, goFile]]), undefined);
    expect(goWhole.length).toBe(1 + 82 - 8); // stdlib and kubectl's modules, as in analyzers-language.test.ts
    const kept = excerptForAnalyzers(APP, both);
    expect(kept.length).toBeLessThan(KUBECTL_BUILD_INFO.length + compressed.length + 128);
    expect(kept.subarray(0, 14).toString("latin1")).toBe("\xff Go buildinf:");
    expect(kept.indexOf("\0portcullis rust") % 16).toBe(0);
    expect(goBinaryAnalyzer.analyze(new Map([[APP, { ...goFile, content: kept }]]), undefined)).toEqual(goWhole);
    expect(analyze(kept)).toEqual(analyze(binary));
  });
});

describe("the Rust analyzer and Go binaries", () => {
  it("wants the executables the Go analyzer wants, and nothing else", () => {
    for (const path of ["usr/bin/rg", "usr/local/bin/app", "app/server", "manager", "opt/tool/bin/x", "usr/bin/notes.txt", "etc/passwd"]) {
      expect(rustAnalyzer.wants(path), path).toBe(goBinaryAnalyzer.wants(path));
    }
    expect(wantedByAnalyzers("usr/bin/rg")).toBe(128 * MiB);
  });

  it.skipIf(!hasRegistry)("reads no Rust crates from a real Go binary, and the walk keeps only its Go excerpt", () => {
    const registry = readFileSync(REGISTRY);
    expect(readBoth(registry, "usr/bin/docker-registry")).toEqual({ packages: [], notes: [], excerpt: Buffer.alloc(0) });
    expect(excerptForAnalyzers("usr/bin/docker-registry", registry)).toEqual(buildInfoExcerpt(registry));
  });

  it("reads nothing from Node.js itself (an ELF file without the section) or a script", () => {
    expect(readBoth(readFileSync(process.execPath), "usr/bin/node")).toEqual({ packages: [], notes: [], excerpt: Buffer.alloc(0) });
    expect(readBoth(Buffer.from("#!/bin/sh\necho hi\n"), "usr/bin/hello")).toEqual({ packages: [], notes: [], excerpt: Buffer.alloc(0) });
  });
});

describe.runIf(hasRustc && hasUmoci)("an image with a Rust binary", () => {
  /** An OCI layout made by umoci whose one layer holds these files (image path → file on disk). */
  function umociImage(files: Record<string, string>): string {
    const work = tempTree();
    const layout = join(work, "layout");
    const bundle = join(work, "bundle");
    const umoci = (...args: string[]) => execFileSync(UMOCI, args, { stdio: "pipe" });
    umoci("init", "--layout", layout);
    umoci("new", "--image", `${layout}:app`);
    umoci("unpack", "--rootless", "--image", `${layout}:app`, bundle);
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(join(bundle, "rootfs", path, ".."), { recursive: true });
      copyFileSync(source, join(bundle, "rootfs", path));
    }
    umoci("repack", "--image", `${layout}:app`, bundle);
    return layout;
  }

  it("lists the crates through the whole pipeline, cold and from a cache that holds only the excerpt", async () => {
    const files: Record<string, string> = { [APP]: compileAuditable(deflateSync(DEPS_JSON)) };
    if (hasRegistry) files["usr/bin/docker-registry"] = REGISTRY;
    const layout = umociImage(files);
    const cacheDir = tempTree();
    for (const round of ["cold", "warm"]) {
      const started = performance.now();
      const inventory = await inventoryImage(`oci:${layout}:app`, { cacheDir });
      const crates = inventory.packages.filter((found) => found.ecosystem === "crates.io");
      expect(
        crates.map(({ name, version }) => [name, version]),
        round,
      ).toEqual(EXPECTED_CRATES);
      expect(crates.map((found) => found.path)).toEqual(EXPECTED_CRATES.map(() => APP));
      expect(inventory.notes, round).toContain(NOT_FROM_CRATES_IO);
      if (hasRegistry) {
        const go = inventory.packages.filter((found) => found.ecosystem === "Go");
        expect(
          go.map(({ name, path }) => [name, path]),
          round,
        ).toEqual([["stdlib", "usr/bin/docker-registry"]]);
      }
      console.log(`image inventory (${round}): ${Math.round(performance.now() - started)} ms`);
    }
    const cached = readdirSync(cacheDir).map((name) => statSync(join(cacheDir, name)).size);
    expect(Math.max(...cached)).toBeLessThan(16 * 1024);
  });
});

describe("hostile or unusual .dep-v0 data gives a note, never a throw, whole or excerpted", () => {
  const notReadNote = (reason: string) => `${APP}: Rust dependency data (cargo auditable) not read: ${reason}`;

  it("lists a crates.io root (cargo install) but not a local or git one, and leaves out build crates", () => {
    const installed = readBoth(
      auditable({ packages: [crate("ripgrep", "14.1.0", { root: true, dependencies: [1] }), crate("memchr", "2.7.4")] }),
    );
    expect(nameVersions(installed)).toEqual([
      ["ripgrep", "14.1.0"],
      ["memchr", "2.7.4"],
    ]);
    for (const source of ["local", "git"]) {
      const built = readBoth(auditable({ packages: [{ ...crate("app"), source, root: true }, crate("cc", "1.0.90", { kind: "build" })] }));
      expect(built).toMatchObject({ packages: [], notes: [] });
    }
  });

  it('accepts the JSON exactly as cargo-auditable writes it, with "kind": "runtime" spelt out', () => {
    const reading = readBoth(auditable({ format: 8, packages: [crate("libc", "0.2.153", { kind: "runtime", dependencies: [] })] }));
    expect(reading.packages).toEqual([
      { name: "libc", version: "0.2.153", ecosystem: "crates.io", purl: "pkg:cargo/libc@0.2.153", layer: LAYER, path: APP },
    ]);
  });

  it.skipIf(!hasObjcopy)("uses test ELF files that binutils reads as such", () => {
    const dir = tempTree({ "crafted.elf": auditable({ packages: [crate("memchr")] }) });
    expect(JSON.parse(inflateSync(dumpSection(join(dir, "crafted.elf"))).toString())).toEqual({ packages: [crate("memchr")] });
  });

  it("reads nothing, and says nothing, from an ELF file without the section", () => {
    expect(readBoth(elfWithSection(".rodata", deflateSync("{}")))).toEqual({ packages: [], notes: [], excerpt: Buffer.alloc(0) });
  });

  it("notes truncated zlib, bytes that are not zlib, and an empty section", () => {
    const compressed = deflateSync(DEPS_JSON);
    expect(readBoth(elfWithSection(".dep-v0", compressed.subarray(0, compressed.length / 2))).notes).toEqual([
      notReadNote("it is not zlib data (unexpected end of file)"),
    ]);
    expect(readBoth(elfWithSection(".dep-v0", DEPS_JSON)).notes).toEqual([notReadNote("it is not zlib data (incorrect header check)")]);
    expect(readBoth(elfWithSection(".dep-v0", Buffer.alloc(0))).notes).toEqual([
      notReadNote("it is not zlib data (unexpected end of file)"),
    ]);
  });

  it("stops inflating a zlib bomb (50 MB of zeros) at 8 MiB", () => {
    const bomb = deflateSync(Buffer.alloc(50 * 1000 * 1000));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const started = performance.now();
    const reading = readBoth(elfWithSection(".dep-v0", bomb));
    const elapsed = performance.now() - started;
    expect(reading.notes).toEqual([notReadNote("it inflates to more than 8388608 bytes, the limit for a dependency list")]);
    expect(reading.excerpt.length).toBeLessThan(bomb.length + 64);
    console.log(`zlib bomb of ${bomb.length} bytes refused twice (whole and excerpt) in ${Math.round(elapsed)} ms`);
  });

  it("refuses a section over 1 MiB without keeping it", () => {
    const reading = readBoth(elfWithSection(".dep-v0", Buffer.alloc(MiB + 1, 0x78)));
    expect(reading.notes).toEqual([notReadNote("the .dep-v0 section is larger than 1048576 bytes")]);
    expect(reading.excerpt.length).toBeLessThan(64);
  });

  it("notes data that is not UTF-8, not JSON, or has no package list", () => {
    expect(readBoth(elfWithSection(".dep-v0", deflateSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])))).notes).toEqual([
      notReadNote("it is not UTF-8 text"),
    ]);
    const truncatedJson = readBoth(elfWithSection(".dep-v0", deflateSync(DEPS_JSON.subarray(0, 200)))).notes;
    expect(truncatedJson).toHaveLength(1);
    expect(truncatedJson[0]).toMatch(/not read: it is not JSON \(/);
    for (const json of [null, [], "packages", 42, { packages: {} }, { packages: "x" }, { crates: [] }]) {
      expect(readBoth(auditable(json)).notes, JSON.stringify(json)).toEqual([notReadNote('it has no "packages" list')]);
    }
  });

  it("skips entries of the wrong shape and keeps the others", () => {
    const malformed = [
      null,
      "serde",
      { version: "1.0.0", source: "crates.io" },
      crate("a", "v1.0.0"),
      crate("b", "1.0"),
      crate("c", " 1.0.0"),
      { ...crate("d"), source: 5 },
      crate("e", "1.0.0", { kind: "dev" }),
      crate("f", "1.0.0", { root: "yes" }),
      crate("g", "1.0.0", { dependencies: "0" }),
      crate("h", "1.0.0", { dependencies: [-1] }),
      crate("i", "1.0.0", { dependencies: [1.5] }),
      { ...crate("j"), name: 7 },
    ];
    const reading = readBoth(auditable({ packages: [...malformed, crate("good", "2.0.0-rc.1+build.5")] }));
    expect(reading.packages.map((found) => found.purl)).toEqual(["pkg:cargo/good@2.0.0-rc.1%2Bbuild.5"]);
    expect(reading.notes).toEqual([
      `${APP}: Rust dependency data (cargo auditable): malformed package entries skipped: ${malformed.length} of ${malformed.length + 1} (first: entry 0 is not an object)`,
    ]);
  });

  it("says which entry is wrong and why, quoting a hostile name only in part", () => {
    const long = "x".repeat(100_000);
    const reading = readBoth(auditable({ packages: [crate(long, "1.0.0", { kind: 3 })] }));
    expect(reading.notes).toEqual([
      `${APP}: Rust dependency data (cargo auditable): malformed package entries skipped: 1 of 1 (first: entry 0 ("${"x".repeat(64)}") has a "kind" that is neither "build" nor "runtime")`,
    ]);
  });

  it("skips crates.io entries whose names crates.io does not allow, and names the other sources", () => {
    const reading = readBoth(
      auditable({
        packages: [
          crate("../../etc/passwd"),
          crate("ok_crate"),
          ...["a", "b", "c", "d", "e", "f"].map((name) => ({ ...crate(name), source: "git" })),
          { ...crate("weird"), source: "sparse+https://example.invalid/index/" },
        ],
      }),
    );
    expect(nameVersions(reading)).toEqual([["ok_crate", "1.0.0"]]);
    expect(reading.notes).toEqual([
      `${APP}: Rust crates not from crates.io, left out (7): a 1.0.0 (git), b 1.0.0 (git), c 1.0.0 (git), d 1.0.0 (git), e 1.0.0 (git) and 2 more`,
      `${APP}: Rust crates with names crates.io does not allow, skipped (1): "../../etc/passwd" 1.0.0`,
    ]);
  });

  it("ignores dependency indices past the package list, and says so", () => {
    const reading = readBoth(auditable({ packages: [crate("a", "1.0.0", { dependencies: [1, 2, 99] }), crate("b")] }));
    expect(nameVersions(reading)).toEqual([
      ["a", "1.0.0"],
      ["b", "1.0.0"],
    ]);
    expect(reading.notes).toEqual([
      `${APP}: Rust dependency data (cargo auditable): dependency references past the end of the package list ignored: 2`,
    ]);
  });

  it("reads at most 20,000 packages of a huge list", () => {
    const packages = Array.from({ length: 100_000 }, (_, index) => crate(`c${index}`, `${index}.0.0`));
    const section = deflateSync(JSON.stringify({ packages }));
    const started = performance.now();
    const reading = readBoth(elfWithSection(".dep-v0", section));
    const elapsed = performance.now() - started;
    expect(reading.packages).toHaveLength(20_000);
    expect(reading.packages.at(-1)?.name).toBe("c19999");
    expect(reading.notes).toEqual([
      `${APP}: Rust dependency data (cargo auditable): it lists 100000 packages; only the first 20000 are read`,
    ]);
    console.log(
      `100,000 packages (${section.length} bytes compressed): 20,000 read twice (whole and excerpt) in ${Math.round(elapsed)} ms`,
    );
  });

  it("reads a file that only imitates an excerpt the same way whole and excerpted", () => {
    const magic = Buffer.from("\0portcullis rust .dep-v0 v1\n");
    const size = Buffer.alloc(4);
    size.writeUInt32BE(1000);
    const cutShort = readBoth(Buffer.concat([Buffer.from("text "), magic, size, deflateSync("{}").subarray(0, 4)]));
    expect(cutShort.notes).toEqual([notReadNote("it is not zlib data (unexpected end of file)")]);
    expect(readBoth(Buffer.concat([magic, Buffer.from([0, 0])]))).toEqual({ packages: [], notes: [], excerpt: Buffer.alloc(0) });
  });

  it("never throws, and reads excerpts like whole files, for any section bytes or JSON (fast-check)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        readBoth(elfWithSection(".dep-v0", Buffer.from(bytes)));
      }),
      { numRuns: 300 },
    );
    const entry = fc.record(
      {
        name: fc.oneof(fc.constantFrom("serde", "memchr", "a-b_c"), fc.string(), fc.integer()),
        version: fc.oneof(fc.constantFrom("1.0.0", "0.2.153", "2.0.10+zstd.1.5.6"), fc.string()),
        source: fc.oneof(fc.constantFrom("crates.io", "git", "local", "registry"), fc.jsonValue()),
        kind: fc.oneof(fc.constantFrom("build", "runtime"), fc.jsonValue()),
        root: fc.oneof(fc.boolean(), fc.jsonValue()),
        dependencies: fc.oneof(fc.array(fc.nat(20)), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.record({ packages: fc.array(fc.oneof(entry, fc.jsonValue()), { maxLength: 12 }) }), fc.jsonValue()),
        (json) => {
          const reading = readBoth(auditable(json));
          for (const found of reading.packages) expect(found.purl).toBe(`pkg:cargo/${found.name}@${found.version.replace("+", "%2B")}`);
        },
      ),
      { numRuns: 500 },
    );
  });
});
