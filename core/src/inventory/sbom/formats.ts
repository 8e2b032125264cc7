/** The SBOM formats `portcullis sbom` writes; kept apart so the CLI can name them without loading the writers. */
export const SBOM_FORMATS = ["cyclonedx-json", "spdx-json"] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];
