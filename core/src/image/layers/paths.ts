/**
 * The image path of a tar entry name: relative, without `.` or empty components, `..`
 * resolved. Undefined when the name climbs above the image root or holds a NUL byte;
 * `""` is the root itself.
 */
export function normaliseEntryPath(name: string): string | undefined {
  if (name.includes("\0")) return undefined;
  const parts: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join("/");
}

/** The directory and the last component of a normalised, non-root path. */
export function splitPath(path: string): { dir: string; base: string } {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? { dir: "", base: path } : { dir: path.slice(0, slash), base: path.slice(slash + 1) };
}

export function joinPath(dir: string, base: string): string {
  return dir === "" ? base : `${dir}/${base}`;
}
