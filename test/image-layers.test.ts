import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { isUserError } from "../core/src/errors.js";
import { compressionOf, walkLayers } from "../core/src/image/layers/index.js";
import type { FileWanted, ImageLayer } from "../core/src/image/types.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const ZSTD = "/usr/bin/zstd";
const TAR = "/usr/bin/tar";
const hasTar = realPartAvailable("GNU tar", TAR, "apt-get install -y tar");
const hasZstd = realPartAvailable("zstd", ZSTD, "apt-get install -y zstd");
const ALPINE = "../shared/images/alpine-311.docker-archive.tar.gz";

type Member = string | { symlink: string } | { hardlink: string } | { dir: true };

/**
 * A layer tar made by GNU tar from a directory built to `members`, in that order
 * (`--no-recursion`, so the order in the archive is exactly the order given).
 */
function tarOf(members: Record<string, Member>, format = "gnu", tarArgs: string[] = []): Buffer {
  const root = mkdtempSync(join(tmpdir(), "portcullis-layer-"));
  try {
    for (const [path, member] of Object.entries(members)) {
      const target = join(root, path);
      mkdirSync(dirname(target), { recursive: true });
      if (typeof member === "string") writeFileSync(target, member);
      else if ("symlink" in member) symlinkSync(member.symlink, target);
      else if ("hardlink" in member) linkSync(join(root, member.hardlink), target);
      else mkdirSync(target, { recursive: true });
    }
    return execFileSync(
      TAR,
      ["-c", `--format=${format}`, "--no-recursion", "--owner=0", "--group=0", "-f", "-", ...tarArgs, ...Object.keys(members)],
      {
        cwd: root,
        maxBuffer: 512 * 1024 * 1024,
      },
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const sha256 = (data: Buffer): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** An ImageLayer over a blob, served in small uneven chunks so headers straddle chunk ends. */
function layerOf(blob: Buffer, tar: Buffer = blob, chunkSize = 1000): ImageLayer {
  return {
    digest: sha256(blob),
    diffId: sha256(tar),
    // Deliberately wrong for compressed blobs: compression is detected from the bytes.
    mediaType: "application/vnd.oci.image.layer.v1.tar",
    size: blob.length,
    open: async () => Readable.from(chunksOf(blob, chunkSize)),
  };
}

function* chunksOf(blob: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < blob.length; at += size) yield blob.subarray(at, at + size);
}

const gzipLayer = (tar: Buffer): ImageLayer => layerOf(gzipSync(tar), tar);
const zstdLayer = (tar: Buffer): ImageLayer => layerOf(execFileSync(ZSTD, ["-q", "-c"], { input: tar, maxBuffer: 64 * 1024 * 1024 }), tar);

/** Wants every path (1 MiB cap), as a catch-all analyzer would. */
const everything: FileWanted = () => 1024 * 1024;

async function texts(layers: ImageLayer[], wanted: FileWanted = everything): Promise<Record<string, string>> {
  const files = await walkLayers(layers, wanted);
  return Object.fromEntries([...files].map(([path, file]) => [path, file.content.toString()]));
}

async function walkError(layers: ImageLayer[], options: { maxLayerBytes?: number } = {}): Promise<Error> {
  const error = await walkLayers(layers, everything, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof Error)) throw new Error("the walk succeeded where it should have failed");
  return error;
}

describe.runIf(hasTar)("walkLayers", () => {
  it("returns the upper layer's version of an overwritten file, with that layer's diff ID", async () => {
    const lower = gzipLayer(tarOf({ "etc/os-release": "ID=one\n", "etc/hostname": "base\n" }));
    const upper = gzipLayer(tarOf({ "etc/os-release": "ID=two\n" }));
    const files = await walkLayers([lower, upper], everything);
    expect(files.get("etc/os-release")?.content.toString()).toBe("ID=two\n");
    expect(files.get("etc/os-release")?.layer).toBe(upper.diffId);
    expect(files.get("etc/hostname")?.layer).toBe(lower.diffId);
    expect(files.get("etc/os-release")?.mode).toBe(0o644);
  });

  it("applies whiteouts to a file and to a whole directory, and never returns the whiteouts", async () => {
    const lower = tarOf({ "app/keep": "k", "app/gone": "g", "lib/pkg/a": "a", "lib/pkg/sub/b": "b", "lib/other": "o" });
    const upper = tarOf({ "app/.wh.gone": "", "lib/.wh.pkg": "" });
    expect(await texts([gzipLayer(lower), gzipLayer(upper)])).toEqual({ "app/keep": "k", "lib/other": "o" });
  });

  it("hides a lower directory's contents under an opaque whiteout but keeps what the same layer adds, in any order", async () => {
    const lower = tarOf({ "etc/conf.d/old": "old", "etc/conf.d/deep/older": "older", "etc/top": "t" });
    const opaqueFirst = tarOf({ "etc/conf.d": { dir: true }, "etc/conf.d/.wh..wh..opq": "", "etc/conf.d/new": "new" });
    const opaqueLast = tarOf({ "etc/conf.d/new": "new", "etc/conf.d/.wh..wh..opq": "" });
    for (const upper of [opaqueFirst, opaqueLast]) {
      expect(await texts([gzipLayer(lower), gzipLayer(upper)])).toEqual({ "etc/top": "t", "etc/conf.d/new": "new" });
    }
  });

  it("keeps a directory the same layer recreates after whiting it out, without the lower contents", async () => {
    const lower = tarOf({ "opt/tool/old": "old" });
    const upper = tarOf({ "opt/.wh.tool": "", "opt/tool/fresh": "fresh" });
    expect(await texts([gzipLayer(lower), gzipLayer(upper)])).toEqual({ "opt/tool/fresh": "fresh" });
    // An empty directory the same layer recreates still exists: a link can pass through it.
    const base = tarOf({
      "opt/tool/old": "old",
      "usr/lib/os-release": "ID=x\n",
      "etc/x": { symlink: "/opt/tool/../../usr/lib/os-release" },
    });
    const emptied = tarOf({ "opt/tool": { dir: true }, "opt/.wh.tool": "" });
    expect(await texts([gzipLayer(base), gzipLayer(emptied)])).toEqual({ "usr/lib/os-release": "ID=x\n", "etc/x": "ID=x\n" });
  });

  it("lets an upper file replace a lower directory and an upper directory replace a lower file", async () => {
    const lower = tarOf({ "x/inside": "i", y: "file" });
    const upper = tarOf({ x: "now a file", "y/inside": "now a dir" });
    expect(await texts([gzipLayer(lower), gzipLayer(upper)])).toEqual({ x: "now a file", "y/inside": "now a dir" });
  });

  it("gives a hard link its target's content when the target is wanted, and counts it otherwise", async () => {
    const tar = tarOf({ "usr/bin/python3.11": "#!ELF python", "usr/bin/python3": { hardlink: "usr/bin/python3.11" } });
    expect(tar.subarray(0, 200).toString("latin1")).toContain("usr/bin/python3.11");
    const both = await walkLayers([gzipLayer(tar)], everything);
    expect(both.get("usr/bin/python3")?.content.toString()).toBe("#!ELF python");
    const onlyLink = await walkLayers([gzipLayer(tar)], (path) => (path === "usr/bin/python3" ? 100 : undefined));
    expect([...onlyLink.keys()]).toEqual([]);
    expect(onlyLink.skipped.unresolvedLinks).toBe(1);
    expect(onlyLink.skipped.unresolvedLinkExamples).toEqual(["usr/bin/python3"]);
  });

  it.each(["gnu", "pax", "ustar"])("reads names longer than 100 characters (%s format)", async (format) => {
    const longDir = `usr/lib/${"python3-very-long-directory-name/".repeat(3)}site-packages`;
    const longName = `${longDir}/urllib3-1.26.12.dist-info/METADATA`;
    expect(longName.length).toBeGreaterThan(150);
    const tar = tarOf(
      { [longName]: "Name: urllib3", [`${longDir}/link-with-a-long-target`]: { symlink: longName.slice(longDir.length + 1) } },
      format,
    );
    const files = await texts([layerOf(tar)]);
    expect(files).toEqual({ [longName]: "Name: urllib3", [`${longDir}/link-with-a-long-target`]: "Name: urllib3" });
  });

  it("ignores and counts entries that climb out of the root, and strips leading slashes", async () => {
    const root = tempTree({ "work/inside": "in", "work/sub/x": "x", escape: "out" });
    const tar = execFileSync(TAR, ["-cPf", "-", "--no-recursion", "inside", "../escape", "./sub/../../escape", join(root, "work/inside")], {
      cwd: join(root, "work"),
    });
    const files = await walkLayers([gzipLayer(tar)], everything);
    const absolute = join(root, "work/inside").slice(1);
    expect(Object.fromEntries([...files].map(([path, file]) => [path, file.content.toString()]))).toEqual({
      inside: "in",
      [absolute]: "in",
    });
    expect(files.skipped.unsafePaths).toBe(2);
  });

  it("resolves wanted symlinks inside the image only, through symlinked directories, and reports dangling ones", async () => {
    const tar = tarOf({
      "usr/lib/os-release": "ID=debian\n",
      "etc/os-release": { symlink: "../usr/lib/os-release" },
      "etc/absolute": { symlink: "/usr/lib/os-release" },
      // Climbing past the root stays at the image root, as in a chroot: never the host's files.
      "etc/climbing": { symlink: "../../../../../usr/lib/os-release" },
      lib: { symlink: "usr/lib" },
      "etc/via-dir-link": { symlink: "/lib/os-release" },
      "etc/passwd": { symlink: "/etc/shadow" },
      "etc/loop": { symlink: "loop" },
    });
    const files = await walkLayers([layerOf(tar)], everything);
    for (const path of ["etc/os-release", "etc/absolute", "etc/climbing", "etc/via-dir-link"]) {
      expect(files.get(path)?.content.toString(), path).toBe("ID=debian\n");
      expect(files.get(path)?.path).toBe(path);
    }
    expect(files.has("etc/passwd")).toBe(false);
    expect(files.skipped.unresolvedLinks).toBe(2);
    expect(files.skipped.unresolvedLinkExamples.sort()).toEqual(["etc/loop", "etc/passwd"]);
  });

  it("follows a whiteout that removes a symlink's target", async () => {
    const lower = tarOf({ "usr/lib/os-release": "ID=debian\n", "etc/os-release": { symlink: "../usr/lib/os-release" } });
    const upper = tarOf({ "usr/lib/.wh.os-release": "" });
    const files = await walkLayers([layerOf(lower), layerOf(upper)], everything);
    expect(files.size).toBe(0);
    expect(files.skipped.unresolvedLinks).toBe(1);
  });

  it("reads only wanted files, and skips and counts a wanted file over its cap", async () => {
    const tar = tarOf({ "var/lib/dpkg/status": "x".repeat(5000), "etc/os-release": "ID=debian\n", "usr/bin/big": "y".repeat(9000) });
    const wanted: FileWanted = (path) => ({ "var/lib/dpkg/status": 4096, "etc/os-release": 4096 })[path];
    const files = await walkLayers([gzipLayer(tar)], wanted);
    expect([...files.keys()]).toEqual(["etc/os-release"]);
    expect(files.skipped.overCap).toBe(1);
    expect(files.skipped.overCapExamples).toEqual(["var/lib/dpkg/status"]);
  });

  it("drops a lower file when the upper version is over its cap, rather than keep a stale one", async () => {
    const lower = tarOf({ "lib/apk/db/installed": "small" });
    const upper = tarOf({ "lib/apk/db/installed": "z".repeat(200) });
    const files = await walkLayers([gzipLayer(lower), gzipLayer(upper)], () => 100);
    expect(files.size).toBe(0);
    expect(files.skipped.overCap).toBe(1);
  });

  it("reads uncompressed layers and detects compression from the bytes, whatever the media type", async () => {
    const tar = tarOf({ "etc/alpine-release": "3.11.5\n" });
    expect(compressionOf(tar)).toBe("none");
    expect(compressionOf(gzipSync(tar))).toBe("gzip");
    expect(await texts([layerOf(tar)])).toEqual({ "etc/alpine-release": "3.11.5\n" });
  });

  it.runIf(hasZstd)("reads zstd layers made by the zstd tool", async () => {
    const big = createHash("sha512").update("seed").digest("hex").repeat(4000);
    const tar = tarOf({ "etc/os-release": "ID=wolfi\n", "usr/share/big": big });
    const layer = zstdLayer(tar);
    expect(compressionOf(await firstBytes(layer))).toBe("zstd");
    const files = await texts([layer]);
    expect(files).toEqual({ "etc/os-release": "ID=wolfi\n", "usr/share/big": big });
  });

  it.runIf(hasZstd)("names the layer when zstd data is corrupt or truncated", async () => {
    const blob = execFileSync(ZSTD, ["-q", "-c"], { input: tarOf({ "etc/os-release": "ID=wolfi\n".repeat(1000) }) });
    for (const broken of [blob.subarray(0, blob.length - 20), Buffer.concat([blob.subarray(0, 6), Buffer.alloc(200, 0xee)])]) {
      const layer = layerOf(broken);
      const error = await walkError([layer]);
      expect(isUserError(error)).toBe(true);
      expect(error.message).toContain(layer.digest);
      expect(error.message).toMatch(/zstd data is truncated or corrupt/);
    }
  });

  it("names the layer when gzip data is truncated", async () => {
    const blob = gzipSync(tarOf({ "etc/os-release": createHash("sha512").update("x").digest("hex").repeat(300) }));
    const layer = layerOf(blob.subarray(0, Math.floor(blob.length / 2)));
    const error = await walkError([layer]);
    expect(isUserError(error)).toBe(true);
    expect(error.message).toContain(`layer ${layer.digest}`);
    expect(error.message).toMatch(/gzip data is truncated or corrupt/);
  });

  it("names the layer when the tar is truncated inside an entry or is not a tar at all", async () => {
    const tar = tarOf({ "etc/os-release": "ID=debian\n".repeat(200) });
    const cut = layerOf(tar.subarray(0, 1500));
    const cutError = await walkError([cut]);
    expect(isUserError(cutError)).toBe(true);
    expect(cutError.message).toContain(`layer ${cut.digest} is not a valid tar archive: truncated`);
    expect(cutError.message).toContain('"etc/os-release"');
    const noise = layerOf(Buffer.from(createHash("sha512").update("noise").digest("hex").repeat(20)));
    expect((await walkError([noise])).message).toMatch(/is not a valid tar archive: bad header checksum at byte 0/);
  });

  it("names the layer when a PAX header is malformed or oversized", async () => {
    const tar = tarOf({ [`${"d".repeat(120)}/file`]: "x" }, "pax");
    const path = tar.indexOf(" path=");
    const lengthStart = tar.lastIndexOf(0x0a, path) + 1 || 512;
    const corrupt = Buffer.from(tar);
    corrupt.fill("9", lengthStart, path);
    const layer = layerOf(corrupt);
    const error = await walkError([layer]);
    expect(isUserError(error)).toBe(true);
    expect(error.message).toContain(`layer ${layer.digest} is not a valid tar archive: a malformed PAX record`);
  });

  it("gives a hard link the content of a wanted file from a lower layer, and counts a link over its cap", async () => {
    const lower = tarOf({ "usr/lib/libssl.so.3": "ssl" });
    // A hard link whose target is in a lower layer: GNU tar makes the pair, then deletes the target.
    const pair = tarOf({ "usr/lib/libssl.so.3": "ssl", "usr/lib/libssl.so": { hardlink: "usr/lib/libssl.so.3" } });
    const upper = execFileSync(TAR, ["--delete", "-f", "-", "usr/lib/libssl.so.3"], { input: pair });
    expect(execFileSync(TAR, ["-tvf", "-"], { input: upper }).toString()).toMatch(
      /^h.* usr\/lib\/libssl.so link to usr\/lib\/libssl.so.3\n$/,
    );
    const lowerTar = tarOf({ "usr/lib/libssl.so.3": "ssl", "usr/lib/libssl.so": { symlink: "libssl.so.3" } });
    const files = await walkLayers([gzipLayer(lower), gzipLayer(upper)], everything);
    expect(files.get("usr/lib/libssl.so")?.content.toString()).toBe("ssl");
    const capped = await walkLayers([layerOf(lowerTar)], (path) => (path === "usr/lib/libssl.so" ? 2 : 100));
    expect([...capped.keys()]).toEqual(["usr/lib/libssl.so.3"]);
    expect(capped.skipped.overCapExamples).toEqual(["usr/lib/libssl.so"]);
  });

  it("names the layer and the cap when a small gzip inflates past maxLayerBytes", async () => {
    const bomb = gzipSync(tarOf({ zeros: "\0".repeat(20 * 1024 * 1024) }));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const layer = layerOf(bomb, bomb, 64 * 1024);
    const error = await walkError([layer], { maxLayerBytes: 1024 * 1024 });
    expect(isUserError(error)).toBe(true);
    expect(error.message).toContain(`layer ${layer.digest} inflates to more than 1048576 bytes`);
  });

  it.runIf(hasZstd)("stops a zstd bomb at the cap too", async () => {
    const bomb = execFileSync(ZSTD, ["-q", "-19", "-c"], { input: tarOf({ zeros: "\0".repeat(20 * 1024 * 1024) }), maxBuffer: 1 << 26 });
    const error = await walkError([layerOf(bomb, bomb, 64 * 1024)], { maxLayerBytes: 1024 * 1024 });
    expect(error.message).toMatch(/inflates to more than 1048576 bytes/);
  });

  it("reads every layer to its end, trailing bytes after the end-of-archive included", async () => {
    const tar = Buffer.concat([tarOf({ a: "a" }), Buffer.alloc(4096, 0)]);
    const stream = Readable.from(chunksOf(gzipSync(tar), 100));
    const layer: ImageLayer = { ...gzipLayer(tar), open: async () => stream };
    expect(await texts([layer])).toEqual({ a: "a" });
    expect(stream.readableEnded).toBe(true);
  });

  it("reads the real layers of a docker save archive (Alpine 3.11)", async () => {
    if (!realPartAvailable("the shared Alpine image", ALPINE, "check out ../shared beside the repository", "read")) return;
    const root = tempTree();
    execFileSync(TAR, ["-xzf", ALPINE, "-C", root]);
    const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as { Layers: string[]; Config: string }[];
    const config = JSON.parse(readFileSync(join(root, manifest[0]?.Config ?? ""), "utf8")) as { rootfs: { diff_ids: string[] } };
    const layers: ImageLayer[] = (manifest[0]?.Layers ?? []).map((path, index) => ({
      digest: `sha256:${path.split("/")[0]}`,
      diffId: config.rootfs.diff_ids[index] ?? "",
      mediaType: "application/vnd.docker.image.rootfs.diff.tar",
      open: async () => createReadStream(join(root, path)),
    }));
    expect(layers).toHaveLength(1);
    const wanted: FileWanted = (path) =>
      ["lib/apk/db/installed", "etc/os-release", "etc/alpine-release"].includes(path) ? 4 << 20 : undefined;
    const files = await walkLayers(layers, wanted);
    expect([...files.keys()].sort()).toEqual(["etc/alpine-release", "etc/os-release", "lib/apk/db/installed"]);
    // etc/os-release is a symlink to ../usr/lib/os-release, which nobody asked for here.
    expect(files.get("etc/alpine-release")?.content.toString()).toBe("3.11.5\n");
    const installed = files.get("lib/apk/db/installed");
    expect(installed?.layer).toBe(config.rootfs.diff_ids[0]);
    expect(installed?.content.toString().match(/^P:/gm)).toHaveLength(14);
    expect(installed?.content.toString()).toContain("P:musl\nV:1.1.24-r2\n");
  });
});

async function firstBytes(layer: ImageLayer): Promise<Buffer> {
  for await (const chunk of await layer.open()) return chunk as Buffer;
  return Buffer.alloc(0);
}
