import type { FileWanted, ImageFile } from "../types.js";
import { joinPath, splitPath } from "./paths.js";

/**
 * The merged file system of the layers walked so far, holding only what later steps need:
 * wanted files (with content), symbolic links and the directories above them. Every node
 * records the index of the layer that wrote it, so a layer's whiteouts remove what lower
 * layers wrote and never what the same layer adds, whatever the order of its tar entries.
 */

interface DirectoryNode {
  kind: "directory";
  layer: number;
  children: Map<string, TreeNode>;
}

interface FileNode {
  kind: "file";
  layer: number;
  file: ImageFile;
}

interface SymlinkNode {
  kind: "symlink";
  layer: number;
  target: string;
}

type TreeNode = DirectoryNode | FileNode | SymlinkNode;

/** Why a wanted symbolic link yields no file: no file read in the walk at its target (or a loop), or too big. */
export type SkippedLink = "dangling" | "over-cap";

/** Linux gives up after 40 links in one lookup (ELOOP); so do we. */
const MAX_LINK_HOPS = 40;

export class FileTree {
  private readonly root: DirectoryNode = { kind: "directory", layer: -1, children: new Map() };

  addFile(path: string, file: ImageFile, layer: number): void {
    this.place(path, { kind: "file", layer, file });
  }

  addSymlink(path: string, target: string, layer: number): void {
    this.place(path, { kind: "symlink", layer, target });
  }

  /** A directory merges with a lower directory at the same path and replaces anything else. */
  addDirectory(path: string, layer: number): void {
    const { dir, base } = splitPath(path);
    const parent = this.directory(dir, layer);
    const existing = parent.children.get(base);
    if (existing?.kind === "directory") existing.layer = layer;
    else parent.children.set(base, { kind: "directory", layer, children: new Map() });
  }

  /** Any other entry (a file we do not keep, a device) hides whatever was at its path. */
  remove(path: string): void {
    const { dir, base } = splitPath(path);
    this.existingDirectory(dir)?.children.delete(base);
  }

  /** A whiteout `.wh.<name>`: what lower layers had at the path, a whole subtree for a directory, is gone. */
  removeLower(path: string, layer: number): void {
    const { dir, base } = splitPath(path);
    const parent = this.existingDirectory(dir);
    const node = parent?.children.get(base);
    if (parent && node && !keepOnlyLayer(node, layer)) parent.children.delete(base);
  }

  /** An opaque whiteout: the directory keeps only what this layer puts in it. */
  hideLower(dir: string, layer: number): void {
    const directory = this.existingDirectory(dir);
    if (!directory) return;
    for (const [name, child] of directory.children) if (!keepOnlyLayer(child, layer)) directory.children.delete(name);
  }

  /** Whether anything (file, link or directory) is stored at exactly this path. */
  has(path: string): boolean {
    const { dir, base } = splitPath(path);
    return this.existingDirectory(dir)?.children.has(base) ?? false;
  }

  /** The file stored at exactly this path (no links followed), as a hard link names it. */
  fileAt(path: string): ImageFile | undefined {
    const { dir, base } = splitPath(path);
    const node = this.existingDirectory(dir)?.children.get(base);
    return node?.kind === "file" ? node.file : undefined;
  }

  /**
   * The final wanted files: every kept file, and every wanted symbolic link that resolves
   * inside the image to a kept file (under the link's path, with the file's content).
   * Links to directories are not files, and are passed over.
   */
  collect(wanted: FileWanted, onSkippedLink: (path: string, reason: SkippedLink) => void): Map<string, ImageFile> {
    const files = new Map<string, ImageFile>();
    const links: [string, SymlinkNode][] = [];
    const visit = (directory: DirectoryNode, prefix: string): void => {
      for (const [name, node] of directory.children) {
        const path = joinPath(prefix, name);
        if (node.kind === "directory") visit(node, path);
        else if (node.kind === "file") files.set(path, node.file);
        else links.push([path, node]);
      }
    };
    visit(this.root, "");
    for (const [path, link] of links) {
      const cap = wanted(path);
      if (cap === undefined) continue;
      const target = this.resolve(link.target.startsWith("/") ? link.target : joinPath(splitPath(path).dir, link.target));
      if (target === undefined) onSkippedLink(path, "dangling");
      else if (target.kind !== "file") continue;
      else if (target.file.content.length > cap) onSkippedLink(path, "over-cap");
      else files.set(path, { ...target.file, path });
    }
    return files;
  }

  /**
   * Looks a path up as the kernel would inside a chroot: links followed in every component,
   * absolute targets from the image root, `..` stopping at the root, so never outside the image.
   */
  private resolve(path: string): TreeNode | undefined {
    const pending = path.split("/").reverse();
    const trail: DirectoryNode[] = [this.root];
    let hops = 0;
    let node: TreeNode = this.root;
    while (pending.length > 0) {
      const part = pending.pop() as string;
      const current = trail[trail.length - 1] as DirectoryNode;
      if (part === "" || part === ".") continue;
      if (node.kind !== "directory") return undefined;
      if (part === "..") {
        if (trail.length > 1) trail.pop();
        node = trail[trail.length - 1] as DirectoryNode;
        continue;
      }
      const child = current.children.get(part);
      if (!child) return undefined;
      if (child.kind === "symlink") {
        if (++hops > MAX_LINK_HOPS) return undefined;
        if (child.target.startsWith("/")) trail.length = 1;
        pending.push(...child.target.split("/").reverse());
        node = trail[trail.length - 1] as DirectoryNode;
      } else {
        if (child.kind === "directory") trail.push(child);
        node = child;
      }
    }
    return node;
  }

  private place(path: string, node: TreeNode): void {
    const { dir, base } = splitPath(path);
    this.directory(dir, node.layer).children.set(base, node);
  }

  /** The directory at `path`, created (replacing any non-directory in the way) as needed. */
  private directory(path: string, layer: number): DirectoryNode {
    let directory = this.root;
    if (path === "") return directory;
    for (const part of path.split("/")) {
      let child = directory.children.get(part);
      if (child?.kind !== "directory") {
        child = { kind: "directory", layer, children: new Map() };
        directory.children.set(part, child);
      }
      directory = child;
    }
    return directory;
  }

  private existingDirectory(path: string): DirectoryNode | undefined {
    let directory = this.root;
    if (path === "") return directory;
    for (const part of path.split("/")) {
      const child = directory.children.get(part);
      if (child?.kind !== "directory") return undefined;
      directory = child;
    }
    return directory;
  }
}

/** Drops everything below `node` that lower layers wrote; true when something of `layer` is left. */
function keepOnlyLayer(node: TreeNode, layer: number): boolean {
  if (node.kind !== "directory") return node.layer === layer;
  for (const [name, child] of node.children) if (!keepOnlyLayer(child, layer)) node.children.delete(name);
  return node.layer === layer || node.children.size > 0;
}
