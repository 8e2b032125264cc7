import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { gunzipSync, gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { openImageSource, parseImageReference, parsePlatform, samePlatform } from "../core/src/image/sources/index.js";
import type { Platform, ResolvedImage } from "../core/src/image/types.js";
import { userErrorOf } from "./support/errors.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";

const SHARED = "../shared/images";
const TINY_OCI = join(SHARED, "tiny.oci");
const ALPINE_ARCHIVE = join(SHARED, "alpine-311.docker-archive.tar.gz");
const sharedImages = realPartAvailable("../shared/images", SHARED, "check out ../shared beside the repository.");
const skopeo = realPartAvailable("skopeo", "/usr/bin/skopeo", "apt-get install -y skopeo");

/** The alpine 3.11 image's one layer, as its config lists it. */
const ALPINE_DIFF_ID = "sha256:beee9f30bc1f711043e78d4a2be0668955d4b761d587d6f60c2c8dc081efb203";
const TINY_DIFF_ID = "sha256:9c27e219663c25e0f28493790cc0b88bc973ba3b1686355f221c38a36978ac63";

function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function resolveRef(ref: string, platform?: Platform): Promise<ResolvedImage> {
  return openImageSource(ref).resolve(platform ? { platform } : {});
}

// ---- fixtures built at test time ---------------------------------------------------------

interface TarEntrySpec {
  name: string;
  content?: Buffer | string;
  symlinkTo?: string;
  hardLinkTo?: string;
}

/** A tar (gzipped when asked) of exactly these entries, hostile names included. */
async function writeTar(path: string, entries: TarEntrySpec[], gzip = false): Promise<string> {
  const archive = pack();
  for (const entry of entries) {
    if (entry.symlinkTo !== undefined) archive.entry({ name: entry.name, type: "symlink", linkname: entry.symlinkTo });
    else if (entry.hardLinkTo !== undefined) archive.entry({ name: entry.name, type: "link", linkname: entry.hardLinkTo });
    else archive.entry({ name: entry.name }, entry.content ?? "");
  }
  archive.finalize();
  const bytes = await bytesOf(archive as unknown as Readable);
  writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
  return path;
}

/** An OCI layout written blob by blob, so each test can bend one part of it. */
class LayoutBuilder {
  constructor(readonly root: string) {
    mkdirSync(join(root, "blobs", "sha256"), { recursive: true });
    writeFileSync(join(root, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  }

  blob(content: Buffer | string | object, mediaType: string, extra: object = {}) {
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(typeof content === "string" ? content : JSON.stringify(content));
    const digest = sha256(bytes);
    writeFileSync(this.blobPath(digest), bytes);
    return { mediaType, digest, size: bytes.length, ...extra };
  }

  blobPath(digest: string): string {
    return join(this.root, "blobs", "sha256", digest.slice("sha256:".length));
  }

  /** A one-layer image for `platform` whose layer is tiny.oci's real gzip layer. */
  image(platform: Platform, overrides: { configType?: string; layerType?: string } = {}) {
    const layer = this.blob(
      readFileSync(join(TINY_OCI, "blobs/sha256/cdd16bd695eda2819e7637648f573c2ca64896c4f7bff9732ac9db734ca3bc2c")),
      overrides.layerType ?? "application/vnd.oci.image.layer.v1.tar+gzip",
    );
    const config = this.blob(
      { ...platform, rootfs: { type: "layers", diff_ids: [TINY_DIFF_ID] } },
      overrides.configType ?? "application/vnd.oci.image.config.v1+json",
    );
    return this.blob(
      { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [layer] },
      "application/vnd.oci.image.manifest.v1+json",
      { platform },
    );
  }

  index(manifests: object[], extra: object = {}) {
    return this.blob(
      { schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests },
      "application/vnd.oci.image.index.v1+json",
      extra,
    );
  }

  writeIndex(manifests: object[]): void {
    writeFileSync(join(this.root, "index.json"), JSON.stringify({ schemaVersion: 2, manifests }));
  }
}

const tagged = (name: string) => ({ annotations: { "org.opencontainers.image.ref.name": name } });

/** tiny.oci copied somewhere writable. */
function tinyCopy(): string {
  const root = join(tempTree(), "tiny");
  cpSync(TINY_OCI, root, { recursive: true });
  execFileSync("chmod", ["-R", "u+w", root]);
  return root;
}

/** The alpine image as skopeo writes it: a docker-archive (legacy layout, layer linked by a symlink), an OCI layout, an oci-archive. */
function skopeoImages() {
  const root = tempTree();
  const plainArchive = join(root, "alpine.tar");
  writeFileSync(plainArchive, gunzipSync(readFileSync(ALPINE_ARCHIVE)));
  const layout = join(root, "alpine.oci");
  const run = (from: string, to: string) => execFileSync("skopeo", ["copy", "-q", from, to], { stdio: "pipe" });
  run(`docker-archive:${plainArchive}`, `oci:${layout}:3.11`);
  const skopeoArchive = join(root, "skopeo.docker-archive.tar");
  run(`oci:${layout}:3.11`, `docker-archive:${skopeoArchive}:alpine:3.11`);
  const ociArchive = join(root, "alpine.oci-archive.tar");
  run(`oci:${layout}:3.11`, `oci-archive:${ociArchive}:3.11`);
  return { root, layout, skopeoArchive, ociArchive };
}

/**
 * The layout `docker save` writes from Docker 25 on: an OCI layout with uncompressed layers
 * in blobs/sha256, plus the legacy manifest.json pointing into blobs/.
 */
function docker25Archive(skopeoArchive: string, root: string): { plain: string; gzipped: string } {
  const unpacked = join(root, "skopeo-unpacked");
  mkdirSync(unpacked);
  execFileSync("tar", ["-xf", skopeoArchive, "-C", unpacked]);
  const [legacy] = JSON.parse(readFileSync(join(unpacked, "manifest.json"), "utf8")) as { Config: string; Layers: string[] }[];
  const layout = new LayoutBuilder(join(root, "docker25"));
  const layer = layout.blob(readFileSync(join(unpacked, legacy?.Layers[0] ?? "")), "application/vnd.oci.image.layer.v1.tar");
  const config = layout.blob(readFileSync(join(unpacked, legacy?.Config ?? "")), "application/vnd.oci.image.config.v1+json");
  const manifest = layout.blob(
    { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config, layers: [layer] },
    "application/vnd.oci.image.manifest.v1+json",
  );
  layout.writeIndex([
    {
      ...manifest,
      annotations: { "io.containerd.image.name": "docker.io/library/alpine:3.11", "org.opencontainers.image.ref.name": "3.11" },
    },
  ]);
  const inBlobs = (digest: string) => `blobs/sha256/${digest.slice(7)}`;
  writeFileSync(
    join(layout.root, "manifest.json"),
    JSON.stringify([{ Config: inBlobs(config.digest), RepoTags: ["alpine:3.11"], Layers: [inBlobs(layer.digest)] }]),
  );
  writeFileSync(join(layout.root, "repositories"), JSON.stringify({ alpine: { "3.11": layer.digest.slice(7) } }));
  const plain = join(root, "docker25.tar");
  const gzipped = join(root, "docker25.tar.gz");
  execFileSync("tar", ["-cf", plain, "-C", layout.root, "."]);
  execFileSync("tar", ["-czf", gzipped, "-C", layout.root, "."]);
  return { plain, gzipped };
}

// ---- references ------------------------------------------------------------------------------

describe("parseImageReference", () => {
  it.each([
    ["nginx", "docker.io/library/nginx:latest"],
    ["docker://nginx:1.27", "docker.io/library/nginx:1.27"],
    ["user/app", "docker.io/user/app:latest"],
    ["index.docker.io/user/app:v1", "docker.io/user/app:v1"],
    ["ghcr.io/org/team/app:2.0", "ghcr.io/org/team/app:2.0"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/app:dev", "localhost:5000/app:dev"],
    ["myregistry.azurecr.io/app", "myregistry.azurecr.io/app:latest"],
    [`nginx@sha256:${"a".repeat(64)}`, `docker.io/library/nginx@sha256:${"a".repeat(64)}`],
    [`nginx:1.27@sha256:${"b".repeat(64)}`, `docker.io/library/nginx:1.27@sha256:${"b".repeat(64)}`],
  ])("%s is a registry image %s", (text, canonical) => {
    const parsed = parseImageReference(text);
    expect(parsed.transport).toBe("docker");
    expect(parsed.transport === "docker" && parsed.name.canonical).toBe(canonical);
  });

  it("splits registry, repository, tag and digest", () => {
    expect(parseImageReference("localhost:5000/team/app:dev")).toEqual({
      transport: "docker",
      name: { registry: "localhost:5000", repository: "team/app", tag: "dev", canonical: "localhost:5000/team/app:dev" },
    });
  });

  it("reads the local transports", () => {
    expect(parseImageReference("docker-archive:app.tar")).toEqual({ transport: "docker-archive", path: "app.tar" });
    const archive = parseImageReference("docker-archive:app.tar.gz:alpine:3.11");
    expect(archive.transport === "docker-archive" && archive.image?.canonical).toBe("docker.io/library/alpine:3.11");
    expect(parseImageReference("oci:layout")).toEqual({ transport: "oci", path: "layout" });
    expect(parseImageReference("oci:layout:v1.2")).toEqual({ transport: "oci", path: "layout", tag: "v1.2" });
    expect(parseImageReference(`oci:layout@sha256:${"c".repeat(64)}`)).toEqual({
      transport: "oci",
      path: "layout",
      digest: `sha256:${"c".repeat(64)}`,
    });
    expect(parseImageReference("oci-archive:img.tar:latest")).toEqual({ transport: "oci-archive", path: "img.tar", tag: "latest" });
    const daemon = parseImageReference("docker-daemon:app:dev");
    expect(daemon.transport === "docker-daemon" && "name" in daemon && daemon.name.canonical).toBe("docker.io/library/app:dev");
    expect(parseImageReference(`docker-daemon:sha256:${"d".repeat(64)}`)).toEqual({
      transport: "docker-daemon",
      imageId: `sha256:${"d".repeat(64)}`,
    });
  });

  it.each([
    ["Nginx", /lowercase/],
    ["nginx:bad tag", /not a valid tag/],
    ["nginx@sha256:abc", /not a sha256 digest/],
    ["docker-archive:", /path is empty/],
    ["oci:layout:", /nothing follows the colon/],
    ["docker-daemon:app", /needs NAME:TAG/],
    ["containers-storage:app", /containers-storage: transport is not supported/],
    [`${"a".repeat(250)}/b`, /longer than 255/],
  ])("refuses %s", (text, message) => {
    expect(() => parseImageReference(text)).toThrow(message);
  });

  it("opens registry and daemon references lazily: nothing is contacted before resolve()", () => {
    expect(typeof openImageSource("nginx").resolve).toBe("function");
    expect(typeof openImageSource("docker-daemon:app:1").resolve).toBe("function");
  });
});

describe("platforms", () => {
  it("matches variants as containerd does", () => {
    expect(samePlatform(parsePlatform("linux/arm64"), parsePlatform("linux/arm64/v8"))).toBe(true);
    expect(samePlatform({ os: "linux", architecture: "aarch64" }, parsePlatform("linux/arm64/v8"))).toBe(true);
    expect(samePlatform(parsePlatform("linux/arm"), parsePlatform("linux/arm/v7"))).toBe(true);
    expect(samePlatform(parsePlatform("linux/arm/v6"), parsePlatform("linux/arm/v7"))).toBe(false);
    expect(samePlatform(parsePlatform("linux/amd64"), { os: "linux", architecture: "x86_64" })).toBe(true);
    expect(samePlatform(parsePlatform("linux/amd64"), parsePlatform("windows/amd64"))).toBe(false);
    expect(() => parsePlatform("linux")).toThrow(/not os\/arch/);
    expect(() => parsePlatform("linux/arm64/v8/x")).toThrow(/not os\/arch/);
  });
});

// ---- real images -------------------------------------------------------------------------

describe.runIf(sharedImages)("real images from ../shared", () => {
  it("reads tiny.oci and streams its layer, verified", async () => {
    const image = await resolveRef(`oci:${TINY_OCI}`);
    expect(image.digest).toBe("sha256:afb744871f99e0ff8e6f253244836ed34c5d805fdb096d3a205ffaf5e9073cab");
    expect(image.platform).toEqual({ os: "linux", architecture: "amd64" });
    expect(image.config.architecture).toBe("amd64");
    expect(image.layers).toHaveLength(1);
    const [layer] = image.layers;
    expect(layer).toMatchObject({
      digest: "sha256:cdd16bd695eda2819e7637648f573c2ca64896c4f7bff9732ac9db734ca3bc2c",
      diffId: TINY_DIFF_ID,
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      size: 2610,
    });
    const blob = await bytesOf(await (layer?.open() as Promise<Readable>));
    expect(sha256(gunzipSync(blob))).toBe(TINY_DIFF_ID);
  });

  it("reads the legacy docker save archive (tar.gz) and its layer, verified against the diff ID", async () => {
    const image = await resolveRef(`docker-archive:${ALPINE_ARCHIVE}`);
    expect(image.platform).toEqual({ os: "linux", architecture: "amd64" });
    expect(image.digest).toBeUndefined();
    expect(image.layers.map((layer) => [layer.digest, layer.diffId, layer.mediaType])).toEqual([
      [ALPINE_DIFF_ID, ALPINE_DIFF_ID, "application/vnd.docker.image.rootfs.diff.tar"],
    ]);
    const tar = await bytesOf(await (image.layers[0]?.open() as Promise<Readable>));
    expect(tar.length).toBe(5861888);
    expect(sha256(tar)).toBe(ALPINE_DIFF_ID);
  });

  it("picks an archive's image by RepoTag, normalised, and lists the tags when it is not there", async () => {
    expect((await resolveRef(`docker-archive:${ALPINE_ARCHIVE}:docker.io/library/alpine:3.11`)).layers).toHaveLength(1);
    expect(await userErrorOf(() => resolveRef(`docker-archive:${ALPINE_ARCHIVE}:alpine:3.12`))).toBe(
      `docker-archive ${ALPINE_ARCHIVE} has no image tagged docker.io/library/alpine:3.12; it has: alpine:3.11`,
    );
  });

  it("refuses a platform the single image is not for", async () => {
    expect(await userErrorOf(() => resolveRef(`docker-archive:${ALPINE_ARCHIVE}`, parsePlatform("linux/arm64")))).toBe(
      `docker-archive:${ALPINE_ARCHIVE} is for linux/amd64, not the linux/arm64 asked for`,
    );
    expect((await resolveRef(`oci:${TINY_OCI}`, parsePlatform("linux/amd64"))).platform.architecture).toBe("amd64");
  });

  it("says which archive is cut short (truncated gzip)", async () => {
    const whole = readFileSync(ALPINE_ARCHIVE);
    const truncated = join(tempTree(), "truncated.tar.gz");
    writeFileSync(truncated, whole.subarray(0, whole.length / 2));
    expect(await userErrorOf(() => resolveRef(`docker-archive:${truncated}`))).toMatch(
      new RegExp(`^docker-archive ${truncated} is not a readable tar archive: unexpected end of file`),
    );
  });
});

describe.runIf(sharedImages && skopeo)("archives written by skopeo and by Docker 25+", () => {
  const images = sharedImages && skopeo ? skopeoImages() : undefined;

  async function checkAlpine(ref: string, mediaType: string) {
    const image = await resolveRef(ref);
    expect(image.platform).toEqual({ os: "linux", architecture: "amd64" });
    expect(image.layers.map((layer) => [layer.diffId, layer.mediaType])).toEqual([[ALPINE_DIFF_ID, mediaType]]);
    const blob = await bytesOf(await (image.layers[0]?.open() as Promise<Readable>));
    expect(sha256(image.layers[0]?.mediaType.endsWith("gzip") ? gunzipSync(blob) : blob)).toBe(ALPINE_DIFF_ID);
    return image;
  }

  it("reads skopeo's docker-archive, whose layer is reached through a symbolic link", async () => {
    await checkAlpine(`docker-archive:${images?.skopeoArchive}`, "application/vnd.docker.image.rootfs.diff.tar");
  });

  it("reads skopeo's OCI layout by tag and by digest", async () => {
    const byTag = await checkAlpine(`oci:${images?.layout}:3.11`, "application/vnd.oci.image.layer.v1.tar+gzip");
    const byDigest = await resolveRef(`oci:${images?.layout}@${byTag.digest}`);
    expect(byDigest.layers[0]?.digest).toBe(byTag.layers[0]?.digest);
    expect(await userErrorOf(() => resolveRef(`oci:${images?.layout}:3.12`))).toBe(
      `OCI layout ${images?.layout} has no image tagged "3.12"; it has: 3.11`,
    );
    expect(await userErrorOf(() => resolveRef(`oci:${images?.layout}@sha256:${"0".repeat(64)}`))).toBe(
      `OCI layout ${images?.layout} has no image with digest sha256:${"0".repeat(64)}`,
    );
  });

  it("reads skopeo's oci-archive", async () => {
    await checkAlpine(`oci-archive:${images?.ociArchive}:3.11`, "application/vnd.oci.image.layer.v1.tar+gzip");
    await checkAlpine(`oci-archive:${images?.ociArchive}`, "application/vnd.oci.image.layer.v1.tar+gzip");
  });

  it("reads the Docker 25+ layout, plain and gzipped, through its manifest.json", async () => {
    const docker25 = docker25Archive(images?.skopeoArchive ?? "", images?.root ?? "");
    for (const archive of [docker25.plain, docker25.gzipped]) {
      const image = await checkAlpine(`docker-archive:${archive}:alpine:3.11`, "application/vnd.docker.image.rootfs.diff.tar");
      expect(image.layers[0]?.digest).toBe(ALPINE_DIFF_ID);
    }
  });
});

// ---- OCI layouts built here: platforms, selection, errors ------------------------------------

describe.runIf(sharedImages)("OCI layout selection", () => {
  const layout = new LayoutBuilder(join(tempTree(), "multi"));
  const amd64 = layout.image({ os: "linux", architecture: "amd64" });
  const arm64 = layout.image({ os: "linux", architecture: "arm64", variant: "v8" });
  const armv7 = layout.image({ os: "linux", architecture: "arm", variant: "v7" });
  const attestation = {
    ...layout.blob({ schemaVersion: 2 }, "application/vnd.oci.image.manifest.v1+json"),
    platform: { os: "unknown", architecture: "unknown" },
  };
  const inner = layout.index([amd64, arm64, armv7, attestation]);
  const outer = layout.index([inner], tagged("multi"));
  const single = layout.image({ os: "linux", architecture: "s390x" });
  layout.writeIndex([outer, { ...single, ...tagged("single") }]);
  const ref = `oci:${layout.root}`;

  it("chooses linux/amd64 by default through nested indexes, and says so", async () => {
    const image = await resolveRef(`${ref}:multi`);
    expect(image.platform).toEqual({ os: "linux", architecture: "amd64" });
    expect(image.digest).toBe(amd64.digest);
  });

  it("matches arm64 to arm64/v8 and arm to arm/v7", async () => {
    const arm = await resolveRef(`${ref}:multi`, parsePlatform("linux/arm64"));
    expect([arm.digest, arm.platform]).toEqual([arm64.digest, { os: "linux", architecture: "arm64", variant: "v8" }]);
    expect((await resolveRef(`${ref}:multi`, parsePlatform("linux/arm"))).digest).toBe(armv7.digest);
  });

  it("lists the platforms when none fits", async () => {
    expect(await userErrorOf(() => resolveRef(`${ref}:multi`, parsePlatform("linux/ppc64le")))).toBe(
      `OCI layout ${layout.root} has no image for linux/ppc64le; it has: linux/amd64, linux/arm64/v8, linux/arm/v7`,
    );
  });

  it("lists the tags when several images and none named", async () => {
    expect(await userErrorOf(() => resolveRef(ref))).toBe(
      `OCI layout ${layout.root} holds 2 images; name one as oci:PATH:TAG or oci:PATH@DIGEST: multi, single`,
    );
  });

  it("takes a single-platform image by default whatever its platform, and a platform manifest by digest", async () => {
    expect((await resolveRef(`${ref}:single`)).platform).toEqual({ os: "linux", architecture: "s390x" });
    expect((await resolveRef(`${ref}@${arm64.digest}`)).platform.architecture).toBe("arm64");
  });
});

describe.runIf(sharedImages)("OCI layout errors name what is wrong", () => {
  function oneImage(overrides: { configType?: string; layerType?: string } = {}) {
    const layout = new LayoutBuilder(join(tempTree(), "one"));
    const manifest = layout.image({ os: "linux", architecture: "amd64" }, overrides);
    layout.writeIndex([manifest]);
    return { layout, manifest };
  }

  it("missing oci-layout or index.json", async () => {
    const { layout } = oneImage();
    rmSync(join(layout.root, "index.json"));
    expect(await userErrorOf(() => resolveRef(`oci:${layout.root}`))).toBe(
      `OCI layout ${layout.root} is not an OCI image layout: it has no index.json`,
    );
    rmSync(join(layout.root, "oci-layout"));
    expect(await userErrorOf(() => resolveRef(`oci:${layout.root}`))).toBe(
      `OCI layout ${layout.root} is not an OCI image layout: it has no oci-layout file`,
    );
    expect(await userErrorOf(() => resolveRef("oci:/nonexistent/layout"))).toBe(
      "OCI layout /nonexistent/layout: the directory does not exist",
    );
  });

  it("malformed index.json", async () => {
    const { layout } = oneImage();
    writeFileSync(join(layout.root, "index.json"), '{"manifests": [');
    expect(await userErrorOf(() => resolveRef(`oci:${layout.root}`))).toMatch(
      new RegExp(`^OCI layout ${layout.root} index.json is not valid JSON: `),
    );
    writeFileSync(join(layout.root, "index.json"), '{"manifests": [{"mediaType": "x", "size": 1, "digest": "md5:abc"}]}');
    expect(await userErrorOf(() => resolveRef(`oci:${layout.root}`))).toBe(
      `OCI layout ${layout.root} index.json manifests[0]: "md5:abc" is not a sha256 or sha512 digest`,
    );
  });

  it("wrong media types", async () => {
    const artifact = oneImage({ configType: "application/vnd.cncf.helm.config.v1+json" });
    expect(await userErrorOf(() => resolveRef(`oci:${artifact.layout.root}`))).toMatch(
      /has media type application\/vnd\.cncf\.helm\.config\.v1\+json, not an image config/,
    );
    const layer = oneImage({ layerType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip" });
    expect(await userErrorOf(() => resolveRef(`oci:${layer.layout.root}`))).toMatch(
      /has media type application\/vnd\.cncf\.helm\.chart\.content\.v1\.tar\+gzip, not an image layer/,
    );
    const { layout, manifest } = oneImage();
    layout.writeIndex([{ ...manifest, mediaType: "application/json" }]);
    expect(await userErrorOf(() => resolveRef(`oci:${layout.root}`))).toMatch(
      /has media type application\/json, not an image index or manifest/,
    );
  });

  it("missing blobs", async () => {
    const { layout, manifest } = oneImage();
    const config = (JSON.parse(readFileSync(layout.blobPath(manifest.digest), "utf8")) as { config: { digest: string } }).config;
    rmSync(layout.blobPath(config.digest));
    expect(await userErrorOf(() => resolveRef(`oci:${layout.root}`))).toBe(`OCI layout ${layout.root}: blob ${config.digest} is missing`);
  });

  it("a corrupted layer fails at the end of its stream, naming the blob", async () => {
    const root = tinyCopy();
    const layerPath = join(root, "blobs/sha256/cdd16bd695eda2819e7637648f573c2ca64896c4f7bff9732ac9db734ca3bc2c");
    const bytes = readFileSync(layerPath);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(layerPath, bytes);
    const image = await resolveRef(`oci:${root}`);
    const message = await userErrorOf(async () => bytesOf(await (image.layers[0]?.open() as Promise<Readable>)));
    expect(message).toMatch(
      new RegExp(
        `^OCI layout ${root}: blob sha256:cdd16bd6\\w+ does not match its digest: expected sha256:cdd16bd6\\w+, got sha256:(?!cdd16bd6)\\w{64}$`,
      ),
    );
  });

  it("a layer longer than its descriptor says is cut off", async () => {
    const root = tinyCopy();
    const layerPath = join(root, "blobs/sha256/cdd16bd695eda2819e7637648f573c2ca64896c4f7bff9732ac9db734ca3bc2c");
    writeFileSync(layerPath, Buffer.concat([readFileSync(layerPath), Buffer.alloc(100)]));
    const image = await resolveRef(`oci:${root}`);
    expect(await userErrorOf(async () => bytesOf(await (image.layers[0]?.open() as Promise<Readable>)))).toMatch(
      /is larger than the 2610 bytes its descriptor gives$/,
    );
  });

  it("a corrupted manifest is refused when resolving", async () => {
    const root = tinyCopy();
    const manifestPath = join(root, "blobs/sha256/afb744871f99e0ff8e6f253244836ed34c5d805fdb096d3a205ffaf5e9073cab");
    writeFileSync(manifestPath, readFileSync(manifestPath, "utf8").replace("gzip", "zstd"));
    expect(await userErrorOf(() => resolveRef(`oci:${root}`))).toMatch(/blob sha256:afb74487\w+ does not match its digest/);
  });

  it("a blob linked to a file outside the layout is not followed", async () => {
    const root = tinyCopy();
    const outside = join(tempTree({ "secret.json": "{}" }), "secret.json");
    const configPath = join(root, "blobs/sha256/b23a8f6569ae9ae331226205fa72f480ce5310707d0bc97e611f83fbbbde4604");
    rmSync(configPath);
    symlinkSync(outside, configPath);
    expect(await userErrorOf(() => resolveRef(`oci:${root}`))).toBe(
      `OCI layout ${root}: blobs/sha256/b23a8f6569ae9ae331226205fa72f480ce5310707d0bc97e611f83fbbbde4604 is a link that leads outside the layout`,
    );
  });

  it("a config whose diff IDs do not match the layers", async () => {
    const layout = new LayoutBuilder(join(tempTree(), "diffids"));
    const config = layout.blob(
      { os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [] } },
      "application/vnd.oci.image.config.v1+json",
    );
    const layer = layout.blob(Buffer.from("layer"), "application/vnd.oci.image.layer.v1.tar");
    layout.writeIndex([layout.blob({ schemaVersion: 2, config, layers: [layer] }, "application/vnd.oci.image.manifest.v1+json")]);
    expect(await userErrorOf(() => resolveRef(`oci:${layout.root}`))).toBe(
      `OCI layout ${layout.root}: blob ${config.digest} lists 0 diff IDs for 1 layers`,
    );
  });
});

// ---- hostile and malformed archives ---------------------------------------------------------------

describe("hostile and malformed archives", () => {
  const dir = tempTree();
  const config = JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [sha256("layer")] } });
  const manifest = (layers: string[], tags = ["app:1"]) => JSON.stringify([{ Config: "config.json", RepoTags: tags, Layers: layers }]);

  async function archiveError(entries: TarEntrySpec[], suffix = "", gzip = false): Promise<string> {
    const path = await writeTar(join(dir, `a${Math.random().toString(36).slice(2)}.tar`), entries, gzip);
    return userErrorOf(() => resolveRef(`docker-archive:${path}${suffix}`));
  }

  it.each([
    ["../escape.json", "a parent directory"],
    ["/etc/passwd", "an absolute path"],
    ["layers/../../escape", "a climbing path"],
  ])("refuses an entry named %s (%s)", async (name) => {
    const message = await archiveError([
      { name: "manifest.json", content: manifest(["l/layer.tar"]) },
      { name, content: "{}" },
    ]);
    expect(message).toMatch(
      new RegExp(
        `^docker-archive ${dir}/\\w+\\.tar: entry names an unsafe path ${JSON.stringify(name).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`,
      ),
    );
  });

  it("refuses a symbolic link out of the archive", async () => {
    const message = await archiveError([
      { name: "manifest.json", content: manifest(["l/layer.tar"]) },
      { name: "config.json", content: config },
      { name: "l/layer.tar", symlinkTo: "../../../etc/passwd" },
    ]);
    expect(message).toMatch(/: symbolic link l\/layer\.tar names an unsafe path "\.\.\/\.\.\/etc\/passwd"/);
    const absolute = await archiveError([{ name: "l/layer.tar", symlinkTo: "/etc/passwd" }]);
    expect(absolute).toMatch(/: symbolic link l\/layer\.tar points outside the archive \(\/etc\/passwd\)$/);
  });

  it("refuses manifest.json naming a layer outside the archive", async () => {
    const message = await archiveError([{ name: "manifest.json", content: manifest(["../layer.tar"]) }]);
    expect(message).toMatch(/manifest\.json \[0\] Layers names an unsafe path "\.\.\/layer\.tar"/);
  });

  it("follows links inside the archive (docker save shares layers so) and verifies the layer", async () => {
    const path = await writeTar(
      join(dir, "linked.tar.gz"),
      [
        { name: "manifest.json", content: manifest(["b/layer.tar"]) },
        { name: "config.json", content: config },
        { name: "a/layer.tar", content: "layer" },
        { name: "b/layer.tar", symlinkTo: "../a/layer.tar" },
      ],
      true,
    );
    const image = await resolveRef(`docker-archive:${path}`);
    expect((await bytesOf(await (image.layers[0]?.open() as Promise<Readable>))).toString()).toBe("layer");
  });

  it("reads a hard-linked layer, and the last of two entries with one name, plain and gzipped", async () => {
    for (const gzip of [false, true]) {
      const path = await writeTar(
        join(dir, `hardlinked.tar${gzip ? ".gz" : ""}`),
        [
          { name: "manifest.json", content: manifest(["b/layer.tar"], ["old:1"]) },
          { name: "manifest.json", content: manifest(["b/layer.tar"]) },
          { name: "manifest.json", hardLinkTo: "manifest.json" },
          { name: "config.json", content: config },
          { name: "a/layer.tar", content: "layer" },
          { name: "b/layer.tar", hardLinkTo: "a/layer.tar" },
        ],
        gzip,
      );
      const image = await resolveRef(`docker-archive:${path}:app:1`);
      expect((await bytesOf(await (image.layers[0]?.open() as Promise<Readable>))).toString()).toBe("layer");
    }
    expect(await archiveError([{ name: "b/layer.tar", hardLinkTo: "a/layer.tar" }])).toMatch(
      /: hard link b\/layer\.tar points to a\/layer\.tar, which does not come before it$/,
    );
  });

  it("a layer that does not match its diff ID fails its stream, naming the layer", async () => {
    for (const gzip of [false, true]) {
      const path = await writeTar(
        join(dir, `mismatch.tar${gzip ? ".gz" : ""}`),
        [
          { name: "manifest.json", content: manifest(["a/layer.tar"]) },
          { name: "config.json", content: config },
          { name: "a/layer.tar", content: "tampered" },
        ],
        gzip,
      );
      const image = await resolveRef(`docker-archive:${path}`);
      expect(await userErrorOf(async () => bytesOf(await (image.layers[0]?.open() as Promise<Readable>)))).toBe(
        `docker-archive ${path}: layer a/layer.tar does not match its digest: expected ${sha256("layer")}, got ${sha256("tampered")}`,
      );
    }
  });

  it("several images: lists the tags; a missing layer or manifest is named", async () => {
    const two = JSON.stringify([
      { Config: "config.json", RepoTags: ["app:1"], Layers: [] },
      { Config: "config.json", RepoTags: ["app:2", "ghcr.io/o/app:2"], Layers: [] },
    ]);
    expect(await archiveError([{ name: "manifest.json", content: two }])).toMatch(
      / holds 2 images; name one as docker-archive:PATH:NAME:TAG: app:1, app:2, ghcr\.io\/o\/app:2$/,
    );
    expect(
      await archiveError([
        { name: "manifest.json", content: manifest(["a/layer.tar"]) },
        { name: "config.json", content: config },
      ]),
    ).toMatch(/ has no layer a\/layer\.tar$/);
    expect(await archiveError([{ name: "repositories", content: "{}" }])).toMatch(
      / is not a docker save archive: it has no manifest\.json$/,
    );
  });

  it("malformed manifest.json and config", async () => {
    expect(await archiveError([{ name: "manifest.json", content: "[{" }])).toMatch(/manifest\.json is not valid JSON: /);
    expect(await archiveError([{ name: "manifest.json", content: '{"Config": 1}' }])).toMatch(/manifest\.json is not a list of images$/);
    expect(
      await archiveError([
        { name: "manifest.json", content: manifest([]) },
        { name: "config.json", content: "not json" },
      ]),
    ).toMatch(/config config\.json is not valid JSON/);
  });

  it("a file that is not a tar at all", async () => {
    const path = join(dir, "notes.txt");
    writeFileSync(path, "just some text, long enough to be more than one tar block? no.".repeat(20));
    expect(await userErrorOf(() => resolveRef(`docker-archive:${path}`))).toMatch(
      new RegExp(`^docker-archive ${path} is not a readable tar archive: `),
    );
    expect(await userErrorOf(() => resolveRef(`docker-archive:${join(dir, "absent.tar")}`))).toBe(
      `docker-archive ${join(dir, "absent.tar")}: the file does not exist or cannot be read`,
    );
  });

  it("an oci-archive that is not an OCI layout", async () => {
    const path = await writeTar(join(dir, "plain.tar"), [{ name: "hello.txt", content: "hi" }]);
    expect(await userErrorOf(() => resolveRef(`oci-archive:${path}`))).toBe(
      `oci-archive ${path} is not an OCI image layout: it has no oci-layout file`,
    );
  });
});
