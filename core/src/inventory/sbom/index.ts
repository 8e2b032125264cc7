import type { ImageInventory } from "../../image/inventory-image.js";
import type { ToolInfo } from "../../model/report.js";
import { renderCycloneDx } from "./cyclonedx.js";
import type { SbomFormat } from "./formats.js";
import { renderSpdx } from "./spdx.js";

export { SBOM_FORMATS, type SbomFormat } from "./formats.js";

/** The image's inventory as an SBOM document in the given format; `now` is the document's creation time. */
export function renderSbom(image: ImageInventory, format: SbomFormat, tool: ToolInfo, now: Date = new Date()): string {
  return format === "cyclonedx-json" ? renderCycloneDx(image, tool, now) : renderSpdx(image, tool, now);
}
