import { createReadStream } from "node:fs";
import { open, realpath, stat } from "node:fs/promises";
import { posix, sep } from "node:path";
import type { Readable } from "node:stream";
import { UserError } from "../../errors.js";

/**
 * The files of an image layout or archive, by their relative path: a directory on disk or
 * an indexed tar. Paths are checked so that nothing outside the layout is ever read.
 */
export interface FileStore {
  /** Names the layout in messages, e.g. `OCI layout ./app` or `docker-archive app.tar`. */
  readonly label: string;
  exists(path: string): Promise<boolean>;
  /** A small file whole (manifests, configs); refused when larger than `limit`. */
  read(path: string, limit: number): Promise<Buffer>;
  /** A large file as a stream (layers). */
  open(path: string): Promise<Readable>;
}

/** `path` made relative and normal, or a UserError when it is absolute or climbs out with `..`. */
export function safeRelativePath(path: string, where: string): string {
  const normal = posix.normalize(path.replace(/^(\.\/)+/, "")).replace(/\/+$/, "");
  if (path.startsWith("/") || normal === ".." || normal.startsWith("../") || normal === "." || normal === "") {
    throw new UserError(`${where} names an unsafe path ${JSON.stringify(path)} (absolute, empty or outside the image)`);
  }
  return normal;
}

export function tooLarge(label: string, path: string, limit: number): UserError {
  return new UserError(`${label}: ${path} is larger than ${limit} bytes; refusing to read it whole`);
}

/** An OCI layout directory; symbolic links are followed only while they stay inside it. */
export function directoryStore(directory: string, label: string): FileStore {
  let root: Promise<string> | undefined;
  async function locate(path: string): Promise<string | undefined> {
    root ??= realpath(directory).catch(() => {
      throw new UserError(`${label}: the directory does not exist`);
    });
    const base = await root;
    const relative = safeRelativePath(path, label);
    let real: string;
    try {
      real = await realpath(`${base}${sep}${relative}`);
    } catch {
      return undefined;
    }
    if (!real.startsWith(`${base}${sep}`)) throw new UserError(`${label}: ${relative} is a link that leads outside the layout`);
    return real;
  }
  async function existingFile(path: string): Promise<string> {
    const real = await locate(path);
    if (real === undefined) throw new UserError(`${label} has no ${path}`);
    if (!(await stat(real)).isFile()) throw new UserError(`${label}: ${path} is not a regular file`);
    return real;
  }
  return {
    label,
    exists: async (path) => (await locate(path)) !== undefined,
    async read(path, limit) {
      const handle = await open(await existingFile(path), "r");
      try {
        const { size } = await handle.stat();
        if (size > limit) throw tooLarge(label, path, limit);
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    },
    async open(path) {
      return createReadStream(await existingFile(path));
    },
  };
}
