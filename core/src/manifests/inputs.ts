import { existsSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { parse } from "yaml";
import { UserError } from "../errors.js";
import type { ScanIssue } from "../model/index.js";
import { relativePath } from "../paths.js";
import { CHART_FILE_NAME, type DiscoveredFile, type Discovery, discoverInputs, isInside } from "./discover.js";
import {
  emptyLoaded,
  isRecord,
  type LoadedManifests,
  loadManifests,
  type ManifestText,
  mergeLoaded,
  type Resource,
  readBounded,
  readManifest,
  TooLargeError,
  type TraceResource,
  tooLargeMessage,
} from "./load.js";
import { locate } from "./positions.js";
import { findHelm, HelmTracer, type HelmValues, renderChart, templateInChart } from "./render/helm.js";
import type { KustomizationTree } from "./render/kustomization.js";
import {
  buildKustomization,
  findKustomize,
  type KustomizeTool,
  missingGeneratorInputs,
  planKustomizations,
  pointedAt,
  resourceFilesOf,
  traceKustomizeResource,
} from "./render/kustomize.js";
import { anchorDocument, readSmallFile, SourceFiles, searchFiles } from "./render/source-map.js";

/** The scan path that means standard input. */
export const STDIN_PATH = "-";
/** The file name findings in standard input are reported under. */
const STDIN_DISPLAY = "<stdin>";

export interface InputOptions {
  /** Paths in reports are relative to this directory. */
  sourceRoot: string;
  followSymlinks?: boolean;
  /** Values for `helm template`. */
  helm?: HelmValues;
  /** Read for the path "-". */
  stdin?: NodeJS.ReadableStream;
  /** Where Kustomize and Helm are looked up (its PATH); default: this process's environment. */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedInput extends LoadedManifests {
  input: string;
  /** Plain manifest files read, plus one per rendered kustomization, chart or standard input. */
  filesScanned: number;
}

/**
 * Turns the scan paths into loaded manifests, one result per path: plain YAML/JSON files,
 * kustomizations rendered with Kustomize and charts rendered with Helm (when on PATH,
 * else their plain files, with a warning), and standard input for "-". Findings in
 * rendered output are traced back to the files the user wrote.
 */
export async function loadInputs(paths: readonly string[], options: InputOptions): Promise<LoadedInput[]> {
  if (paths.filter((path) => path === STDIN_PATH).length > 1) {
    throw new UserError('the scan path "-" (standard input) is given more than once.', "Name it once.");
  }
  const loader = new InputLoader(options);
  const discovery = await discoverInputs(
    paths.filter((path) => path !== STDIN_PATH),
    { followSymlinks: options.followSymlinks ?? false },
  );
  const loaded: LoadedInput[] = [];
  for (const input of paths) {
    loaded.push(input === STDIN_PATH ? await loader.stdin(options.stdin) : await loader.directory(input, discovery));
  }
  return loaded;
}

/** What one renderer produced for one directory, and the plain files to read instead of or besides it. */
interface Rendered {
  parts: LoadedManifests[];
  plainFiles: string[];
  issues: Issues;
  streams: number;
}

interface Issues {
  errors: ScanIssue[];
  warnings: ScanIssue[];
}

class InputLoader {
  private readonly sourceRoot: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly files: SourceFiles;
  private kustomize?: KustomizeTool | null;
  private helm?: string | null;

  constructor(private readonly options: InputOptions) {
    this.sourceRoot = resolve(options.sourceRoot);
    this.env = options.env ?? process.env;
    this.files = new SourceFiles(this.display);
  }

  readonly display = (absolutePath: string): string => relativePath(this.sourceRoot, absolutePath);

  async directory(input: string, discovery: Discovery): Promise<LoadedInput> {
    const mine = (entries: readonly DiscoveredFile[]) => entries.filter((entry) => entry.input === input).map((entry) => entry.path);
    const issues: Issues = { errors: [], warnings: [] };
    for (const entry of discovery.skipped.filter((skipped) => skipped.input === input)) {
      (entry.severity === "error" ? issues.errors : issues.warnings).push({ path: this.display(entry.path), message: entry.reason });
    }
    const discoveredFiles = mine(discovery.files);
    const charts = outermost(mine(discovery.charts));
    const kustomizationDirs = mine(discovery.kustomizations).filter((dir) => !charts.some((chart) => isInside(chart, dir)));
    const plan = planKustomizations(kustomizationDirs, this.display);
    const claimed = new Set(plan.memberFiles);
    const rendered: Rendered[] = [];
    for (const chart of charts) {
      const chartFiles = discoveredFiles.filter((file) => isInside(chart, file));
      for (const file of chartFiles) claimed.add(file);
      rendered.push(await this.chart(chart, chartFiles));
    }
    for (const tree of plan.roots) rendered.push(await this.kustomization(tree));
    for (const tree of plan.orphanComponents) {
      const message = `Kustomize component ${this.display(tree.root.dir)} is not included by any kustomization under "${input}": it was not rendered, its resource files were scanned as plain YAML and its patches were not applied`;
      rendered.push(this.plainInstead(tree, { path: this.display(tree.root.file), message }, "warnings"));
    }
    const plainFiles = unique([...discoveredFiles.filter((file) => !claimed.has(file)), ...rendered.flatMap((part) => part.plainFiles)]);
    const plain = await this.readPlain(plainFiles);
    const merged = mergeLoaded([plain, ...rendered.flatMap((part) => part.parts)]);
    merged.resources = withoutRepeats(merged.resources);
    merged.errors = [...issues.errors, ...rendered.flatMap((part) => part.issues.errors), ...merged.errors];
    merged.warnings = [...issues.warnings, ...rendered.flatMap((part) => part.issues.warnings), ...merged.warnings];
    const streams = rendered.reduce((total, part) => total + part.streams, 0);
    return { ...merged, input, filesScanned: plainFiles.length + streams };
  }

  async stdin(stream: NodeJS.ReadableStream | undefined): Promise<LoadedInput> {
    if (!stream) throw new UserError('the scan path "-" reads standard input, but none is available.', "Pipe manifests into portcullis.");
    let bytes: Buffer;
    try {
      bytes = await readBounded(stream);
    } catch (error) {
      if (error instanceof TooLargeError) throw new UserError(`standard input ${tooLargeMessage("stream")}.`, "Scan the files instead.");
      throw new UserError(`standard input cannot be read (${(error as Error).message}).`);
    }
    if (bytes.includes(0)) {
      return {
        ...emptyLoaded(),
        errors: [{ path: STDIN_DISPLAY, message: "is binary, not YAML or JSON" }],
        input: STDIN_PATH,
        filesScanned: 1,
      };
    }
    const text = { path: STDIN_DISPLAY, text: bytes.toString("utf8") };
    return { ...loadManifests([text], this.stdinTrace()), input: STDIN_PATH, filesScanned: 1 };
  }

  /**
   * Standard input may be rendered output: documents with Kustomize origin annotations go
   * to their origin files, documents with Helm `# Source:` comments to their templates,
   * when those are under the source root; the rest stay in `<stdin>`.
   */
  private stdinTrace(): TraceResource {
    const helm = new HelmTracer(this.templateUnderRoot(), this.display);
    const findFile = this.originUnderRoot();
    return (resource) =>
      traceKustomizeResource(resource, { files: this.files, findFile, removeOrigin: false }) ?? helm.trace(resource) ?? resource;
  }

  private async kustomization(tree: KustomizationTree): Promise<Rendered> {
    const root = tree.root;
    const where = this.display(root.dir);
    const missing = missingGeneratorInputs(tree);
    if (missing.length > 0) {
      const files = missing.map((file) => relativePath(root.dir, file)).join(", ");
      const message = `kustomization ${where} was not rendered: its generator input ${files} does not exist (a secret or a file made at deploy time?); its resource files were scanned as plain YAML`;
      return this.plainInstead(tree, { path: where, message }, "warnings");
    }
    this.kustomize ??= findKustomize(this.env) ?? null;
    if (!this.kustomize) {
      const message = `kubectl and kustomize are not on PATH: kustomization ${where} was not rendered; its resource files were scanned as plain YAML`;
      return this.plainInstead(tree, { path: where, message }, "warnings");
    }
    const built = await buildKustomization(this.kustomize, root.dir, this.env);
    if (!built.ok) {
      const message = `${this.kustomize.label} failed: ${built.reason}; its resource files were scanned as plain YAML`;
      return this.plainInstead(tree, { path: where, message }, "errors");
    }
    const anchor = anchorDocument(root.file, this.display);
    const findFile = built.findOrigin ?? (() => undefined);
    const trace: TraceResource = (resource) =>
      traceKustomizeResource(resource, { files: this.files, findFile, tree, removeOrigin: true }) ??
      pointedAt(resource, anchor, locate(anchor, ["resources"]));
    return this.renderedStream(`${where} (${this.kustomize.label} output)`, where, built.stdout, trace);
  }

  private async chart(chartDir: string, chartFiles: readonly string[]): Promise<Rendered> {
    const where = this.display(chartDir);
    this.helm ??= findHelm(this.env) ?? null;
    if (!this.helm) {
      const { plain, templates } = splitChartFiles(chartDir, chartFiles);
      const skipped = templates > 0 ? ` (${templates} template file${templates === 1 ? "" : "s"} with Go template syntax not scanned)` : "";
      const message = `helm is not on PATH: chart ${where} was not rendered; its plain YAML files were scanned${skipped}`;
      return { parts: [], plainFiles: plain, issues: { errors: [], warnings: [{ path: where, message }] }, streams: 0 };
    }
    const rendered = await renderChart(this.helm, chartDir, this.options.helm ?? { valuesFiles: [], set: [] }, this.env);
    if (!rendered.ok) {
      const { plain } = splitChartFiles(chartDir, chartFiles);
      const message = `helm template failed: ${rendered.reason}; its plain YAML files were scanned`;
      return { parts: [], plainFiles: plain, issues: { errors: [{ path: where, message }], warnings: [] }, streams: 0 };
    }
    const anchor = anchorDocument(join(chartDir, CHART_FILE_NAME), this.display);
    const helm = new HelmTracer((sourcePath) => templateInChart(chartDir, sourcePath), this.display);
    const trace: TraceResource = (resource) => helm.trace(resource) ?? pointedAt(resource, anchor, locate(anchor, []));
    return this.renderedStream(`${where} (helm template output)`, where, rendered.stdout, trace);
  }

  /** Loads a renderer's output; its issues name the directory, since the user never sees the stream's lines. */
  private renderedStream(streamName: string, where: string, stdout: string, trace: TraceResource): Rendered {
    const loaded = loadManifests([{ path: streamName, text: stdout }], trace);
    const renamed = (issue: ScanIssue): ScanIssue => ({
      path: where,
      message: `rendered output${issue.line ? `, line ${issue.line}` : ""}: ${issue.message}`,
    });
    const issues = { errors: loaded.errors.map(renamed), warnings: loaded.warnings.map(renamed) };
    return { parts: [{ ...loaded, errors: [], warnings: [] }], plainFiles: [], issues, streams: 1 };
  }

  private plainInstead(tree: KustomizationTree, issue: ScanIssue, kind: keyof Issues): Rendered {
    const issues: Issues = { errors: [], warnings: [] };
    issues[kind].push(issue);
    return { parts: [], plainFiles: resourceFilesOf(tree), issues, streams: 0 };
  }

  private async readPlain(paths: readonly string[]): Promise<LoadedManifests> {
    const texts: ManifestText[] = [];
    const unreadable: ScanIssue[] = [];
    for (const path of paths) {
      const read = await readManifest(path, this.display(path));
      if ("text" in read) texts.push(read);
      else unreadable.push(read);
    }
    const loaded = loadManifests(texts);
    return { ...loaded, errors: [...unreadable, ...loaded.errors] };
  }

  /** Finds a `# Source:` template under the source root: at that path, or in a chart of that name. */
  private templateUnderRoot(): (sourcePath: string) => string | undefined {
    const charts = new Map<string, string | undefined>();
    return (sourcePath) => {
      const direct = resolve(this.sourceRoot, sourcePath);
      if (isInside(this.sourceRoot, direct) && existsSync(direct)) return direct;
      const chartName = sourcePath.split("/")[0] ?? "";
      if (!charts.has(chartName)) {
        const chartFile = searchFiles(this.sourceRoot, (path, name) => name === CHART_FILE_NAME && chartNameOf(path) === chartName);
        charts.set(chartName, chartFile && dirname(chartFile));
      }
      const chartDir = charts.get(chartName);
      const template = chartDir ? templateInChart(chartDir, sourcePath) : undefined;
      return template && existsSync(template) ? template : undefined;
    };
  }

  /**
   * Finds an origin path of Kustomize output under the source root. The path is relative
   * to a kustomization that is not known, so leading `../` are dropped and the rest is
   * looked for under the source root.
   */
  private originUnderRoot(): (originPath: string) => string | undefined {
    const found = new Map<string, string | undefined>();
    return (originPath) => {
      if (!found.has(originPath)) {
        const tail = originPath.replace(/^(\.\.\/)+/, "").replace(/^\.\//, "");
        const direct = [resolve(this.sourceRoot, originPath), resolve(this.sourceRoot, tail)].find(
          (path) => isInside(this.sourceRoot, path) && existsSync(path),
        );
        const suffix = `${sep}${tail.split("/").join(sep)}`;
        found.set(originPath, direct ?? searchFiles(this.sourceRoot, (path) => path.endsWith(suffix)));
      }
      return found.get(originPath);
    };
  }
}

/** Chart metadata, never a manifest: Chart.yaml, Chart.lock, values files and their schema, requirements. */
const CHART_METADATA = /^(Chart\.ya?ml|Chart\.lock|values[^/]*\.(ya?ml|json)|values\.schema\.json|requirements\.(ya?ml|lock))$/;

/**
 * The files of a chart that can be scanned without Helm: not its metadata, and not
 * templates that hold Go template actions (`{{`), which are counted instead.
 */
function splitChartFiles(chartDir: string, files: readonly string[]): { plain: string[]; templates: number } {
  const plain: string[] = [];
  let templates = 0;
  for (const file of files) {
    if (CHART_METADATA.test(basename(file))) continue;
    const inTemplates = relative(chartDir, file).split(sep).includes("templates");
    if (inTemplates && (readSmallFile(file) ?? "{{").includes("{{")) templates++;
    else plain.push(file);
  }
  return { plain, templates };
}

function chartNameOf(chartFile: string): string | undefined {
  try {
    const value: unknown = parse(readSmallFile(chartFile) ?? "");
    return isRecord(value) && typeof value.name === "string" ? value.name : undefined;
  } catch {
    return undefined;
  }
}

/** The directories not inside another of them (a chart's subcharts render with it). */
function outermost(dirs: readonly string[]): string[] {
  return dirs.filter((dir) => !dirs.some((other) => other !== dir && isInside(other, dir)));
}

/**
 * Overlays that render a base unchanged produce the same resource from the same file
 * more than once: it is checked once, so its findings are not repeated.
 */
function withoutRepeats(resources: readonly Resource[]): Resource[] {
  const seen = new Set<string>();
  return resources.filter((resource) => {
    if (!resource.source.resolve) return true;
    const key = `${resource.source.path}\n${JSON.stringify(resource.object)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
