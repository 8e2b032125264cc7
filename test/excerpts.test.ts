import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { inventoryImage } from "../core/src/image/inventory-image.js";
import { walkLayers } from "../core/src/image/layers/index.js";
import type { ImageLayer } from "../core/src/image/types.js";
import { buildInfo, buildInfoExcerpt, goBinaryAnalyzer } from "../core/src/inventory/analyzers/go-binary.js";
import { javaExcerpt } from "../core/src/inventory/analyzers/java.js";
import { excerptForAnalyzers, wantedByAnalyzers } from "../core/src/inventory/inventory.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const TAR = "/usr/bin/tar";
const REGISTRY = "/usr/bin/docker-registry";
const hasTar = realPartAvailable("GNU tar", TAR, "apt-get install -y tar");
const hasRegistry = realPartAvailable("docker-registry", REGISTRY, "apt-get install -y docker-registry", "read");
const KUBECTL_BUILD_INFO = readFileSync("test/fixtures/analyzers/go/kubectl-1.27.go.buildinfo");
const SLF4J_API = "test/fixtures/java-dotnet/slf4j-api.jar";
const REGISTRY_INFO = { goVersion: "go1.19.8", path: "github.com/docker/distribution/cmd/registry", deps: [] };

const sha256 = (data: Buffer | string): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** A layer tar made by GNU tar from these files (a Buffer is content, a string a path to copy, `null` a whiteout). */
function tarOf(files: Record<string, Buffer | string | null>): Buffer {
  const root = tempTree();
  for (const [path, source] of Object.entries(files)) {
    const target = join(root, path);
    mkdirSync(join(target, ".."), { recursive: true });
    if (source === null) writeFileSync(target, "");
    else if (typeof source === "string") copyFileSync(source, target);
    else writeFileSync(target, source);
  }
  return execFileSync(TAR, ["-c", "--format=gnu", "--owner=0", "--group=0", "-f", "-", ...Object.keys(files)], {
    cwd: root,
    maxBuffer: 1024 ** 3,
  });
}

function gzipLayer(tar: Buffer): ImageLayer {
  const blob = gzipSync(tar);
  return {
    digest: sha256(blob),
    diffId: sha256(tar),
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    size: blob.length,
    open: async () => Readable.from([blob]),
  };
}

/** Writes an OCI image layout with these layers (gzip) and returns its directory. */
function ociLayout(tars: Buffer[]): string {
  const root = tempTree();
  mkdirSync(join(root, "blobs/sha256"), { recursive: true });
  const put = (bytes: Buffer | string) => {
    const digest = sha256(bytes);
    writeFileSync(join(root, "blobs/sha256", digest.slice("sha256:".length)), bytes);
    return { digest, size: Buffer.byteLength(bytes) };
  };
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: tars.map((tar) => sha256(tar)) },
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...put(config) },
    layers: tars.map((tar) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...put(gzipSync(tar)) })),
  });
  const index = { schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...put(manifest) }] };
  writeFileSync(join(root, "index.json"), JSON.stringify(index));
  writeFileSync(join(root, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  return root;
}

describe("the Go build information excerpt", () => {
  it.skipIf(!hasRegistry)("cuts a few hundred bytes out of a real 20 MB Go binary, and reads the same from them", () => {
    const binary = readFileSync(REGISTRY);
    const excerpt = buildInfoExcerpt(binary);
    expect(excerpt.length).toBeGreaterThan(32);
    expect(excerpt.length).toBeLessThan(4096);
    expect(excerpt.buffer.byteLength).toBeLessThan(binary.length); // a copy, not a view keeping the binary alive
    expect(buildInfo(excerpt)).toEqual(REGISTRY_INFO);
    expect(buildInfoExcerpt(excerpt)).toEqual(excerpt);
  });

  it("keeps every module of a real kubectl build information blob", () => {
    const excerpt = buildInfoExcerpt(Buffer.concat([Buffer.alloc(4096, 0x90), KUBECTL_BUILD_INFO, Buffer.alloc(4096, 0xcc)]));
    expect(buildInfo(excerpt)).toEqual(buildInfo(KUBECTL_BUILD_INFO));
    expect(excerpt.length).toBeLessThanOrEqual(KUBECTL_BUILD_INFO.length);
  });

  it("is empty for a binary that is not Go, and the header alone for build information it cannot read", () => {
    expect(buildInfoExcerpt(readFileSync(process.execPath)).length).toBe(0);
    const old = Buffer.alloc(64);
    Buffer.from("\xff Go buildinf:", "latin1").copy(old);
    old[14] = 8;
    const excerpt = buildInfoExcerpt(old);
    expect(excerpt.length).toBe(32);
    expect(buildInfo(excerpt)).toBe("it uses the pointer format of Go before 1.18, which is not read");
  });

  it("is what the analyzers keep of a path only the Go analyzer wants; other wanted files stay whole", () => {
    const file = Buffer.concat([Buffer.alloc(100), KUBECTL_BUILD_INFO]);
    expect(excerptForAnalyzers("usr/local/bin/kubectl", file)).toEqual(buildInfoExcerpt(file));
    expect(wantedByAnalyzers("usr/local/bin/kubectl")).toBe(128 * 1024 * 1024);
    const status = Buffer.from("Package: a\n");
    expect(excerptForAnalyzers("var/lib/dpkg/status", status)).toBe(status);
    expect(excerptForAnalyzers("etc/os-release", status)).toBe(status);
  });
});

describe.runIf(hasTar)("the layer walk keeps excerpts only", () => {
  const excerpt = (_path: string, content: Buffer) => buildInfoExcerpt(content);
  const goWants = goBinaryAnalyzer.wants;

  it.skipIf(!hasRegistry)("drops binaries without build information, and whiteouts still apply", async () => {
    const base = tarOf({ "usr/bin/registry": REGISTRY, "usr/bin/tar": TAR, "app/gone": REGISTRY, "bin/empty": Buffer.alloc(0) });
    const upper = tarOf({ "app/.wh.gone": null, "usr/bin/registry-copy": REGISTRY });
    const files = await walkLayers([gzipLayer(base), gzipLayer(upper)], goWants, { excerpt });
    expect([...files.keys()].sort()).toEqual(["bin/empty", "usr/bin/registry", "usr/bin/registry-copy"]);
    expect(buildInfo(files.get("usr/bin/registry")?.content as Buffer)).toEqual(REGISTRY_INFO);
    expect(files.get("usr/bin/registry")?.content.length).toBeLessThan(4096);
  });

  it.skipIf(!hasRegistry)("an upper layer replacing a Go binary with a non-Go file leaves no file", async () => {
    const base = tarOf({ "usr/bin/tool": REGISTRY });
    const upper = tarOf({ "usr/bin/tool": TAR });
    const files = await walkLayers([gzipLayer(base), gzipLayer(upper)], goWants, { excerpt });
    expect(files.size).toBe(0);
  });

  it.skipIf(!hasRegistry)("caches the excerpt, not the binary, and a warm walk gives the same files", async () => {
    const cacheDir = tempTree();
    const layers = [gzipLayer(tarOf({ "usr/bin/registry": REGISTRY, "usr/bin/tar": TAR }))];
    const options = { excerpt, cacheDir, wantedPolicy: "go excerpts test" };
    const cold = await walkLayers(layers, goWants, options);
    const entries = readdirSync(cacheDir);
    expect(entries).toHaveLength(1);
    expect(statSync(join(cacheDir, entries[0] as string)).size).toBeLessThan(8192);
    const warm = await walkLayers(
      [{ ...(layers[0] as ImageLayer), open: () => Promise.reject(new Error("the blob was read")) }],
      goWants,
      options,
    );
    expect([...warm.entries()]).toEqual([...cold.entries()]);
    expect([...warm.keys()]).toEqual(["usr/bin/registry"]);
  });
});

describe.runIf(hasTar && hasRegistry)("an image with a Go binary", () => {
  it("lists the Go toolchain of a real binary from an OCI layout, cold and from the cache", async () => {
    const layout = ociLayout([
      tarOf({ "etc/os-release": Buffer.from("ID=debian\nVERSION_ID=12\n"), "usr/bin/docker-registry": REGISTRY }),
      tarOf({ "usr/bin/tar": TAR }),
    ]);
    const cacheDir = tempTree();
    for (const round of ["cold", "warm"]) {
      const inventory = await inventoryImage(`oci:${layout}`, { cacheDir });
      expect(inventory.os?.family, round).toBe("debian");
      expect(
        inventory.packages.map(({ name, version, ecosystem, path }) => ({ name, version, ecosystem, path })),
        round,
      ).toEqual([{ name: "stdlib", version: "v1.19.8", ecosystem: "Go", path: "usr/bin/docker-registry" }]);
    }
  });
});

describe("the Java archive excerpt", () => {
  it("is what the analyzers keep of a jar, war or ear", () => {
    const jar = readFileSync(SLF4J_API);
    expect(wantedByAnalyzers("opt/app/lib/slf4j-api.jar")).toBe(64 * 1024 * 1024);
    expect(excerptForAnalyzers("opt/app/lib/slf4j-api.jar", jar)).toEqual(javaExcerpt(jar));
    expect(excerptForAnalyzers("usr/local/lib/shop.war", jar)).toEqual(javaExcerpt(jar));
    expect(excerptForAnalyzers("usr/local/lib/shop.ear", jar)).toEqual(javaExcerpt(jar));
  });
});

describe.runIf(hasTar)("an image with a Java archive", () => {
  it("lists the Maven package of a real Debian jar from an OCI layout, cold and from a cache that holds only the excerpt", async () => {
    const layout = ociLayout([
      tarOf({ "etc/os-release": Buffer.from("ID=debian\nVERSION_ID=12\n") }),
      tarOf({ "usr/share/java/slf4j-api.jar": SLF4J_API, "usr/share/java/not-a-jar.jar": Buffer.from("text") }),
    ]);
    const cacheDir = tempTree();
    for (const round of ["cold", "warm"]) {
      const inventory = await inventoryImage(`oci:${layout}`, { cacheDir });
      expect(
        inventory.packages.map(({ name, version, ecosystem, purl, path }) => ({ name, version, ecosystem, purl, path })),
        round,
      ).toEqual([
        {
          name: "org.slf4j:slf4j-api",
          version: "1.7.32",
          ecosystem: "Maven",
          purl: "pkg:maven/org.slf4j/slf4j-api@1.7.32",
          path: "usr/share/java/slf4j-api.jar",
        },
      ]);
      expect(inventory.notes, round).toContain(
        "java: usr/share/java/not-a-jar.jar is not a ZIP archive (no end of central directory record)",
      );
    }
    const cached = readdirSync(cacheDir).map((name) => statSync(join(cacheDir, name)).size);
    expect(cached).toHaveLength(2);
    expect(Math.max(...cached)).toBeLessThan(statSync(SLF4J_API).size / 4);
  });
});
