import { randomUUID } from "node:crypto";
import { Enums, Models, Serialize, Spec } from "@cyclonedx/cyclonedx-library";
import type { ImageInventory } from "../../image/inventory-image.js";
import type { ToolInfo } from "../../model/report.js";
import type { InventoryPackage } from "../types.js";
import { uniqueKeys } from "./unique.js";

// `|` cannot occur in a purl unencoded, so `pkg:npm/a@1|2` cannot be read as another version.
const DUPLICATE_SEPARATOR = "|";

/** A CycloneDX 1.6 JSON document: the image as the BOM's subject, one library component per package. */
export function renderCycloneDx(image: ImageInventory, tool: ToolInfo, now: Date): string {
  const subject = imageComponent(image);
  const bom = new Models.Bom({ serialNumber: `urn:uuid:${randomUUID()}` });
  bom.metadata.timestamp = now;
  bom.metadata.component = subject;
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, tool.name, { version: tool.version }));
  const refs = uniqueKeys(image.packages.map(bomRefBase), DUPLICATE_SEPARATOR);
  image.packages.forEach((pkg, index) => {
    const component = packageComponent(pkg, refs[index] as string);
    bom.components.add(component);
    subject.dependencies.add(component.bomRef);
  });
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}

function imageComponent(image: ImageInventory): Models.Component {
  const component = new Models.Component(Enums.ComponentType.Container, image.ref, {
    bomRef: image.ref,
    ...(image.digest && { version: image.digest }),
  });
  addProperties(component, { "portcullis:os:family": image.os?.family, "portcullis:os:version": image.os?.version });
  return component;
}

function packageComponent(pkg: InventoryPackage, bomRef: string): Models.Component {
  const component = new Models.Component(Enums.ComponentType.Library, pkg.name, {
    bomRef,
    version: pkg.version,
    ...(pkg.purl && { purl: pkg.purl }),
  });
  addProperties(component, {
    "portcullis:layer": pkg.layer,
    "portcullis:path": pkg.path,
    "portcullis:source:name": pkg.source?.name,
    "portcullis:source:version": pkg.source?.version,
  });
  return component;
}

/** The purl identifies a package; a package without one falls back to its ecosystem, name and version. */
function bomRefBase(pkg: InventoryPackage): string {
  return pkg.purl || `${pkg.ecosystem}/${pkg.name}@${pkg.version}`;
}

function addProperties(component: Models.Component, properties: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(properties)) {
    if (value) component.properties.add(new Models.Property(name, value));
  }
}
