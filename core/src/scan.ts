import { resolve } from "node:path";
import { UserError } from "./errors.js";
import { evaluateGate } from "./gate/index.js";
import type { Platform } from "./image/types.js";
import { ImageLocations } from "./manifests/image-locations.js";
import { loadInputs, STDIN_PATH } from "./manifests/inputs.js";
import { toWorkloads } from "./manifests/workloads.js";
import type { FailOn, Finding, KindCount, RuleDescriptor, ScanIssue, ScanReport, ScanTarget } from "./model/index.js";
import { relativePath } from "./paths.js";
import type { RegistrySettings } from "./registry/settings.js";
import { BUILT_IN_RULES, DEFAULT_RULE_OPTIONS, type ManifestRule, type RuleOptions, runRules } from "./rules/index.js";
import { scanImages, type VulnerabilityOptions } from "./scan-images.js";
import { TOOL } from "./version.js";

export interface ScanOptions {
  /** Files and directories to scan. */
  paths: readonly string[];
  /** Locations in reports are relative to this directory (the repository root); default: cwd. */
  sourceRoot?: string;
  failOn?: FailOn;
  rules?: readonly ManifestRule[];
  ruleOptions?: Partial<RuleOptions>;
  /** Follow symbolic links that leave the scanned directory (default false). */
  followSymlinks?: boolean;
  /** Passed to `helm template` for charts found under the paths. */
  helm?: { valuesFiles: readonly string[]; set: readonly string[] };
  /** ValidatingAdmissionPolicy files whose CEL validations run as extra rules. */
  policies?: readonly string[];
  /** Read for the path "-". */
  stdin?: NodeJS.ReadableStream;
  /** Images to inventory, as skopeo names them (`docker-archive:app.tar`, `oci:dir:tag`, …). */
  images?: readonly string[];
  /** The platform to read from multi-platform images (default linux/amd64). */
  platform?: Platform;
  /** Per-layer cache for image scans; none when unset. */
  cacheDir?: string;
  /** Credentials and plain-HTTP registries for registry images. */
  registry?: RegistrySettings;
  /** Matching image packages against the vulnerability database (on by default). */
  vulnerabilities?: VulnerabilityOptions;
}

export const DEFAULT_FAIL_ON: FailOn = "high";

/**
 * The core entry point: scans the given paths and returns the full report with its verdict.
 * Throws UserError when nothing can be scanned; problems with single files are in `errors`.
 */
export async function scan(options: ScanOptions): Promise<ScanReport> {
  const sourceRoot = resolve(options.sourceRoot ?? process.cwd());
  const rules = [...(options.rules ?? BUILT_IN_RULES), ...(await customRules(options.policies ?? [], sourceRoot))];
  const failOn = options.failOn ?? DEFAULT_FAIL_ON;
  const ruleOptions: RuleOptions = { ...DEFAULT_RULE_OPTIONS, ...options.ruleOptions };
  const inputs = await loadInputs(options.paths, {
    sourceRoot,
    followSymlinks: options.followSymlinks,
    helm: options.helm,
    stdin: options.stdin,
  });
  const targets: ScanTarget[] = [];
  const findings: Finding[] = [];
  const errors: ScanIssue[] = [];
  const warnings: ScanIssue[] = [];
  const imageLocations = new ImageLocations();
  const totals = { resources: 0, nonKubernetesDocuments: 0, unknownKinds: [] as KindCount[] };

  for (const loaded of inputs) {
    const { input } = loaded;
    const target: ScanTarget = { id: manifestTargetId(input, sourceRoot), kind: "manifests", input };
    targets.push(target);
    // Loops, not push(...items): spreading more than ~100k items overflows the stack.
    for (const issue of loaded.errors) errors.push(issue);
    for (const issue of loaded.warnings) warnings.push(issue);
    totals.resources += loaded.resources.length;
    totals.nonKubernetesDocuments += loaded.nonKubernetesDocuments;
    totals.unknownKinds.push(...loaded.unknownKinds);
    const context = { resources: loaded.resources, workloads: toWorkloads(loaded.resources), options: ruleOptions };
    imageLocations.add(context.workloads);
    for (const finding of runRules(rules, context, target.id)) findings.push(finding);
  }

  const imageOptions = { platform: options.platform, cacheDir: options.cacheDir, registry: options.registry };
  const placement = { sourceRoot, manifests: imageLocations };
  const images = await scanImages(options.images ?? [], imageOptions, options.vulnerabilities ?? {}, placement);
  targets.push(...images.targets);
  errors.push(...images.errors);
  warnings.push(...images.warnings);
  for (const finding of images.findings) findings.push(finding);

  const filesScanned = inputs.reduce((total, loaded) => total + loaded.filesScanned, 0);
  if (totals.resources === 0 && errors.length === 0 && images.summaries.length === 0) {
    throw nothingToScan(options.paths, filesScanned, totals.nonKubernetesDocuments);
  }
  return {
    schemaVersion: 1,
    tool: TOOL,
    verdict: evaluateGate(findings, failOn),
    targets,
    findings,
    rules: [...referencedRules(rules, findings), ...images.rules],
    summary: {
      filesScanned,
      resources: totals.resources,
      unknownKinds: totals.unknownKinds,
      nonKubernetesDocuments: totals.nonKubernetesDocuments,
    },
    ...(images.summaries.length > 0 && { inventory: { images: images.summaries } }),
    errors,
    warnings,
  };
}

/** A stable category per scan target: the input path relative to the source root, never a tag or a time. */
function manifestTargetId(input: string, sourceRoot: string): string {
  if (input === STDIN_PATH) return "manifests/stdin";
  const path = relativePath(sourceRoot, resolve(input)) || ".";
  return `manifests/${path}`;
}

function referencedRules(rules: readonly ManifestRule[], findings: readonly Finding[]): RuleDescriptor[] {
  const used = new Set(findings.map((finding) => finding.ruleId));
  return rules.map((rule) => rule.descriptor).filter((descriptor) => used.has(descriptor.id));
}

function nothingToScan(paths: readonly string[], fileCount: number, nonKubernetes: number): UserError {
  const where = paths.map((path) => `"${path}"`).join(", ");
  const found =
    fileCount === 0
      ? "no YAML or JSON files"
      : `${fileCount} YAML/JSON file(s) but no Kubernetes resources (${nonKubernetes} document(s) without apiVersion and kind)`;
  return new UserError(`found ${found} in ${where}.`, "Point portcullis at the directory that holds your Kubernetes manifests.");
}

/** The CEL engine is loaded only for scans that name policies: it would cost every other run ~0.15 s. */
async function customRules(policies: readonly string[], sourceRoot: string): Promise<ManifestRule[]> {
  if (policies.length === 0) return [];
  const { loadCelPolicies } = await import("./rules/custom/index.js");
  return loadCelPolicies(policies, sourceRoot);
}
