// Image scan speed: a generated OCI layout with about 220 MB of uncompressed layers (a dpkg
// status and an apk database among thousands of filler files, text that compresses about
// as real layers do). The floor is what cannot be avoided: inflating every layer blob once
// (`gunzip -c` to /dev/null, measured in the same run). Cold scans start from an empty
// per-layer cache; warm rescans reuse it. Every scan runs in a fresh process
// (bench/image-scan-worker.js), so its peak RSS is its own.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";

const WORKER = fileURLToPath(new URL("./image-scan-worker.js", import.meta.url));
const LAYERS = 4;
const LAYER_BYTES = 55 * 1024 * 1024;
const ROUNDS = 3;
const DPKG_PACKAGES = 400;
const APK_PACKAGES = 100;

export async function imageScan() {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-bench-image-"));
  try {
    const image = join(dir, "image");
    const { blobs, uncompressedBytes, compressedBytes } = await writeImage(image);
    const floors = [];
    const colds = [];
    const warms = [];
    const uncached = [];
    for (let round = 0; round < ROUNDS; round++) {
      const cache = join(dir, `cache-${round}`);
      floors.push(gunzipFloor(blobs));
      colds.push(scan(image, cache));
      warms.push(scan(image, cache));
      uncached.push(scan(image, "-"));
    }
    const floor = median(floors);
    const cold = median(colds.map((run) => run.ms));
    const warm = median(warms.map((run) => run.ms));
    return {
      name: "image scan",
      figure: Math.round(uncompressedBytes / 1024 / 1024 / (cold / 1000)),
      unit: "MB/s (cold, uncompressed)",
      ratio: cold / floor,
      floor: `gunzip -c of every layer blob to /dev/null: ${floor.toFixed(0)} ms`,
      details: {
        "uncompressed MB": (uncompressedBytes / 1024 / 1024).toFixed(0),
        "compressed MB": (compressedBytes / 1024 / 1024).toFixed(0),
        layers: LAYERS,
        packages: colds[0].packages,
        [`cold scan ms (median of ${ROUNDS})`]: cold.toFixed(0),
        [`warm rescan ms (median of ${ROUNDS})`]: warm.toFixed(0),
        "warm / cold": (warm / cold).toFixed(3),
        [`scan without cache ms (median of ${ROUNDS})`]: median(uncached.map((run) => run.ms)).toFixed(0),
        [`floor ms (median of ${ROUNDS})`]: floor.toFixed(0),
        "cold scan peak RSS MB (max)": Math.max(...colds.map((run) => run.rssMb)),
        "warm rescan peak RSS MB (max)": Math.max(...warms.map((run) => run.rssMb)),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function scan(image, cacheDir) {
  const output = execFileSync(process.execPath, [WORKER, image, cacheDir], { encoding: "utf8", maxBuffer: 1 << 20 });
  return JSON.parse(output);
}

function gunzipFloor(blobs) {
  const started = performance.now();
  execFileSync("sh", ["-c", 'gunzip -c "$@" > /dev/null', "gunzip", ...blobs]);
  return performance.now() - started;
}

/** An OCI layout of LAYERS gzip layers; returns the layer blob paths and sizes. */
async function writeImage(dir) {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const words = vocabulary();
  const layers = [];
  for (let index = 0; index < LAYERS; index++) layers.push(await writeLayer(dir, layerMembers(index, words)));
  const config = blob(dir, {
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.diffId) },
  });
  const manifest = blob(dir, {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: layers.map(({ digest, size }) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest, size })),
  });
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest }] }),
  );
  return {
    blobs: layers.map((layer) => layer.path),
    uncompressedBytes: layers.reduce((total, layer) => total + layer.uncompressed, 0),
    compressedBytes: layers.reduce((total, layer) => total + layer.size, 0),
  };
}

function blob(dir, json) {
  const bytes = Buffer.from(JSON.stringify(json));
  const hex = createHash("sha256").update(bytes).digest("hex");
  writeFileSync(join(dir, "blobs", "sha256", hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** Streams a layer's tar through gzip to its blob, hashing both sides. */
async function writeLayer(dir, members) {
  const temporary = join(dir, "blobs", "layer.tmp");
  const diffId = createHash("sha256");
  const digest = createHash("sha256");
  const gzip = createGzip();
  const file = createWriteStream(temporary);
  let size = 0;
  let uncompressed = 0;
  gzip.on("data", (chunk) => {
    digest.update(chunk);
    size += chunk.length;
    if (!file.write(chunk)) gzip.pause();
  });
  file.on("drain", () => gzip.resume());
  const finished = new Promise((resolve, reject) => {
    file.on("finish", resolve);
    file.on("error", reject);
    gzip.on("end", () => file.end());
  });
  for (const part of tarParts(members)) {
    diffId.update(part);
    uncompressed += part.length;
    if (!gzip.write(part)) await new Promise((resolve) => gzip.once("drain", resolve));
  }
  gzip.end();
  await finished;
  const hex = digest.digest("hex");
  const path = join(dir, "blobs", "sha256", hex);
  renameSync(temporary, path);
  return { path, digest: `sha256:${hex}`, diffId: `sha256:${diffId.digest("hex")}`, size, uncompressed };
}

/** The files of one layer: package databases in the first two, filler text up to LAYER_BYTES in all. */
function* layerMembers(index, words) {
  if (index === 0) {
    yield ["etc/os-release", Buffer.from('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n')];
    yield ["var/lib/dpkg/status", Buffer.from(dpkgStatus())];
  }
  if (index === 1) yield ["lib/apk/db/installed", Buffer.from(apkInstalled())];
  const random = generator(index + 1);
  for (let total = 0, file = 0; total < LAYER_BYTES; file++) {
    const size = 4096 + (random() % (256 * 1024));
    const start = random() % (words.length - size);
    yield [`usr/share/filler-${index}/dir-${file % 64}/file-${file}.txt`, words.subarray(start, start + size)];
    total += size;
  }
}

function dpkgStatus() {
  return Array.from(
    { length: DPKG_PACKAGES },
    (_, n) =>
      `Package: pkg${n}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nSource: src${n % 97} (1.${n % 97}-1)\nVersion: 1.${n}-1+deb12u1\nDescription: generated package ${n}\n`,
  ).join("\n");
}

function apkInstalled() {
  return Array.from(
    { length: APK_PACKAGES },
    (_, n) => `C:Q1${"A".repeat(26)}=\nP:apk${n}\nV:2.${n}.0-r0\nA:x86_64\nS:1000\nI:4096\no:apk${n % 13}\nT:generated\n`,
  ).join("\n");
}

/** 8 MiB of pseudo-random words: gzip shrinks it about 2.3:1 (like real layers), and it is far longer than gzip's window. */
function vocabulary() {
  const random = generator(42);
  const words = Array.from({ length: 4096 }, () =>
    Array.from({ length: 2 + (random() % 9) }, () => String.fromCharCode(97 + (random() % 26))).join(""),
  );
  const parts = [];
  for (let length = 0; length < 8 * 1024 * 1024; ) {
    const word = words[random() % words.length];
    parts.push(word);
    length += word.length + 1;
  }
  return Buffer.from(parts.join(" "));
}

/** A deterministic xorshift32 generator of unsigned integers. */
function generator(seed) {
  let state = seed * 2654435761 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

/** A ustar archive of regular files as buffers: header, content, padding, then two zero blocks. */
function* tarParts(members) {
  for (const [name, content] of members) {
    yield tarHeader(name, content.length);
    yield content;
    const padding = (512 - (content.length % 512)) % 512;
    if (padding > 0) yield Buffer.alloc(padding);
  }
  yield Buffer.alloc(1024);
}

function tarHeader(name, size) {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0" + "00", 257);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148);
  return header;
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}
