import type { ScanReport } from "../model/index.js";
import { renderJson } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import { renderSarif, type SarifOptions } from "./sarif.js";
import { renderTable, type TableOptions } from "./table.js";

export { GITHUB_SARIF_LIMITS, type SarifLimits } from "./sarif-limits.js";
export { renderJson, renderJunit, renderMarkdown, renderSarif, renderTable };

export const REPORT_FORMATS = ["table", "json", "sarif", "markdown", "junit"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export type RenderOptions = TableOptions & SarifOptions;

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/** Renders the report in one format; every writer is a pure function of the report. */
export function renderReport(format: ReportFormat, report: ScanReport, options: RenderOptions = {}): string {
  switch (format) {
    case "table":
      return renderTable(report, options);
    case "json":
      return renderJson(report);
    case "sarif":
      return renderSarif(report, options);
    case "markdown":
      return renderMarkdown(report);
    case "junit":
      return renderJunit(report);
  }
}
