import type { ImageInventory } from "../../image/inventory-image.js";
import type { ToolInfo } from "../../model/report.js";
import { renderCycloneDx } from "./cyclonedx.js";
import { renderSpdx } from "./spdx.js";

export const SBOM_FORMATS = ["cyclonedx-json", "spdx-json"] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

/** The image's inventory as an SBOM document in the given format; `now` is the document's creation time. */
export function renderSbom(image: ImageInventory, format: SbomFormat, tool: ToolInfo, now: Date = new Date()): string {
  return format === "cyclonedx-json" ? renderCycloneDx(image, tool, now) : renderSpdx(image, tool, now);
}
