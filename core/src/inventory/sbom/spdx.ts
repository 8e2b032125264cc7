import { randomUUID } from "node:crypto";
import type { ImageInventory } from "../../image/inventory-image.js";
import type { ToolInfo } from "../../model/report.js";
import type { InventoryPackage } from "../types.js";
import { uniqueKeys } from "./unique.js";

const IMAGE_ID = "SPDXRef-Image";

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  supplier: "NOASSERTION";
  downloadLocation: "NOASSERTION";
  filesAnalyzed: false;
  primaryPackagePurpose: "CONTAINER" | "LIBRARY";
  sourceInfo?: string;
  comment?: string;
  externalRefs?: { referenceCategory: "PACKAGE-MANAGER"; referenceType: "purl"; referenceLocator: string }[];
}

/** An SPDX 2.3 JSON document: the document describes the image, the image contains each package. */
export function renderSpdx(image: ImageInventory, tool: ToolInfo, now: Date): string {
  const ids = uniqueKeys(
    image.packages.map((pkg) => `SPDXRef-Package-${spdxIdText(pkg.name)}-${spdxIdText(pkg.version)}`),
    "-",
  );
  const document = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: image.ref,
    // A URI unique to this document, as SPDX requires; the image names it for readers.
    documentNamespace: `https://portcullis.dev/spdx/${spdxIdText(image.ref)}-${randomUUID()}`,
    creationInfo: {
      // SPDX dates are whole seconds in UTC.
      created: `${now.toISOString().slice(0, 19)}Z`,
      creators: [`Tool: ${tool.name}-${tool.version}`],
    },
    packages: [imagePackage(image), ...image.packages.map((pkg, index) => inventoryPackage(pkg, ids[index] as string))],
    relationships: [
      { spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: IMAGE_ID },
      ...ids.map((id) => ({ spdxElementId: IMAGE_ID, relationshipType: "CONTAINS", relatedSpdxElement: id })),
    ],
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function imagePackage(image: ImageInventory): SpdxPackage {
  const os = image.os ? `operating system: ${[image.os.family, image.os.version].filter(Boolean).join(" ")}` : undefined;
  return {
    SPDXID: IMAGE_ID,
    name: image.ref,
    ...(image.digest && { versionInfo: image.digest }),
    supplier: "NOASSERTION",
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    primaryPackagePurpose: "CONTAINER",
    ...(os && { comment: os }),
  };
}

function inventoryPackage(pkg: InventoryPackage, id: string): SpdxPackage {
  return {
    SPDXID: id,
    name: pkg.name,
    versionInfo: pkg.version,
    supplier: "NOASSERTION",
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    primaryPackagePurpose: "LIBRARY",
    ...(pkg.source && { sourceInfo: `built from source package ${pkg.source.name} ${pkg.source.version}` }),
    comment: `found in layer ${pkg.layer} at ${pkg.path}`,
    ...(pkg.purl && { externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: pkg.purl }] }),
  };
}

/** SPDX identifiers allow only letters, digits, `.` and `-`; anything else becomes `-`. */
function spdxIdText(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]/g, "-");
}
