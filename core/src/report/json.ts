import type { ScanReport } from "../model/index.js";

/** The JSON report contract (core/schema/report.schema.json); rule descriptors stay in SARIF. */
export function renderJson(report: ScanReport): string {
  const { schemaVersion, tool, verdict, targets, findings, summary, inventory, errors, warnings } = report;
  return `${JSON.stringify({ schemaVersion, tool, verdict, targets, findings, summary, inventory, errors, warnings }, null, 2)}\n`;
}
