import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip, gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../core/src/image/sources/digest.js";
import { RegistryClient } from "../core/src/registry/index.js";
import { pullDatabase, pushDatabase } from "../core/src/vulndb/artifact/index.js";
import { buildDatabase, type DatabaseMetadata, openDatabase, writeDatabase } from "../core/src/vulndb/db/index.js";
import type { Advisory } from "../core/src/vulndb/types.js";
import { userErrorOf } from "./support/errors.js";
import { tempTree } from "./support/files.js";
import { realPartAvailable } from "./support/real-parts.js";
import { type FaultProxy, REGISTRY_BINARY, startFaultProxy, startRegistry, type TestRegistry } from "./support/registry.js";

const registryHere = realPartAvailable("docker-registry", REGISTRY_BINARY, "apt-get install -y docker-registry");
const skopeoHere = realPartAvailable("skopeo", "/usr/bin/skopeo", "apt-get install -y skopeo");
const tarHere = realPartAvailable("GNU tar", "/usr/bin/tar", "apt-get install -y tar");
const GO = "../shared/vulndata/go/osv";
const OVAL = "../shared/vulndata/azurelinux/azurelinux-3.0-oval.xml";
const KEV = "../shared/vulndata/kev/known_exploited_vulnerabilities.json";
const vulndataHere = realPartAvailable("the shared vulnerability data", KEV, "check out ../shared beside the repository", "read");
const EMPTY_HOME = { DOCKER_CONFIG: "/nonexistent-portcullis-docker-config", PATH: process.env.PATH };
const OPTIONS = { env: EMPTY_HOME, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 50 } };
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

interface Member {
  name: string;
  content?: Buffer;
  type?: "file" | "symlink" | "link" | "directory";
  linkname?: string;
}

async function tarOf(members: Member[]): Promise<Buffer> {
  const archive = pack();
  for (const { name, content, type = "file", linkname } of members) {
    const header = { name, type, mode: 0o644, ...(linkname && { linkname }) };
    if (type === "file") archive.entry(header, content ?? Buffer.alloc(0));
    else archive.entry(header);
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function gzippedTar(members: Member[]): Promise<Buffer> {
  return gzipSync(await tarOf(members));
}

/** A ustar header for a regular file that claims `size` bytes (none follow). */
function lyingHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\u000000", 257);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148);
  return header;
}

/** Pushes `layer` as a database artifact as portcullis would lay it out; returns the manifest digest. */
async function pushLayer(client: RegistryClient, repository: string, layer: Buffer, schema = "1"): Promise<string> {
  await client.putBlob(repository, Buffer.from("{}"));
  await client.putBlob(repository, layer);
  const manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST,
    artifactType: "application/vnd.portcullis.vulndb.v1",
    config: { mediaType: "application/vnd.oci.empty.v1+json", digest: EMPTY_DIGEST, size: 2 },
    layers: [{ mediaType: "application/vnd.portcullis.vulndb.layer.v1.tar+gzip", digest: digestOf(layer), size: layer.length }],
    annotations: { "dev.portcullis.vulndb.schema-version": schema },
  };
  return client.putManifest(repository, "1", Buffer.from(JSON.stringify(manifest)), MANIFEST);
}

function blobFile(registry: TestRegistry, digest: string): string {
  const hex = digest.slice("sha256:".length);
  return join(registry.storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}

function blobGets(proxy: FaultProxy, repository: string, since: number): number {
  return proxy.log.filter((entry) => entry.at >= since && entry.request.startsWith(`GET /v2/${repository}/blobs/`)).length;
}

/** Each file's digest (comparing digests, not buffers: deep equality of a megabyte is slow). */
function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, digestOf(readFileSync(join(dir, name)))]));
}

function tinyAdvisory(id: string): Advisory {
  return {
    id,
    aliases: [],
    related: [],
    modified: "2024-01-01T00:00:00Z",
    cvss: [],
    references: [],
    affected: [{ ecosystem: "npm", name: `package-${id}`, ranges: [], versions: ["1.0.0"] }],
    source: "osv",
  };
}

/** A small database of its own, so that its layer blob is shared with no other test. */
async function tinyDatabase(id: string): Promise<string> {
  const dir = join(tempTree(), "db");
  await writeDatabase(Readable.from([tinyAdvisory(id)]), { out: dir, now: new Date("2026-02-02T00:00:00Z") });
  return dir;
}

describe.skipIf(!registryHere || !vulndataHere)("the database as an OCI artifact in a real registry", () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let client: RegistryClient;
  let source: string;
  let metadata: DatabaseMetadata;
  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy(registry.host);
    client = new RegistryClient(registry.host, OPTIONS);
    source = join(tempTree(), "db");
    metadata = await buildDatabase({ osv: [GO], oval: [OVAL], kev: KEV, out: source, now: new Date("2026-03-01T06:00:00Z") });
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  it("pushes an OCI image manifest with the artifact type, the empty config and one titled tar+gzip layer", async () => {
    const pushed = await pushDatabase(source, `${registry.host}/portcullis/db:1`, OPTIONS);
    const fetched = await client.getManifest("portcullis/db", "1", [MANIFEST], 1 << 20);
    expect(fetched.digest).toBe(pushed.digest);
    const layer = await client.readBlob("portcullis/db", pushed.layer.digest, 64 << 20);
    expect(JSON.parse(fetched.bytes.toString("utf8"))).toEqual({
      schemaVersion: 2,
      mediaType: MANIFEST,
      artifactType: "application/vnd.portcullis.vulndb.v1",
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: EMPTY_DIGEST, size: 2, data: "e30=" },
      layers: [
        {
          mediaType: "application/vnd.portcullis.vulndb.layer.v1.tar+gzip",
          digest: digestOf(layer),
          size: layer.length,
          annotations: { "org.opencontainers.image.title": "portcullis-db.tar.gz" },
        },
      ],
      annotations: { "org.opencontainers.image.created": "2026-03-01T06:00:00.000Z", "dev.portcullis.vulndb.schema-version": "1" },
    });
    expect(await client.readBlob("portcullis/db", EMPTY_DIGEST, 16)).toEqual(Buffer.from("{}"));
    expect(pushed.ref).toBe(`${registry.host}/portcullis/db:1@${pushed.digest}`);
  });

  it.skipIf(!tarHere)(
    "packs the database files at the archive root, metadata.json first, owned by root, as GNU tar lists them",
    async () => {
      const { layer } = await pushDatabase(source, `${registry.host}/portcullis/db:1`, OPTIONS);
      const blob = await client.readBlob("portcullis/db", layer.digest, 64 << 20);
      const listing = execFileSync("/usr/bin/tar", ["-tzv", "--numeric-owner", "-f", "-"], { input: blob, encoding: "utf8" })
        .trim()
        .split("\n");
      expect(listing.map((line) => line.split(/\s+/).at(-1))).toEqual(["metadata.json", "dictionary.bin", "index.tsv", "packages.bin"]);
      for (const line of listing) expect(line).toMatch(/^-rw-r--r-- 0\/0 /);
      const again = await pushDatabase(source, `${registry.host}/portcullis/db:again`, OPTIONS);
      expect(again.layer.digest).toBe(layer.digest);
    },
  );

  it("pulls it back into a cache entry named by the manifest digest: the same files, the same answers", async () => {
    const pushed = await pushDatabase(source, `${registry.host}/portcullis/db:1`, OPTIONS);
    const root = tempTree();
    const pulled = await pullDatabase(`${registry.host}/portcullis/db:1`, root, OPTIONS);
    expect(pulled).toEqual({ dir: join(root, `sha256-${pushed.digest.slice(7)}`), digest: pushed.digest, downloaded: true });
    expect(readdirSync(root)).toEqual([`sha256-${pushed.digest.slice(7)}`]);
    expect(filesOf(pulled.dir)).toEqual(filesOf(source));
    const original = await openDatabase(source);
    const copy = await openDatabase(pulled.dir);
    expect(copy.metadata).toEqual(metadata);
    for (const [ecosystem, name] of [
      ["Go", "stdlib"],
      ["Go", "golang.org/x/net"],
      ["Azure Linux:3.0", "kernel"],
      ["Azure Linux:3.0", "openssl"],
    ] as const) {
      expect(copy.advisoriesFor(ecosystem, name)).toEqual(original.advisoriesFor(ecosystem, name));
      expect(copy.advisoriesFor(ecosystem, name).length).toBeGreaterThan(0);
    }
    original.close();
    copy.close();
  });

  it("does not download the layer again for a digest already cached, and repairs a damaged entry", async () => {
    await pushDatabase(source, `${registry.host}/portcullis/db:1`, OPTIONS);
    const root = tempTree();
    const started = Date.now();
    const first = await pullDatabase(`${proxy.host}/portcullis/db:1`, root, OPTIONS);
    expect(blobGets(proxy, "portcullis/db", started)).toBe(1);
    const second = await pullDatabase(`${proxy.host}/portcullis/db:1`, root, OPTIONS);
    expect(second).toEqual({ ...first, downloaded: false });
    const byDigest = await pullDatabase(`${proxy.host}/portcullis/db@${first.digest}`, root, OPTIONS);
    expect(byDigest).toEqual({ ...first, downloaded: false });
    expect(blobGets(proxy, "portcullis/db", started)).toBe(1);
    rmSync(join(first.dir, "packages.bin"));
    const third = await pullDatabase(`${proxy.host}/portcullis/db:1`, root, OPTIONS);
    expect(third).toEqual(first);
    expect(blobGets(proxy, "portcullis/db", started)).toBe(2);
    expect(filesOf(third.dir)).toEqual(filesOf(source));
  });

  it("refuses a layer tampered with in the registry's storage, and caches nothing", async () => {
    const pushed = await pushDatabase(await tinyDatabase("TAMPER-1"), `${registry.host}/tampered/db:1`, OPTIONS);
    const file = blobFile(registry, pushed.layer.digest);
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 0xff, bytes.length >> 1);
    writeFileSync(file, bytes);
    const root = tempTree();
    const message = await userErrorOf(() => pullDatabase(`${registry.host}/tampered/db:1`, root, OPTIONS));
    expect(message).toMatch(
      new RegExp(
        `^vulnerability database ${registry.host}/tampered/db:1: layer ${pushed.layer.digest} does not match its digest: expected ${pushed.layer.digest}, got sha256:[a-f0-9]{64}$`,
      ),
    );
    expect(readdirSync(root)).toEqual([]);
  });

  it("refuses a layer whose bytes match its digest but not its declared size", async () => {
    const dir = await tinyDatabase("SIZE-1");
    const pushed = await pushDatabase(dir, `${registry.host}/sized/db:1`, OPTIONS);
    const manifest = JSON.parse((await client.getManifest("sized/db", "1", [MANIFEST], 1 << 20)).bytes.toString("utf8"));
    manifest.layers[0].size += 10;
    await client.putManifest("sized/db", "lying", Buffer.from(JSON.stringify(manifest)), MANIFEST);
    const root = tempTree();
    const message = await userErrorOf(() => pullDatabase(`${registry.host}/sized/db:lying`, root, OPTIONS));
    expect(message).toContain(`layer ${pushed.layer.digest} has ${pushed.layer.size} bytes, its descriptor says ${pushed.layer.size + 10}`);
    expect(readdirSync(root)).toEqual([]);
  });

  describe("hostile archives", () => {
    let metadataBytes: Buffer;
    beforeAll(() => {
      metadataBytes = readFileSync(join(source, "metadata.json"));
    });
    /** A layer of metadata.json, then `member`. */
    const withMetadata = (member: Member) => () => gzippedTar([{ name: "metadata.json", content: metadataBytes }, member]);
    const cases: { what: string; layer: () => Promise<Buffer>; refused: string }[] = [
      {
        what: "a path that climbs out",
        layer: withMetadata({ name: "../escape", content: Buffer.from("x") }),
        refused: 'archive entry "../escape" is not a database file',
      },
      {
        what: "an absolute path",
        layer: withMetadata({ name: "/tmp/escape", content: Buffer.from("x") }),
        refused: 'archive entry "/tmp/escape" is not a database file',
      },
      {
        what: "a symbolic link in a database file's place",
        layer: withMetadata({ name: "packages.bin", type: "symlink", linkname: "/etc/passwd" }),
        refused: 'archive entry "packages.bin" is a symlink, not a regular file',
      },
      {
        what: "a hard link",
        layer: withMetadata({ name: "index.tsv", type: "link", linkname: "metadata.json" }),
        refused: 'archive entry "index.tsv" is a link, not a regular file',
      },
      {
        what: "data before metadata.json",
        layer: () =>
          gzippedTar([
            { name: "packages.bin", content: Buffer.from("x") },
            { name: "metadata.json", content: metadataBytes },
          ]),
        refused: 'archive entry "packages.bin" comes before metadata.json, which must be first',
      },
      {
        what: "a file given twice",
        layer: () =>
          gzippedTar([
            { name: "metadata.json", content: metadataBytes },
            { name: "metadata.json", content: metadataBytes },
          ]),
        refused: 'archive entry "metadata.json" comes twice',
      },
      {
        what: "an entry declaring 5 GiB",
        layer: async () =>
          gzipSync(
            Buffer.concat([
              await tarOf([{ name: "metadata.json", content: metadataBytes }]).then((tar) => tar.subarray(0, -1024)),
              lyingHeader("packages.bin", 5 * 1024 ** 3),
            ]),
          ),
        refused: 'archive entry "packages.bin" declares 5368709120 bytes, more than the whole layer may inflate to',
      },
      {
        what: "a decompression bomb (200 MiB of zeros in a few hundred KB)",
        layer: async () => {
          const tar = await tarOf([{ name: "metadata.json", content: metadataBytes }]);
          const chunks: Buffer[] = [];
          const zeros = Buffer.alloc(1 << 20);
          async function* body() {
            yield tar;
            for (let mib = 0; mib < 200; mib++) yield zeros;
          }
          await pipeline(Readable.from(body()), createGzip(), async (gzip: AsyncIterable<Buffer>) => {
            for await (const chunk of gzip) chunks.push(chunk);
          });
          return Buffer.concat(chunks);
        },
        refused: "inflates to more than",
      },
      {
        what: "metadata.json of a newer schema",
        layer: async () => {
          const newer = Buffer.from(JSON.stringify({ ...JSON.parse(metadataBytes.toString("utf8")), schemaVersion: 7 }));
          return gzippedTar([
            { name: "metadata.json", content: newer },
            { name: "packages.bin", content: Buffer.alloc(10) },
          ]);
        },
        refused: "was built by a newer portcullis (schema 7; this one reads 1): upgrade portcullis",
      },
      {
        what: "files that do not match metadata.json",
        layer: () =>
          gzippedTar([
            { name: "metadata.json", content: metadataBytes },
            { name: "dictionary.bin", content: readFileSync(join(source, "dictionary.bin")) },
            { name: "index.tsv", content: readFileSync(join(source, "index.tsv")) },
            { name: "packages.bin", content: Buffer.alloc(readFileSync(join(source, "packages.bin")).length) },
          ]),
        refused: "packages.bin does not match its checksum in metadata.json",
      },
    ];

    it.each(cases)("refuses $what, writing nothing anywhere", async ({ what, layer, refused }) => {
      const repository = `hostile/${what.replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
      await pushLayer(client, repository, await layer());
      const parent = tempTree();
      const root = join(parent, "cache");
      const message = await userErrorOf(() => pullDatabase(`${registry.host}/${repository}:1`, root, OPTIONS));
      expect(message).toContain(refused);
      expect(readdirSync(root)).toEqual([]);
      expect(readdirSync(parent)).toEqual(["cache"]);
      expect(existsSync("/tmp/escape")).toBe(false);
    });
  });

  it("refuses a newer schema named in the manifest before downloading anything", async () => {
    await pushLayer(client, "newer/db", await gzippedTar([]), "2");
    const started = Date.now();
    const message = await userErrorOf(() => pullDatabase(`${proxy.host}/newer/db:1`, tempTree(), OPTIONS));
    expect(message).toBe(
      `vulnerability database ${proxy.host}/newer/db:1 was built by a newer portcullis (schema 2; this one reads 1): upgrade portcullis, or pull the tag of schema 1`,
    );
    expect(blobGets(proxy, "newer/db", started)).toBe(0);
  });

  it("refuses an image that is not a database, and a push to a digest", async () => {
    const layer = await gzippedTar([{ name: "etc/os-release", content: Buffer.from("ID=test\n") }]);
    await client.putBlob("plain/image", layer);
    const config = Buffer.from(JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [] } }));
    await client.putBlob("plain/image", config);
    const manifest = {
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: digestOf(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: digestOf(layer), size: layer.length }],
    };
    await client.putManifest("plain/image", "1", Buffer.from(JSON.stringify(manifest)), MANIFEST);
    expect(await userErrorOf(() => pullDatabase(`${registry.host}/plain/image:1`, tempTree(), OPTIONS))).toBe(
      `vulnerability database ${registry.host}/plain/image:1 is not a portcullis vulnerability database (its artifactType is undefined); check the repository and tag`,
    );
    expect(await userErrorOf(() => pushDatabase(source, `${registry.host}/portcullis/db@${EMPTY_DIGEST}`, OPTIONS))).toContain(
      "give a tag, not a digest",
    );
  });

  it("refuses to push a damaged database, uploading nothing", async () => {
    const dir = await tinyDatabase("DAMAGED-1");
    const packages = readFileSync(join(dir, "packages.bin"));
    packages.writeUInt8(packages.readUInt8(0) ^ 1, 0);
    writeFileSync(join(dir, "packages.bin"), packages);
    const started = Date.now();
    expect(await userErrorOf(() => pushDatabase(dir, `${proxy.host}/damaged/db:1`, OPTIONS))).toContain(
      "packages.bin does not match its checksum",
    );
    expect(proxy.log.filter((entry) => entry.at >= started)).toEqual([]);
  });

  it.skipIf(!skopeoHere)("survives a mirror copy by skopeo byte for byte: the mirror's pull is the same digest", async () => {
    const pushed = await pushDatabase(source, `${registry.host}/portcullis/db:1`, OPTIONS);
    execFileSync("/usr/bin/skopeo", [
      "copy",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      `docker://${registry.host}/portcullis/db:1`,
      `docker://${registry.host}/company/mirror/portcullis-db:1`,
    ]);
    const pulled = await pullDatabase(`${registry.host}/company/mirror/portcullis-db:1`, tempTree(), OPTIONS);
    expect(pulled.digest).toBe(pushed.digest);
    expect(filesOf(pulled.dir)).toEqual(filesOf(source));
  });
});
