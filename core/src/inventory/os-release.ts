import type { FileView, OsInfo } from "./types.js";

const RELEASE_FILE_CAP = 64 * 1024;

/** The os-release spec: read /etc/os-release, and /usr/lib/os-release only when that is absent. */
const OS_RELEASE_PATHS = ["etc/os-release", "usr/lib/os-release"];

/** Older or minimal images without os-release, tried in order (Ubuntu also has debian_version, so it comes last). */
const RELEASE_FILE_FALLBACKS: { path: string; read: (text: string) => OsInfo | undefined }[] = [
  { path: "etc/alpine-release", read: (text) => (/^\d+\.\d+/.test(text) ? { family: "alpine", version: text } : undefined) },
  { path: "etc/redhat-release", read: fromReleaseLine },
  { path: "etc/centos-release", read: fromReleaseLine },
  { path: "etc/fedora-release", read: fromReleaseLine },
  { path: "etc/system-release", read: fromReleaseLine },
  { path: "etc/debian_version", read: fromDebianVersion },
];

/** `Rocky Linux release 9.3 (Blue Onyx)` and the like: the distribution name's start → os-release ID. */
const RELEASE_LINE_FAMILIES: [prefix: string, family: string][] = [
  ["Red Hat Enterprise Linux", "rhel"],
  ["CentOS", "centos"],
  ["Rocky Linux", "rocky"],
  ["AlmaLinux", "almalinux"],
  ["Fedora", "fedora"],
  ["Amazon Linux", "amzn"],
];

/** The size cap for the release files OS detection reads, or undefined for other paths. */
export function osReleaseWants(path: string): number | undefined {
  const wanted = OS_RELEASE_PATHS.includes(path) || RELEASE_FILE_FALLBACKS.some((fallback) => fallback.path === path);
  return wanted ? RELEASE_FILE_CAP : undefined;
}

/** The image's OS from os-release, else from the older release files; undefined when none says. */
export function detectOs(files: FileView): OsInfo | undefined {
  for (const path of OS_RELEASE_PATHS) {
    const file = files.get(path);
    if (!file) continue;
    const fields = parseOsRelease(file.content.toString("utf8"));
    if (fields.ID || fields.VERSION_ID) return fromOsRelease(fields);
  }
  for (const fallback of RELEASE_FILE_FALLBACKS) {
    const file = files.get(fallback.path);
    const os = file && fallback.read(file.content.toString("utf8").trim());
    if (os) return os;
  }
  return undefined;
}

/**
 * os-release's `KEY=value` lines: values may be in double quotes (with `\"`, `\\`, `\$` and
 * `` \` `` escapes) or single quotes; comments and lines of any other shape are ignored.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const [, key, value] = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*?)\s*$/.exec(line) ?? [];
    if (key !== undefined && value !== undefined) fields[key] = unquote(value);
  }
  return fields;
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length > 1 && value.endsWith(quote)) {
    const inner = value.slice(1, -1);
    return quote === "'" ? inner : inner.replace(/\\([$"\\`])/g, "$1");
  }
  return value.replace(/\\(.)/g, "$1");
}

function fromOsRelease(fields: Record<string, string>): OsInfo {
  return {
    // The spec's default ID is `linux`.
    family: (fields.ID || "linux").toLowerCase(),
    version: fields.VERSION_ID || undefined,
    name: fields.PRETTY_NAME || fields.NAME || undefined,
  };
}

function fromReleaseLine(text: string): OsInfo | undefined {
  const [firstLine = "", distribution = "", version] = /^(.+?) release (\d[\w.]*).*$/m.exec(text) ?? [];
  const family = RELEASE_LINE_FAMILIES.find(([prefix]) => distribution.startsWith(prefix))?.[1];
  return family ? { family, version, name: firstLine } : undefined;
}

function fromDebianVersion(text: string): OsInfo | undefined {
  if (/^\d+(\.\d+)*$/.test(text)) return { family: "debian", version: text };
  // Testing and unstable say `trixie/sid`: Debian, with no release number.
  return /^[a-z]+\/sid$/.test(text) ? { family: "debian", name: `Debian ${text}` } : undefined;
}

/** OSV ecosystem names per os-release ID; families OSV has no ecosystem for are absent. */
const OSV_ECOSYSTEMS: Record<string, (os: OsInfo) => string> = {
  debian: (os) => scoped("Debian", leadingNumbers(os.version, 1)),
  ubuntu: (os) => ubuntuEcosystem(leadingNumbers(os.version, 2)),
  alpine: (os) => scoped("Alpine", leadingNumbers(os.version, 2) && `v${leadingNumbers(os.version, 2)}`),
  rocky: (os) => scoped("Rocky Linux", leadingNumbers(os.version, 1)),
  almalinux: (os) => scoped("AlmaLinux", leadingNumbers(os.version, 1)),
  azurelinux: (os) => scoped("Azure Linux", leadingNumbers(os.version, 2)),
  // SUSE and openSUSE releases are named by PRETTY_NAME, e.g. `SUSE:SUSE Linux Enterprise Server 15 SP7`.
  sles: (os) => scoped("SUSE", os.name),
  "opensuse-leap": (os) => scoped("openSUSE", os.name),
  "opensuse-tumbleweed": (os) => scoped("openSUSE", os.name),
  wolfi: () => "Wolfi",
  chainguard: () => "Chainguard",
};

/**
 * The OSV ecosystem of the OS's packages (`Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.11`), as
 * `../shared/osv/ecosystems.json` defines them; the bare name when the release is unknown.
 * Undefined for families OSV does not list (CentOS, Fedora, Amazon Linux, CBL-Mariner) and for
 * RHEL, whose OSV ecosystem names a product stream that os-release does not give.
 */
export function osvEcosystem(os: OsInfo): string | undefined {
  return OSV_ECOSYSTEMS[os.family]?.(os);
}

function scoped(ecosystem: string, release: string | undefined): string {
  return release ? `${ecosystem}:${release}` : ecosystem;
}

/** The first `count` dot-separated numbers of a version: (`3.11.5`, 2) → `3.11`. */
function leadingNumbers(version: string | undefined, count: number): string | undefined {
  const numbers = version?.match(/^\d+(\.\d+)*/)?.[0].split(".");
  return numbers && numbers.length >= count ? numbers.slice(0, count).join(".") : undefined;
}

function ubuntuEcosystem(release: string | undefined): string {
  if (!release) return "Ubuntu";
  // Every April release of an even year is LTS (since 8.04), and OSV marks those `:LTS`.
  const [year = 1, month] = release.split(".").map(Number);
  return year % 2 === 0 && month === 4 ? `Ubuntu:${release}:LTS` : `Ubuntu:${release}`;
}
