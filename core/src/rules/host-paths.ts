/** What a hostPath volume exposes of the node, judged on its normalised path. */

/** Container runtime sockets: whoever can connect to one can start privileged containers on the node. */
const RUNTIME_SOCKETS = [
  "/var/run/docker.sock",
  "/run/docker.sock",
  "/var/run/containerd/containerd.sock",
  "/run/containerd/containerd.sock",
  "/var/run/crio/crio.sock",
  "/run/crio/crio.sock",
] as const;

export interface SensitiveArea {
  path: string;
  /** What an attacker finds there, for the finding's message. */
  exposes: string;
}

/** Node directories whose contents (or their subdirectories') let a container read secrets or take over the node. */
const SENSITIVE_AREAS: readonly SensitiveArea[] = [
  { path: "/etc", exposes: "the node's configuration and credentials (/etc/shadow, SSH and kubelet configuration)" },
  { path: "/etc/kubernetes", exposes: "the Kubernetes control-plane and kubelet credentials" },
  { path: "/proc", exposes: "every process on the node and the kernel's settings" },
  { path: "/sys", exposes: "the kernel's and cgroups' controls" },
  { path: "/dev", exposes: "the node's devices, disks included" },
  { path: "/boot", exposes: "the node's kernel and boot loader" },
  { path: "/root", exposes: "root's home directory (SSH keys, cloud credentials)" },
  { path: "/home", exposes: "the users' home directories (SSH keys, cloud credentials)" },
  { path: "/var/lib/kubelet", exposes: "the kubelet's state: every pod's Secrets and the kubelet's credentials" },
  { path: "/var/log", exposes: "the node's and every pod's logs" },
  { path: "/var/lib/docker", exposes: "Docker's images, containers and volumes" },
  { path: "/var/lib/containerd", exposes: "containerd's images and container file systems" },
];

/**
 * Harmless parts of sensitive directories that workloads commonly mount: public CA bundles,
 * the time zone and the syslog socket. /etc/ssl itself stays sensitive (it holds
 * /etc/ssl/private), as does the rest of /dev; only these subtrees are exempt.
 */
const HARMLESS_SUBTREES = [
  "/etc/ssl/certs",
  "/etc/pki/tls/certs",
  "/etc/pki/ca-trust/extracted",
  "/etc/ca-certificates",
  "/etc/localtime",
  "/etc/timezone",
  "/dev/log",
];

export type HostPathExposure =
  | { kind: "host-root" }
  | { kind: "runtime-socket"; sockets: string[] }
  /** `within`: the path is (inside) this area; `containing`: the path is a parent of these areas. */
  | { kind: "sensitive"; within?: SensitiveArea; containing: SensitiveArea[] };

/**
 * The path as the node resolves it: repeated and trailing slashes dropped, `.` and `..`
 * resolved (never above `/`); a relative path is taken from `/`.
 */
export function normalizeHostPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join("/")}`;
}

/** The most severe exposure of a normalised host path, or undefined when it exposes nothing listed. */
export function classifyHostPath(path: string): HostPathExposure | undefined {
  if (path === "/") return { kind: "host-root" };
  const sockets = RUNTIME_SOCKETS.filter((socket) => isSameOrInside(socket, path));
  if (sockets.length > 0) return { kind: "runtime-socket", sockets };
  if (HARMLESS_SUBTREES.some((subtree) => isSameOrInside(path, subtree))) return undefined;
  const within = deepest(SENSITIVE_AREAS.filter((area) => isSameOrInside(path, area.path)));
  if (within) return { kind: "sensitive", within, containing: [] };
  const containing = SENSITIVE_AREAS.filter((area) => isSameOrInside(area.path, path));
  return containing.length > 0 ? { kind: "sensitive", containing } : undefined;
}

/** Whether `path` is `parent` or below it, on whole path segments. */
function isSameOrInside(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}/`);
}

function deepest(areas: SensitiveArea[]): SensitiveArea | undefined {
  return areas.reduce<SensitiveArea | undefined>((best, area) => (!best || area.path.length > best.path.length ? area : best), undefined);
}
