import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { isUserError } from "../core/src/errors.js";
import { defaultCacheDir, type WalkedFiles, type WalkOptions, walkLayers } from "../core/src/image/layers/index.js";
import { openImageSource } from "../core/src/image/sources/index.js";
import type { FileWanted, ImageLayer } from "../core/src/image/types.js";
import { inventoryOf, wantedByAnalyzers } from "../core/src/inventory/inventory.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const TAR = "/usr/bin/tar";
const hasTar = realPartAvailable("GNU tar", TAR, "apt-get install -y tar");
const ALPINE = "../shared/images/alpine-311.docker-archive.tar.gz";
const hasAlpine = realPartAvailable("the Alpine 3.11 docker-archive", ALPINE, "it is part of ../shared/images", "read");

type Member = string | { symlink: string } | { hardlink: string } | { dir: true };

/** A layer tar made by GNU tar with exactly these members, in this order. */
function tarOf(members: Record<string, Member>): Buffer {
  const root = tempTree();
  for (const [path, member] of Object.entries(members)) {
    const target = join(root, path);
    mkdirSync(join(target, ".."), { recursive: true });
    if (typeof member === "string") writeFileSync(target, member);
    else if ("symlink" in member) symlinkSync(member.symlink, target);
    else if ("hardlink" in member) linkSync(join(root, member.hardlink), target);
    else mkdirSync(target, { recursive: true });
  }
  const names = Object.keys(members);
  return execFileSync(TAR, ["-c", "--format=gnu", "--no-recursion", "--owner=0", "--group=0", "-f", "-", ...names], { cwd: root });
}

const sha256 = (data: Buffer): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

/** A gzip layer that counts how often its blob is opened. */
interface CountedLayer extends ImageLayer {
  opens: number;
}

function gzipLayer(tar: Buffer, blob: Buffer = gzipSync(tar)): CountedLayer {
  const layer: CountedLayer = {
    digest: sha256(blob),
    diffId: sha256(tar),
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    size: blob.length,
    opens: 0,
    open: async () => {
      layer.opens++;
      return Readable.from([blob.subarray(0, 700), blob.subarray(700)]);
    },
  };
  return layer;
}

/** Wants everything under `var/` and `etc/` with a 40-byte cap, so over-cap files are counted too. */
const wanted: FileWanted = (path) => (/^(var|etc)\//.test(path) ? 40 : undefined);

/** Three layers exercising every kind of entry the walk handles, the upper ones undoing the lower. */
function sampleLayers(): CountedLayer[] {
  const base = tarOf({
    etc: { dir: true },
    "etc/os-release": "ID=debian\nVERSION_ID=12\n",
    "etc/big": "x".repeat(100),
    "var/lib/dpkg/status": "Package: base\n",
    "var/lib/old/a": "old a",
    "var/lib/old/b": "old b",
    "var/cache/gone": "to be whited out",
    "usr/bin/tool": "an unwanted binary",
    "usr/share": { dir: true },
    "var/link": { symlink: "../usr/share" },
    "usr/data": { symlink: "/var/lib/dpkg" },
    "var/via": { symlink: "../usr/data/status" },
  });
  const middle = tarOf({
    "var/lib/dpkg/status": "Package: middle\n",
    "var/lib/dpkg/hard": { hardlink: "var/lib/dpkg/status" },
    "var/lib/old/.wh..wh..opq": "",
    "var/lib/old/c": "new c",
    "var/cache/.wh.gone": "",
    "var/alias": { symlink: "/var/lib/dpkg/status" },
    "var/dangling": { symlink: "nowhere" },
    "usr/lib/filler": "unwanted",
  });
  const top = tarOf({
    "var/lib/.wh.old": "",
    "var/link": "a file replacing a link",
    "etc/os-release": { symlink: "../var/release" },
    "var/release": "ID=debian\n",
    // Unwanted, but it replaces the link that var/via resolves through.
    "usr/data": "a file replacing a linked directory",
  });
  return [base, middle, top].map((tar) => gzipLayer(tar));
}

/** Everything a walk returns, in a comparable form. */
function snapshot(files: WalkedFiles): unknown {
  const entries = [...files].map(([path, file]) => [path, file.content.toString("base64"), file.mode, file.layer]);
  return { files: entries.sort(), skipped: files.skipped };
}

function cacheFiles(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** A cache file re-checksummed after dropping its last body and the entry's claim to it. */
function withoutLastBody(file: Buffer): Buffer {
  const rest = file.subarray(65);
  const newline = rest.indexOf(0x0a);
  const header = JSON.parse(rest.toString("utf8", 0, newline)) as { entries: { contentLength?: number }[] };
  const last = header.entries.findLast((entry) => entry.contentLength !== undefined);
  const dropped = last?.contentLength ?? 0;
  delete last?.contentLength;
  const forged = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), rest.subarray(newline + 1, rest.length - dropped)]);
  return Buffer.concat([Buffer.from(`${createHash("sha256").update(forged).digest("hex")}\n`), forged]);
}

const withCache = (cacheDir: string, wantedPolicy = "policy 1"): WalkOptions => ({ cacheDir, wantedPolicy });

describe.runIf(hasTar)("the per-layer cache", () => {
  it("replays cached layers without opening a blob, with the same files, modes, diff IDs and skips as a cold walk", async () => {
    const layers = sampleLayers();
    const uncached = snapshot(await walkLayers(layers, wanted));
    const dir = tempTree();
    expect(snapshot(await walkLayers(layers, wanted, withCache(dir)))).toEqual(uncached);
    expect(cacheFiles(dir)).toHaveLength(3);
    const opened = layers.map((layer) => layer.opens);
    expect(snapshot(await walkLayers(layers, wanted, withCache(dir)))).toEqual(uncached);
    expect(layers.map((layer) => layer.opens)).toEqual(opened);
    // The sample really exercises whiteouts, opaque directories, links and skips.
    const files = await walkLayers(layers, wanted, withCache(dir));
    expect([...files.keys()].sort()).toEqual([
      "etc/os-release",
      "var/alias",
      "var/lib/dpkg/hard",
      "var/lib/dpkg/status",
      "var/link",
      "var/release",
    ]);
    expect(files.get("etc/os-release")?.layer).toBe(layers[2]?.diffId);
    expect(files.get("var/lib/dpkg/status")?.layer).toBe(layers[1]?.diffId);
    expect(files.skipped).toMatchObject({ overCap: 1, unresolvedLinks: 2, unresolvedLinkExamples: ["var/via", "var/dangling"] });
  });

  it("mixes cached and uncached layers either way round, whiteouts applying across them", async () => {
    const layers = sampleLayers();
    const expected = snapshot(await walkLayers(layers, wanted));
    const lowerCached = tempTree();
    await walkLayers(layers.slice(0, 2), wanted, withCache(lowerCached));
    expect(snapshot(await walkLayers(layers, wanted, withCache(lowerCached)))).toEqual(expected);

    const upperCached = tempTree();
    await walkLayers(layers, wanted, withCache(upperCached));
    const [baseKey] = cacheFiles(upperCached).filter((name) => readFileSync(join(upperCached, name)).includes("old a"));
    rmSync(join(upperCached, baseKey as string));
    const opened = layers.map((layer) => layer.opens);
    expect(snapshot(await walkLayers(layers, wanted, withCache(upperCached)))).toEqual(expected);
    expect(layers.map((layer, index) => layer.opens - (opened[index] as number))).toEqual([1, 0, 0]);
  });

  it("keys entries by the whole chain below a layer, so the same layer on another base is walked again", async () => {
    const layers = sampleLayers();
    const dir = tempTree();
    await walkLayers(layers, wanted, withCache(dir));
    const otherBase = gzipLayer(tarOf({ "var/lib/old/a": "other" }));
    const top = layers[2] as CountedLayer;
    const opens = top.opens;
    const rebased = [otherBase, top];
    expect(snapshot(await walkLayers(rebased, wanted, withCache(dir)))).toEqual(snapshot(await walkLayers(rebased, wanted)));
    expect(top.opens).toBe(opens + 2);
  });

  it("ignores a truncated, corrupted or forged entry, and rewrites it", async () => {
    const layers = sampleLayers();
    const expected = snapshot(await walkLayers(layers, wanted));
    const dir = tempTree();
    await walkLayers(layers, wanted, withCache(dir));
    const [first, second, third] = cacheFiles(dir).map((name) => join(dir, name)) as [string, string, string];
    const intact = [first, second, third].map((path) => readFileSync(path));
    writeFileSync(first, readFileSync(first).subarray(0, 100));
    const flipped = readFileSync(second);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 0xff, flipped.length - 1);
    writeFileSync(second, flipped);
    // A valid checksum over a header that lies about its bodies.
    const forged = Buffer.from(`${JSON.stringify({ format: "portcullis-layer-cache 2", key: "x", inflatedBytes: 1, entries: [] })}\n`);
    writeFileSync(third, Buffer.concat([Buffer.from(`${createHash("sha256").update(forged).digest("hex")}\n`), forged]));

    const before = layers.map((layer) => layer.opens);
    expect(snapshot(await walkLayers(layers, wanted, withCache(dir)))).toEqual(expected);
    expect(layers.map((layer, index) => layer.opens - (before[index] as number))).toEqual([1, 1, 1]);
    expect([first, second, third].map((path) => readFileSync(path))).toEqual(intact);
  });

  it("ignores an intact entry whose kept body is longer than the file it came from", async () => {
    const layers = sampleLayers();
    const expected = snapshot(await walkLayers(layers, wanted));
    const dir = tempTree();
    await walkLayers(layers, wanted, withCache(dir));
    const name = cacheFiles(dir)[0] as string;
    const entry = { name: "etc/os-release", type: "file", size: 1, mode: 0o644, linkName: "", contentLength: 2 };
    const header = { format: "portcullis-layer-cache 2", key: name.slice("layer-".length), inflatedBytes: 1, entries: [entry] };
    const forged = Buffer.from(`${JSON.stringify(header)}\nab`);
    writeFileSync(join(dir, name), Buffer.concat([Buffer.from(`${createHash("sha256").update(forged).digest("hex")}\n`), forged]));
    const opens = layers.map((layer) => layer.opens);
    expect(snapshot(await walkLayers(layers, wanted, withCache(dir)))).toEqual(expected);
    expect(layers.map((layer, index) => layer.opens - (opens[index] as number))).toContain(1);
  });

  it("ignores an intact entry that lacks the body of a wanted file (forged, or a stale policy name)", async () => {
    const layers = sampleLayers();
    const expected = snapshot(await walkLayers(layers, wanted));
    const dir = tempTree();
    await walkLayers(layers, wanted, withCache(dir));
    const [middle] = cacheFiles(dir)
      .map((name) => join(dir, name))
      .filter((path) => readFileSync(path).includes("Package: middle"));
    const intact = readFileSync(middle as string);
    writeFileSync(middle as string, withoutLastBody(intact));
    const opens = layers[1]?.opens;
    expect(snapshot(await walkLayers(layers, wanted, withCache(dir)))).toEqual(expected);
    expect(layers[1]?.opens).toBe((opens as number) + 1);
    expect(readFileSync(middle as string)).toEqual(intact);
  });

  it("misses when the wanted policy changes, and keeps both policies' entries", async () => {
    const layers = sampleLayers();
    const dir = tempTree();
    await walkLayers(layers, wanted, withCache(dir, "policy 1"));
    const everything: FileWanted = () => 1024;
    const opened = layers.map((layer) => layer.opens);
    const files = await walkLayers(layers, everything, withCache(dir, "policy 2"));
    expect(layers.map((layer, index) => layer.opens - (opened[index] as number))).toEqual([1, 1, 1]);
    expect(files.get("usr/bin/tool")?.content.toString()).toBe("an unwanted binary");
    expect(cacheFiles(dir)).toHaveLength(6);
  });

  it("refuses a cache directory without a wanted policy to key it", async () => {
    await expect(walkLayers(sampleLayers(), wanted, { cacheDir: tempTree() })).rejects.toThrow(/wantedPolicy/);
  });

  it("survives concurrent walks writing the same entries: every entry ends intact and no temporary file is left", async () => {
    const layers = sampleLayers();
    const expected = snapshot(await walkLayers(layers, wanted));
    const dir = tempTree();
    const results = await Promise.all(Array.from({ length: 8 }, () => walkLayers(layers, wanted, withCache(dir))));
    for (const result of results) expect(snapshot(result)).toEqual(expected);
    expect(cacheFiles(dir)).toHaveLength(3);
    expect(cacheFiles(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    const opened = layers.map((layer) => layer.opens);
    expect(snapshot(await walkLayers(layers, wanted, withCache(dir)))).toEqual(expected);
    expect(layers.map((layer) => layer.opens)).toEqual(opened);
  });

  it("writes no entry for a layer that fails (truncated gzip), but keeps those of the layers below", async () => {
    const [base, middle] = sampleLayers() as [CountedLayer, CountedLayer];
    const blob = gzipSync(tarOf({ "var/x": "content" }));
    const truncated = gzipLayer(tarOf({ "var/x": "content" }), blob.subarray(0, blob.length - 10));
    const dir = tempTree();
    const error = await walkLayers([base, middle, truncated], wanted, withCache(dir)).catch((caught: unknown) => caught);
    expect(isUserError(error) && error.message).toMatch(new RegExp(`layer ${truncated.digest}: the gzip data is truncated`));
    expect(cacheFiles(dir)).toHaveLength(2);
  });

  it("applies the uncompressed-size cap to a cached layer as to a streamed one", async () => {
    const layers = sampleLayers();
    const dir = tempTree();
    await walkLayers(layers, wanted, withCache(dir));
    const error = await walkLayers(layers, wanted, { ...withCache(dir), maxLayerBytes: 2048 }).catch((caught: unknown) => caught);
    expect(isUserError(error) && error.message).toMatch(new RegExp(`layer ${layers[0]?.digest} inflates to more than 2048 bytes`));
  });

  it("leaves the walk unchanged when the cache directory cannot be written", async () => {
    const layers = sampleLayers();
    const notADirectory = join(tempTree({ file: "" }), "file");
    expect(snapshot(await walkLayers(layers, wanted, withCache(notADirectory)))).toEqual(snapshot(await walkLayers(layers, wanted)));
  });
});

describe.runIf(hasAlpine)("the per-layer cache on a real image", () => {
  it("inventories the Alpine 3.11 archive identically from a warm cache, without opening its layer", async () => {
    const image = await openImageSource(`docker-archive:${ALPINE}`).resolve();
    let opens = 0;
    const layers = image.layers.map((layer) => ({
      ...layer,
      open: () => {
        opens++;
        return layer.open();
      },
    }));
    const dir = tempTree();
    const cold = await walkLayers(layers, wantedByAnalyzers, withCache(dir));
    const warm = await walkLayers(layers, wantedByAnalyzers, withCache(dir));
    expect(opens).toBe(layers.length);
    expect(snapshot(warm)).toEqual(snapshot(cold));
    const inventory = inventoryOf(warm);
    expect(inventory.os?.family).toBe("alpine");
    expect(inventory.packages.length).toBeGreaterThan(10);
    expect(inventoryOf(warm)).toEqual(inventoryOf(cold));
  });
});

describe("defaultCacheDir", () => {
  it("prefers the runner's tool cache, then an absolute XDG_CACHE_HOME, then ~/.cache", () => {
    expect(defaultCacheDir({ RUNNER_TOOL_CACHE: "/opt/hostedtoolcache", XDG_CACHE_HOME: "/x" }, "/home/u")).toBe(
      "/opt/hostedtoolcache/portcullis",
    );
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/x/cache" }, "/home/u")).toBe("/x/cache/portcullis");
    expect(defaultCacheDir({ XDG_CACHE_HOME: "relative" }, "/home/u")).toBe("/home/u/.cache/portcullis");
    expect(defaultCacheDir({}, "/home/u")).toBe("/home/u/.cache/portcullis");
  });
});
