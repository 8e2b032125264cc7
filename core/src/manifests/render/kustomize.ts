import { existsSync } from "node:fs";
import { mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import type { Location } from "../../model/index.js";
import { relativePath } from "../../paths.js";
import { isRecord, type Resource } from "../load.js";
import { type FieldPath, locate, type PositionedDocument } from "../positions.js";
import {
  cachedReader,
  type Kustomization,
  type KustomizationTree,
  type PatchSource,
  type PatchTarget,
  readKustomizationTree,
} from "./kustomization.js";
import {
  embeddedDocuments,
  findDefinition,
  findNamed,
  nameOf,
  objectsOf,
  resolveField,
  type SourceFiles,
  type SourceObject,
} from "./source-map.js";
import { findOnPath, runTool } from "./tools.js";

/** The annotation `buildMetadata: [originAnnotations]` adds: which file (or generator) made a resource. */
const ORIGIN_ANNOTATION = "config.kubernetes.io/origin";
/** Added by `buildMetadata: [transformerAnnotations]`; it lists every transformer run, so it is not used. */
const TRANSFORMATIONS_ANNOTATION = "alpha.config.kubernetes.io/transformations";

export interface KustomizeTool {
  /** How the user would call it, for messages. */
  label: string;
  command: string;
  args(dir: string): string[];
}

/** `kustomize build`, else `kubectl kustomize`, whichever is on PATH. */
export function findKustomize(env: NodeJS.ProcessEnv = process.env): KustomizeTool | undefined {
  const kustomize = findOnPath("kustomize", env);
  if (kustomize) return { label: "kustomize build", command: kustomize, args: (dir) => ["build", dir] };
  const kubectl = findOnPath("kubectl", env);
  if (kubectl) return { label: "kubectl kustomize", command: kubectl, args: (dir) => ["kustomize", dir] };
  return undefined;
}

/** Built output; `findOrigin` resolves its origin annotations' paths, absent when it has none. */
export type KustomizeOutput =
  | { ok: true; stdout: string; findOrigin?: (originPath: string) => string | undefined }
  | { ok: false; reason: string };

/**
 * Builds the kustomization in `dir` with origin annotations on every resource, so each
 * can be traced to its file. The user's kustomization is not touched: a temporary one
 * that lists `dir` as its only resource asks for the annotations. A Kustomize too old
 * for them (before v4.5) builds `dir` itself, without.
 */
export async function buildKustomization(tool: KustomizeTool, dir: string, env?: NodeJS.ProcessEnv): Promise<KustomizeOutput> {
  const wrapperDir = await realpath(await mkdtemp(join(tmpdir(), "portcullis-kustomize-")));
  try {
    const target = relativePath(wrapperDir, dir);
    await writeFile(
      join(wrapperDir, "kustomization.yaml"),
      `resources:\n  - ${JSON.stringify(target)}\nbuildMetadata: [originAnnotations]\n`,
    );
    const built = await runTool({ command: tool.command, args: tool.args(wrapperDir), env });
    if (built.ok) return { ...built, findOrigin: originFinder(wrapperDir, dir) };
    // The directory itself: output without origins, or an error message naming no temporary file.
    return await runTool({ command: tool.command, args: tool.args(dir), env });
  } finally {
    await rm(wrapperDir, { recursive: true, force: true });
  }
}

/** Resolves an origin path of a built kustomization: relative to the temporary wrapper, else to the root. */
function originFinder(wrapperDir: string, rootDir: string): (originPath: string) => string | undefined {
  return (originPath) => [resolve(wrapperDir, originPath), resolve(rootDir, originPath)].find((path) => existsSync(path));
}

/** Where a rendered resource came from, as its origin annotation says. */
interface Origin {
  /** The resource file, relative to the kustomization built. */
  path?: string;
  /** The kustomization file of the generator that made it. */
  configuredIn?: string;
  generatorKind?: string;
}

/** Reads and, when asked, removes the origin annotations from a rendered object. */
function takeOrigin(object: Record<string, unknown>, remove: boolean): Origin | undefined {
  const annotations = isRecord(object.metadata) ? object.metadata.annotations : undefined;
  if (!isRecord(annotations)) return undefined;
  const text = annotations[ORIGIN_ANNOTATION];
  if (remove) {
    delete annotations[ORIGIN_ANNOTATION];
    delete annotations[TRANSFORMATIONS_ANNOTATION];
    if (Object.keys(annotations).length === 0 && isRecord(object.metadata)) delete object.metadata.annotations;
  }
  if (typeof text !== "string") return undefined;
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const configuredBy = isRecord(value.configuredBy) ? value.configuredBy : {};
  return {
    path: typeof value.path === "string" && value.repo === undefined ? value.path : undefined,
    configuredIn: typeof value.configuredIn === "string" ? value.configuredIn : undefined,
    generatorKind: typeof configuredBy.kind === "string" ? configuredBy.kind : undefined,
  };
}

export interface KustomizeTraceOptions {
  files: SourceFiles;
  /** The existing file an origin path names, or undefined. */
  findFile(originPath: string): string | undefined;
  /** The kustomization tree built, whose patches may set fields; absent for standard input. */
  tree?: KustomizationTree;
  /** Remove the origin annotations (they were added for tracing, not by the user). */
  removeOrigin: boolean;
}

/**
 * Points a resource from `kustomize build` output at its sources: the file that defines
 * it (the origin annotation names it; the resource is found there by kind and name,
 * allowing for namePrefix/nameSuffix/namespace), the patches that set its fields, or the
 * generator that made it. Undefined when its origin is unknown or not a local file.
 */
export function traceKustomizeResource(resource: Resource, options: KustomizeTraceOptions): Resource | undefined {
  const origin = takeOrigin(resource.object, options.removeOrigin);
  const originFile = origin?.path ? options.findFile(origin.path) : undefined;
  const { file, definition } = originFile
    ? { file: originFile, definition: findDefinition(options.files.objects(originFile), resource.kind, resource.name) }
    : !origin && options.tree
      ? definitionInTree(options.tree, resource, options.files)
      : {};
  if (file && definition) {
    const patches = options.tree ? applicablePatches(options.tree, file, resource, definition, options.files) : [];
    const fallback = locate(definition.source, definition.basePath);
    const sources = { origin: definition, patches, fallback };
    return withSource(resource, definition.source, (path) => resolveField(resource.object, path, sources));
  }
  const generator = origin?.configuredIn ? generatorLocation(origin, resource, options) : undefined;
  return generator && withSource(resource, generator.source, () => generator.location);
}

/** Without origin annotations: the resource of that kind and name in any resource file of the tree. */
function definitionInTree(tree: KustomizationTree, resource: Resource, files: SourceFiles): { file?: string; definition?: SourceObject } {
  const fileOf = new Map<SourceObject, string>();
  for (const file of resourceFilesOf(tree)) for (const object of files.objects(file)) fileOf.set(object, file);
  const definition = findNamed([...fileOf.keys()], resource.kind, resource.name);
  return { file: definition && fileOf.get(definition), definition };
}

/** The resource located at one place of a file, whatever field is asked for. */
export function pointedAt(resource: Resource, source: PositionedDocument, location: Location): Resource {
  return withSource(resource, source, () => location);
}

function withSource(resource: Resource, source: PositionedDocument, resolve: (path: FieldPath) => Location): Resource {
  return { ...resource, source: { ...source, resolve } };
}

/** The configMapGenerator or secretGenerator entry that made a generated resource. */
function generatorLocation(
  origin: Origin,
  resource: Resource,
  options: KustomizeTraceOptions,
): { source: PositionedDocument; location: Location } | undefined {
  const file = options.findFile(origin.configuredIn ?? "");
  const document = file ? options.files.documents(file)[0] : undefined;
  if (!document || !isRecord(document.value)) return undefined;
  const field = origin.generatorKind === "SecretGenerator" ? "secretGenerator" : "configMapGenerator";
  const entries = Array.isArray(document.value[field]) ? (document.value[field] as unknown[]) : [];
  const index = entries.findIndex(
    (entry) => isRecord(entry) && typeof entry.name === "string" && resource.name?.includes(entry.name) === true,
  );
  const path = index >= 0 ? [field, index] : [field];
  return { source: document.source, location: locate(document.source, path) };
}

/**
 * The patches that may apply to a resource: those of the kustomization that lists its
 * file, of the components it includes, and of every kustomization above it, innermost
 * first (the order Kustomize applies them), that target the resource.
 */
function applicablePatches(
  tree: KustomizationTree,
  originFile: string,
  resource: Resource,
  definition: SourceObject,
  files: SourceFiles,
): SourceObject[] {
  const owner = [...tree.nodes.values()].find((node) => node.resourceFiles.includes(originFile));
  const chain = owner ? chainToRoot(tree, owner) : [...tree.nodes.values()];
  const seen = new Set<PatchSource>();
  const patches: SourceObject[] = [];
  const names = [resource.name, nameOf(definition.value)].filter((name): name is string => name !== undefined);
  for (const node of chain) {
    for (const patch of patchesWithComponents(tree, node)) {
      if (seen.has(patch)) continue;
      seen.add(patch);
      for (const entry of patchObjects(patch, files)) {
        if (targets(entry.target, resource.object, names)) patches.push(entry.object);
      }
    }
  }
  return patches;
}

function chainToRoot(tree: KustomizationTree, node: Kustomization): Kustomization[] {
  const chain: Kustomization[] = [];
  for (let dir: string | undefined = node.dir; dir && !chain.some((entry) => entry.dir === dir); dir = tree.parents.get(dir)) {
    const entry = tree.nodes.get(dir);
    if (entry) chain.push(entry);
  }
  return chain;
}

/** A kustomization's components' patches (applied first), then its own. */
function patchesWithComponents(tree: KustomizationTree, node: Kustomization, visiting = new Set<string>()): PatchSource[] {
  if (visiting.has(node.dir)) return [];
  visiting.add(node.dir);
  const fromComponents = node.components.flatMap((dir) => {
    const component = tree.nodes.get(dir);
    return component ? patchesWithComponents(tree, component, visiting) : [];
  });
  return [...fromComponents, ...node.patches];
}

interface TargetedObject {
  object: SourceObject;
  target?: PatchTarget;
}

/**
 * The parts of a patch that write fields: a strategic-merge document as a whole (its own
 * kind and name are its target unless one is given), or each add/replace operation of a
 * JSON 6902 patch at the path it writes.
 */
function patchObjects(patch: PatchSource, files: SourceFiles): TargetedObject[] {
  let objects = parsedPatches.get(patch);
  if (!objects) {
    objects = parsePatch(patch, files);
    parsedPatches.set(patch, objects);
  }
  return objects;
}

/** Each patch is parsed once, however many resources it is matched against. */
const parsedPatches = new WeakMap<PatchSource, TargetedObject[]>();

function parsePatch(patch: PatchSource, files: SourceFiles): TargetedObject[] {
  const documents = patch.file ? files.documents(patch.file) : patch.inline ? embeddedDocuments(patch.inline.host, patch.inline.node) : [];
  return documents.flatMap((document) => {
    if (Array.isArray(document.value)) return operationObjects(document.source, document.value, patch.target);
    return objectsOf(document).map((object) => ({ object, target: patch.target ?? ownTarget(object.value) }));
  });
}

function operationObjects(source: PositionedDocument, operations: unknown[], target: PatchTarget | undefined): TargetedObject[] {
  return operations.flatMap((operation, index) => {
    if (!isRecord(operation) || typeof operation.path !== "string" || !("value" in operation)) return [];
    if (operation.op !== "add" && operation.op !== "replace") return [];
    const mountAt = pointerSegments(operation.path);
    return [{ object: { source, basePath: [index, "value"], value: operation.value, mountAt }, target }];
  });
}

/** RFC 6901 JSON pointer segments; all-digit segments are list indexes. */
function pointerSegments(pointer: string): FieldPath {
  return pointer
    .split("/")
    .slice(1)
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function ownTarget(value: unknown): PatchTarget | undefined {
  if (!isRecord(value)) return undefined;
  return { kind: typeof value.kind === "string" ? value.kind : undefined, name: nameOf(value) };
}

/** Whether a patch target selects a resource; `names` are its rendered name and its name in its source file. */
function targets(target: PatchTarget | undefined, object: Record<string, unknown>, names: readonly string[]): boolean {
  if (!target) return false;
  if (target.kind !== undefined && target.kind !== object.kind) return false;
  if (target.name !== undefined && !names.some((name) => nameMatches(target.name as string, name))) return false;
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  return selects(target.labelSelector, metadata.labels) && selects(target.annotationSelector, metadata.annotations);
}

/**
 * Kustomize reads a target name as an anchored regular expression, and matches it
 * against a resource's current and original names (before prefixes and suffixes).
 */
function nameMatches(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  try {
    return new RegExp(`^(?:${pattern})$`).test(name);
  } catch {
    return false;
  }
}

/** Equality-based selectors (`a=b,c!=d,e`); set-based terms are not checked, so they select. */
function selects(selector: string | undefined, values: unknown): boolean {
  if (!selector) return true;
  const map = isRecord(values) ? values : {};
  return selector.split(",").every((term) => {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)?\s*([^\s]*)\s*$/.exec(term);
    if (!match) return true;
    const [, key = "", operator, expected] = match;
    if (!operator) return key in map;
    return operator === "!=" ? map[key] !== expected : map[key] === expected;
  });
}

/** The kustomizations to render: the roots, and the components nothing here includes. */
export interface KustomizationPlan {
  roots: KustomizationTree[];
  orphanComponents: KustomizationTree[];
  /** Every file the kustomizations name, so none is also read as a plain manifest. */
  memberFiles: Set<string>;
}

/**
 * Sorts the kustomization directories found under one input: only roots (that no other
 * kustomization there uses as a base or component) are rendered; Components are never
 * rendered alone.
 */
export function planKustomizations(dirs: readonly string[], display: (absolutePath: string) => string): KustomizationPlan {
  const read = cachedReader(display);
  const trees = dirs
    .map(read)
    .filter((kustomization): kustomization is Kustomization => kustomization !== undefined)
    .map((kustomization) => readKustomizationTree(kustomization, read));
  const referenced = new Set<string>();
  for (const tree of trees) {
    for (const node of tree.nodes.values()) {
      if (node !== tree.root) referenced.add(node.dir);
    }
  }
  const memberFiles = new Set<string>();
  for (const tree of trees) {
    for (const node of tree.nodes.values()) for (const file of node.memberFiles) memberFiles.add(file);
  }
  const unreferenced = trees.filter((tree) => !referenced.has(tree.root.dir));
  return {
    roots: unreferenced.filter((tree) => tree.root.kind === "Kustomization"),
    orphanComponents: unreferenced.filter((tree) => tree.root.kind === "Component"),
    memberFiles,
  };
}

/** The resource files of every kustomization in a tree: what is scanned as plain YAML when it cannot be rendered. */
export function resourceFilesOf(tree: KustomizationTree): string[] {
  return [...new Set([...tree.nodes.values()].flatMap((node) => node.resourceFiles))];
}

/** Generator inputs missing anywhere in a tree. */
export function missingGeneratorInputs(tree: KustomizationTree): string[] {
  return [...tree.nodes.values()].flatMap((node) => node.missingGeneratorInputs);
}
