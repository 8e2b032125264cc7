import { readFileSync } from "node:fs";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { Ajv2019 } from "ajv/dist/2019.js";
import { beforeAll, describe, expect, it } from "vitest";
import type { ImageInventory } from "../core/src/image/inventory-image.js";
import { inventoryImage } from "../core/src/image/inventory-image.js";
import { renderSbom, SBOM_FORMATS } from "../core/src/inventory/sbom/index.js";
import type { InventoryPackage } from "../core/src/inventory/types.js";
import { realPartAvailable } from "./support/real-parts.js";

const ALPINE = new URL("../../shared/images/alpine-311.docker-archive.tar.gz", import.meta.url).pathname;
const haveAlpine = realPartAvailable("the Alpine 3.11 image", ALPINE, "it comes with ../shared (images/)", "read");
const TOOL = { name: "portcullis", version: "0.1.0" };
const NOW = new Date("2026-03-04T05:06:07.890Z");

const cycloneDxValidator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
const spdxSchema = JSON.parse(readFileSync(new URL("fixtures/sbom/spdx-schema-2.3.json", import.meta.url), "utf8"));
const spdxValidator = new Ajv2019({ allErrors: true, strict: false }).compile(spdxSchema);

/** Schema errors of a CycloneDX document; empty when valid. */
async function cycloneDxErrors(json: string): Promise<unknown[]> {
  const errors = await cycloneDxValidator.validate(json);
  return errors === null ? [] : [errors];
}

function spdxErrors(json: string): unknown[] {
  return spdxValidator(JSON.parse(json)) ? [] : (spdxValidator.errors ?? []);
}

interface CycloneDxComponent {
  type: string;
  name: string;
  version?: string;
  purl?: string;
  "bom-ref": string;
  properties?: { name: string; value: string }[];
}

interface CycloneDxDocument {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; tools: { components: CycloneDxComponent[] }; component: CycloneDxComponent };
  components?: CycloneDxComponent[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
}

interface SpdxDocument {
  spdxVersion: string;
  dataLicense: string;
  SPDXID: string;
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: {
    SPDXID: string;
    name: string;
    versionInfo?: string;
    sourceInfo?: string;
    externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
  }[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

function property(component: CycloneDxComponent, name: string): string | undefined {
  return component.properties?.find((entry) => entry.name === name)?.value;
}

/** The package list the inventory holds, as `name version purl`, sorted: what both SBOMs must list. */
function expectedPackages(packages: readonly InventoryPackage[]): string[] {
  return packages.map((pkg) => `${pkg.name} ${pkg.version} ${pkg.purl}`).sort();
}

function emptyImage(): ImageInventory {
  return { ref: "oci:/tmp/empty:latest", platform: { os: "linux", architecture: "amd64" }, layers: 1, packages: [], notes: [] };
}

function syntheticPackage(name: string, version: string, purl: string): InventoryPackage {
  return { name, version, ecosystem: "npm", purl, layer: "sha256:0000", path: `app/node_modules/${name}/package.json` };
}

describe("the validators themselves", () => {
  it("reject broken documents, so a passing validation means something", async () => {
    const cycloneDx = JSON.parse(renderSbom(emptyImage(), "cyclonedx-json", TOOL, NOW));
    cycloneDx.metadata.component.type = "not-a-type";
    expect(await cycloneDxErrors(JSON.stringify(cycloneDx))).not.toEqual([]);
    const spdx = JSON.parse(renderSbom(emptyImage(), "spdx-json", TOOL, NOW));
    spdx.packages[0].SPDXID = "SPDXRef-has_underscore";
    delete spdx.creationInfo;
    expect(spdxErrors(JSON.stringify(spdx)).length).toBeGreaterThanOrEqual(2);
  });
});

describe.runIf(haveAlpine)("SBOMs of the real Alpine 3.11 image", () => {
  let image: ImageInventory;
  beforeAll(async () => {
    image = await inventoryImage(`docker-archive:${ALPINE}`);
  });

  it("reads the 14 apk packages the SBOMs must list", () => {
    expect(image.packages).toHaveLength(14);
    expect(new Set(image.packages.map((pkg) => pkg.purl)).size).toBe(14);
  });

  describe("CycloneDX 1.6 JSON", () => {
    let json: string;
    let bom: CycloneDxDocument;
    beforeAll(() => {
      json = renderSbom(image, "cyclonedx-json", TOOL, NOW);
      bom = JSON.parse(json);
    });

    it("is valid against the official 1.6 schema (strict)", async () => {
      expect(await cycloneDxErrors(json)).toEqual([]);
      expect(bom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
    });

    it("describes the image, the tool and the time in its metadata", () => {
      expect(bom.metadata.timestamp).toBe("2026-03-04T05:06:07.890Z");
      expect(bom.metadata.tools.components).toEqual([
        expect.objectContaining({ type: "application", name: "portcullis", version: "0.1.0" }),
      ]);
      const subject = bom.metadata.component;
      expect(subject).toMatchObject({ type: "container", name: image.ref, "bom-ref": image.ref });
      expect(property(subject, "portcullis:os:family")).toBe("alpine");
      expect(property(subject, "portcullis:os:version")).toBe("3.11.5");
    });

    it("lists exactly the inventory's packages with their versions and purls", () => {
      const components = bom.components ?? [];
      expect(components.every((component) => component.type === "library")).toBe(true);
      expect(components.map((component) => `${component.name} ${component.version} ${component.purl}`).sort()).toEqual(
        expectedPackages(image.packages),
      );
      expect(components.map((component) => component.purl)).toEqual(
        expect.arrayContaining([
          "pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64&distro=alpine-3.11.5",
          "pkg:apk/alpine/libcrypto1.1@1.1.1d-r3?arch=x86_64&distro=alpine-3.11.5",
          "pkg:apk/alpine/busybox@1.31.1-r9?arch=x86_64&distro=alpine-3.11.5",
        ]),
      );
    });

    it("records each package's layer, path and source package", () => {
      const libcrypto = bom.components?.find((component) => component.name === "libcrypto1.1");
      if (!libcrypto) throw new Error("libcrypto1.1 is missing");
      expect(libcrypto["bom-ref"]).toBe(libcrypto.purl);
      expect(property(libcrypto, "portcullis:source:name")).toBe("openssl");
      expect(property(libcrypto, "portcullis:source:version")).toBe("1.1.1d-r3");
      expect(property(libcrypto, "portcullis:path")).toBe("lib/apk/db/installed");
      expect(property(libcrypto, "portcullis:layer")).toBe("sha256:beee9f30bc1f711043e78d4a2be0668955d4b761d587d6f60c2c8dc081efb203");
    });

    it("makes the image depend on every package", () => {
      const imageDependency = bom.dependencies?.find((dependency) => dependency.ref === image.ref);
      expect([...(imageDependency?.dependsOn ?? [])].sort()).toEqual(
        (bom.components ?? []).map((component) => component["bom-ref"]).sort(),
      );
    });

    it("is the same document for the same inventory and time, but for its random serial number", () => {
      const again = JSON.parse(renderSbom(image, "cyclonedx-json", TOOL, NOW));
      expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(again.serialNumber).not.toBe(bom.serialNumber);
      expect({ ...again, serialNumber: "" }).toEqual({ ...bom, serialNumber: "" });
    });
  });

  describe("SPDX 2.3 JSON", () => {
    let json: string;
    let spdx: SpdxDocument;
    beforeAll(() => {
      json = renderSbom(image, "spdx-json", TOOL, NOW);
      spdx = JSON.parse(json);
    });

    it("is valid against the official SPDX 2.3 schema", () => {
      expect(spdxErrors(json)).toEqual([]);
    });

    it("has the document fields SPDX requires", () => {
      expect(spdx).toMatchObject({ spdxVersion: "SPDX-2.3", dataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT", name: image.ref });
      expect(spdx.creationInfo).toEqual({ created: "2026-03-04T05:06:07Z", creators: ["Tool: portcullis-0.1.0"] });
      expect(spdx.documentNamespace).toMatch(
        /^https:\/\/portcullis\.dev\/spdx\/docker-archive-[A-Za-z0-9.-]+-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    });

    it("lists exactly the inventory's packages with their versions and purls", () => {
      const [imagePackage, ...packages] = spdx.packages;
      expect(imagePackage).toMatchObject({ SPDXID: "SPDXRef-Image", name: image.ref });
      const listed = packages.map((pkg) => {
        expect(pkg.externalRefs).toHaveLength(1);
        expect(pkg.externalRefs?.[0]).toMatchObject({ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl" });
        return `${pkg.name} ${pkg.versionInfo} ${pkg.externalRefs?.[0]?.referenceLocator}`;
      });
      expect(listed.sort()).toEqual(expectedPackages(image.packages));
      expect(listed).toContain("musl 1.1.24-r2 pkg:apk/alpine/musl@1.1.24-r2?arch=x86_64&distro=alpine-3.11.5");
      expect(packages.find((pkg) => pkg.name === "libssl1.1")?.sourceInfo).toBe("built from source package openssl 1.1.1d-r3");
    });

    it("says the document describes the image and the image contains each package", () => {
      const ids = spdx.packages.map((pkg) => pkg.SPDXID);
      expect(new Set(ids).size).toBe(ids.length);
      expect(spdx.relationships[0]).toEqual({
        spdxElementId: "SPDXRef-DOCUMENT",
        relationshipType: "DESCRIBES",
        relatedSpdxElement: "SPDXRef-Image",
      });
      const contained = spdx.relationships.filter(
        (relation) => relation.spdxElementId === "SPDXRef-Image" && relation.relationshipType === "CONTAINS",
      );
      expect(contained.map((relation) => relation.relatedSpdxElement)).toEqual(ids.slice(1));
    });

    it("is the same document for the same inventory and time, but for its random namespace", () => {
      const again: SpdxDocument = JSON.parse(renderSbom(image, "spdx-json", TOOL, NOW));
      expect(again.documentNamespace).not.toBe(spdx.documentNamespace);
      expect({ ...again, documentNamespace: "" }).toEqual({ ...spdx, documentNamespace: "" });
    });
  });
});

describe.each(SBOM_FORMATS)("%s edge cases", (format) => {
  const validate = format === "cyclonedx-json" ? cycloneDxErrors : spdxErrors;

  it("gives a valid document for an image with no packages", async () => {
    const json = renderSbom(emptyImage(), format, TOOL, NOW);
    expect(await validate(json)).toEqual([]);
  });

  it("keeps identifiers unique and valid when packages share a purl or have odd names", async () => {
    const image = emptyImage();
    image.digest = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";
    image.packages = [
      syntheticPackage("left_pad", "1.0.0", "pkg:npm/left_pad@1.0.0"),
      syntheticPackage("left_pad", "1.0.0", "pkg:npm/left_pad@1.0.0"),
      syntheticPackage("left-pad", "1.0.0", "pkg:npm/left-pad@1.0.0"),
      syntheticPackage("@scope/c++", "2.0.0+build", "pkg:npm/%40scope/c%2B%2B@2.0.0%2Bbuild"),
    ];
    const json = renderSbom(image, format, TOOL, NOW);
    expect(await validate(json)).toEqual([]);
    const document = JSON.parse(json);
    const ids: string[] =
      format === "cyclonedx-json"
        ? document.components.map((component: CycloneDxComponent) => component["bom-ref"])
        : document.packages.map((pkg: { SPDXID: string }) => pkg.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(format === "cyclonedx-json" ? 4 : 5);
    if (format === "cyclonedx-json") expect(ids).toEqual(expect.arrayContaining(["pkg:npm/left_pad@1.0.0", "pkg:npm/left_pad@1.0.0|2"]));
  });
});
