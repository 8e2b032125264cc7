import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { isMap, isSeq, type Node } from "yaml";
import { KUSTOMIZATION_FILE_NAMES } from "../discover.js";
import { isRecord, type ParsedDocument, parseDocuments } from "../load.js";
import type { PositionedDocument } from "../positions.js";
import { readSmallFile } from "./source-map.js";

/** What Kustomize would select a patch's resources by. */
export interface PatchTarget {
  kind?: string;
  /** A regular expression in `patches[].target`, a plain name in a patch's own metadata. */
  name?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** One patch a kustomization applies: a file, or a block written inline in the kustomization file. */
export interface PatchSource {
  file?: string;
  /** An inline patch: its YAML node in the kustomization file. */
  inline?: { host: PositionedDocument; node: Node };
  target?: PatchTarget;
}

/** A kustomization file, read for what it references (never executed: Kustomize renders). */
export interface Kustomization {
  dir: string;
  file: string;
  kind: "Kustomization" | "Component";
  /** The kustomization file, parsed; undefined when it is not valid YAML (Kustomize reports that). */
  document?: ParsedDocument;
  /** Files listed under `resources`, `bases` and `crds`. */
  resourceFiles: string[];
  /** Directories listed under `resources` and `bases`. */
  bases: string[];
  components: string[];
  /** Every local file it names, the kustomization file included. */
  memberFiles: string[];
  /** In the order Kustomize applies them. */
  patches: PatchSource[];
  /** Inputs of configMapGenerator/secretGenerator that do not exist (secrets and files made at deploy time). */
  missingGeneratorInputs: string[];
}

/** A kustomization tree cannot reasonably have more directories; more means a generated or looping tree. */
const MAX_TREE_SIZE = 500;

/** The kustomization file in `dir`, by Kustomize's own precedence. */
function kustomizationFileIn(dir: string): string | undefined {
  return KUSTOMIZATION_FILE_NAMES.map((name) => join(dir, name)).find((path) => existsSync(path));
}

/** Reads the kustomization in `dir`, or undefined when there is none. */
function readKustomization(dir: string, display: (absolutePath: string) => string): Kustomization | undefined {
  const file = kustomizationFileIn(dir);
  if (!file) return undefined;
  const text = readSmallFile(file) ?? "";
  const document = [...parseDocuments({ path: display(file), text })].find((item): item is ParsedDocument => !("message" in item));
  const value = isRecord(document?.value) ? document.value : {};
  const kustomization: Kustomization = {
    dir,
    file,
    kind: value.kind === "Component" ? "Component" : "Kustomization",
    document,
    resourceFiles: [],
    bases: [],
    components: [],
    memberFiles: [file],
    patches: [],
    missingGeneratorInputs: [],
  };
  new Reader(kustomization, value).read();
  return kustomization;
}

class Reader {
  constructor(
    private readonly kustomization: Kustomization,
    private readonly value: Record<string, unknown>,
  ) {}

  read(): void {
    for (const field of ["resources", "bases", "crds"]) {
      for (const entry of this.strings(field)) this.addResource(entry);
    }
    for (const entry of this.strings("components")) this.addIfExists(entry, "dir", this.kustomization.components);
    for (const field of ["configurations", "generators", "transformers", "validators"]) {
      for (const entry of this.strings(field)) this.addIfExists(entry, "file", this.kustomization.memberFiles);
    }
    for (const item of this.records("replacements")) this.addPath(item.path);
    if (isRecord(this.value.openapi)) this.addPath(this.value.openapi.path);
    this.readGenerators();
    this.readPatches();
  }

  private readGenerators(): void {
    for (const field of ["configMapGenerator", "secretGenerator"]) {
      for (const generator of this.records(field)) {
        const inputs = [...stringsIn(generator.files), ...stringsIn(generator.envs), ...stringsIn([generator.env])];
        for (const input of inputs) {
          // `files` entries may be `key=path`.
          const path = this.local(input.includes("=") ? input.slice(input.indexOf("=") + 1) : input);
          if (existsSync(path)) this.kustomization.memberFiles.push(path);
          else this.kustomization.missingGeneratorInputs.push(path);
        }
      }
    }
  }

  /** Legacy fields first, as Kustomize orders its built-in transformers. */
  private readPatches(): void {
    this.strings("patchesStrategicMerge").forEach((entry, index) => {
      if (/[\n:]/.test(entry)) this.inlinePatch(["patchesStrategicMerge", index], undefined);
      else this.patchFile(entry, undefined);
    });
    for (const field of ["patchesJson6902", "patches"]) {
      this.records(field).forEach((item, index) => {
        const target = targetOf(item.target);
        if (typeof item.path === "string") this.patchFile(item.path, target);
        else if (typeof item.patch === "string") this.inlinePatch([field, index, "patch"], target);
      });
    }
  }

  private inlinePatch(path: readonly (string | number)[], target: PatchTarget | undefined): void {
    const host = this.kustomization.document?.source;
    const node = this.node(path);
    if (host && node) this.kustomization.patches.push({ inline: { host, node }, target });
  }

  private patchFile(entry: string, target: PatchTarget | undefined): void {
    const file = this.local(entry);
    if (!isFile(file)) return;
    this.kustomization.memberFiles.push(file);
    this.kustomization.patches.push({ file, target });
  }

  private addResource(entry: string): void {
    const path = this.local(entry);
    if (isFile(path)) {
      this.kustomization.resourceFiles.push(path);
      this.kustomization.memberFiles.push(path);
    } else if (isDirectory(path)) {
      this.kustomization.bases.push(path);
    }
    // Anything else is remote (a Git URL) or missing: Kustomize fetches it or reports it.
  }

  private addIfExists(entry: string, type: "file" | "dir", into: string[]): void {
    const path = this.local(entry);
    if (type === "file" ? isFile(path) : isDirectory(path)) into.push(path);
  }

  private addPath(value: unknown): void {
    if (typeof value === "string") this.addIfExists(value, "file", this.kustomization.memberFiles);
  }

  private local(entry: string): string {
    return resolve(this.kustomization.dir, entry);
  }

  private strings(field: string): string[] {
    return stringsIn(this.value[field]);
  }

  private records(field: string): Record<string, unknown>[] {
    const list = this.value[field];
    return Array.isArray(list) ? list.filter(isRecord) : [];
  }

  /** The YAML node at a path of the kustomization document, for inline patches. */
  private node(path: readonly (string | number)[]): Node | undefined {
    let node: unknown = this.kustomization.document?.source.document.contents;
    for (const segment of path) {
      if (isMap(node)) node = node.get(segment, true);
      else if (isSeq(node) && typeof segment === "number") node = node.items[segment];
      else return undefined;
    }
    return node as Node | undefined;
  }
}

function targetOf(value: unknown): PatchTarget | undefined {
  if (!isRecord(value)) return undefined;
  const text = (key: string) => (typeof value[key] === "string" ? (value[key] as string) : undefined);
  return {
    kind: text("kind"),
    name: text("name"),
    labelSelector: text("labelSelector"),
    annotationSelector: text("annotationSelector"),
  };
}

function stringsIn(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === "string") : [];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A kustomization and every kustomization it reaches through bases and components, by
 * directory; `parents` links each back to the first one that includes it.
 */
export interface KustomizationTree {
  root: Kustomization;
  nodes: Map<string, Kustomization>;
  parents: Map<string, string>;
}

/** Reads the kustomization in a directory (see readKustomization); trees that share bases share one reader. */
export type KustomizationReader = (dir: string) => Kustomization | undefined;

export function cachedReader(display: (absolutePath: string) => string): KustomizationReader {
  const read = new Map<string, Kustomization | undefined>();
  return (dir) => {
    if (!read.has(dir)) read.set(dir, readKustomization(dir, display));
    return read.get(dir);
  };
}

export function readKustomizationTree(root: Kustomization, read: KustomizationReader): KustomizationTree {
  const nodes = new Map<string, Kustomization>([[root.dir, root]]);
  const parents = new Map<string, string>();
  const queue = [root];
  for (let node = queue.shift(); node && nodes.size < MAX_TREE_SIZE; node = queue.shift()) {
    for (const dir of [...node.bases, ...node.components]) {
      if (nodes.has(dir)) continue;
      const child = read(dir);
      if (!child) continue;
      nodes.set(dir, child);
      parents.set(dir, node.dir);
      queue.push(child);
    }
  }
  return { root, nodes, parents };
}
