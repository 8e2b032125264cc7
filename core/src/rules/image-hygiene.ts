import type { Container, Workload } from "../manifests/workloads.js";
import { representativeScore } from "../model/index.js";
import { containerFieldPath } from "./container-paths.js";
import { describeContainer } from "./describe.js";
import { fullName, type ImageReference, parseImageReference } from "./image-reference.js";
import { azurePolicy, cis, mitre, NSA_POD_SECURITY } from "./standards.js";
import type { ManifestRule, Violation } from "./types.js";

const IMAGES_URI = "https://kubernetes.io/docs/concepts/containers/images/";
const IMPLANT_IMAGE = mitre("T1525", "Implant Internal Image");

interface ImageUse {
  workload: Workload;
  container: Container;
  /** The `image` field as written. */
  image: string;
  reference: ImageReference;
}

/** Every container (init and ephemeral too) whose image is a valid reference. */
function* imageUses(workloads: readonly Workload[]): Generator<ImageUse> {
  for (const workload of workloads) {
    for (const container of workload.containers) {
      const image = container.spec.image;
      const reference = typeof image === "string" ? parseImageReference(image) : undefined;
      if (typeof image === "string" && reference) yield { workload, container, image, reference };
    }
  }
}

function imageViolation({ workload, container }: ImageUse, message: string): Violation {
  return {
    resource: workload.resource,
    container,
    path: [...container.path, "image"],
    message: `${describeContainer(container, workload.resource)} ${message}`,
  };
}

/** No tag means `latest`, as for the runtime. A digest pins the image whatever the tag says. */
function isLatest(reference: ImageReference): boolean {
  return reference.digest === undefined && (reference.tag === undefined || reference.tag === "latest");
}

export const latestTag: ManifestRule = {
  descriptor: {
    id: "image-latest-tag",
    kind: "misconfiguration",
    title: "Image uses the latest tag or no tag",
    severity: "medium",
    score: representativeScore("medium"),
    description:
      "An image without a tag, or tagged `latest`, is whatever was pushed last: two nodes can run different code, a rollback brings back the new image, and anyone who can push to the repository changes what runs. Medium rather than high: it makes a supply-chain compromise easy to land and hard to notice, but is not one by itself. An image also pinned by digest is not reported.",
    remediation:
      "Use an immutable version tag, and better, pin the image by digest (`image@sha256:…`); let a bot such as Renovate or Dependabot propose updates.",
    fix: "containers:\n  - name: app\n    image: ghcr.io/example/app:1.4.2@sha256:<digest>",
    helpUri: IMAGES_URI,
    standards: [NSA_POD_SECURITY, IMPLANT_IMAGE],
  },
  *check({ workloads }) {
    for (const use of imageUses(workloads)) {
      if (!isLatest(use.reference)) continue;
      yield imageViolation(
        use,
        use.reference.tag === undefined
          ? `uses image "${use.image}" without a tag, which means :latest.`
          : `uses image "${use.image}", a moving tag.`,
      );
    }
  },
};

export const notPinned: ManifestRule = {
  descriptor: {
    id: "image-not-pinned",
    kind: "misconfiguration",
    title: "Image is not pinned by digest",
    severity: "low",
    score: representativeScore("low"),
    description:
      "A tag can be moved to another image at any time; only a digest (`@sha256:` and 64 hex digits) names exactly one image. Pinning makes deployments reproducible and keeps a re-pushed tag, malicious or not, from reaching the cluster.",
    remediation:
      "Append the digest of the tested image: `image: registry/app:1.4.2@sha256:…` (`docker buildx imagetools inspect` or `crane digest` prints it).",
    fix: "containers:\n  - name: app\n    image: ghcr.io/example/app:1.4.2@sha256:<digest>",
    helpUri: IMAGES_URI,
    standards: [NSA_POD_SECURITY, IMPLANT_IMAGE],
  },
  *check({ workloads }) {
    for (const use of imageUses(workloads)) {
      if (use.reference.digest === undefined) yield imageViolation(use, `uses image "${use.image}" by tag, not by digest.`);
    }
  },
};

/**
 * Whether the image is under one of the allowed prefixes, compared on whole path segments
 * so that `ghcr.io/my-org` allows `ghcr.io/my-org/app` but not `ghcr.io/my-org-evil/app`.
 * Registry hosts compare case-insensitively, as DNS names do.
 */
export function isAllowedRegistry(reference: ImageReference, allowed: readonly string[]): boolean {
  const name = fullName(reference);
  return allowed.some((entry) => {
    const prefix = normalizeAllowedEntry(entry);
    return prefix !== "" && (name === prefix || name.startsWith(`${prefix}/`));
  });
}

/** `Index.Docker.io/my-org/` → `docker.io/my-org`: host lower-cased, Docker Hub's legacy name mapped, trailing slashes dropped. */
function normalizeAllowedEntry(entry: string): string {
  const trimmed = entry.trim().replace(/\/+$/, "");
  const slash = trimmed.indexOf("/");
  const host = (slash < 0 ? trimmed : trimmed.slice(0, slash)).toLowerCase();
  const path = slash < 0 ? "" : trimmed.slice(slash);
  return `${host === "index.docker.io" ? "docker.io" : host}${path}`;
}

export const registryNotAllowed: ManifestRule = {
  descriptor: {
    id: "image-registry-not-allowed",
    kind: "misconfiguration",
    title: "Image comes from a registry that is not allowed",
    severity: "high",
    score: representativeScore("high"),
    description:
      "The image is pulled from a registry (or repository path) outside the allow-list given with `--allowed-registry`: it bypasses the scanning, signing and retention the allowed registries enforce. Docker Hub short names such as `nginx` are `docker.io/library/nginx`. Checked only when an allow-list is set.",
    remediation: "Import the image into an allowed registry (for example `az acr import`, or a pull-through cache) and reference it there.",
    fix: "containers:\n  - name: app\n    image: myregistry.azurecr.io/app:1.4.2",
    helpUri: IMAGES_URI,
    standards: [
      cis("5.5.1", "Configure Image Provenance using ImagePolicyWebhook admission controller"),
      NSA_POD_SECURITY,
      mitre("T1204.003", "User Execution: Malicious Image"),
      IMPLANT_IMAGE,
      azurePolicy("febd0533-8e55-448f-b837-bd0e06f16469", "Kubernetes cluster containers should only use allowed images"),
    ],
  },
  *check({ workloads, options }) {
    if (options.allowedRegistries.length === 0) return;
    for (const use of imageUses(workloads)) {
      if (isAllowedRegistry(use.reference, options.allowedRegistries)) continue;
      yield imageViolation(
        use,
        `uses image "${use.image}" from ${fullName(use.reference)}, outside the allowed registries (${options.allowedRegistries.join(", ")}).`,
      );
    }
  },
};

/** Kubernetes' default: `Always` for a latest or missing tag (without digest), else `IfNotPresent`. */
function effectivePullPolicy(container: Container, reference: ImageReference): { policy: unknown; defaulted: boolean } {
  const explicit = container.spec.imagePullPolicy;
  if (explicit !== undefined && explicit !== null) return { policy: explicit, defaulted: false };
  const defaultsToAlways = reference.tag === "latest" || (reference.tag === undefined && reference.digest === undefined);
  return { policy: defaultsToAlways ? "Always" : "IfNotPresent", defaulted: true };
}

export const pullPolicy: ManifestRule = {
  descriptor: {
    id: "image-pull-policy",
    kind: "misconfiguration",
    title: "Mutable image tag without imagePullPolicy: Always",
    severity: "low",
    score: representativeScore("low"),
    description:
      "An image referenced by tag only is mutable; with `imagePullPolicy: IfNotPresent` (the default for any tag but latest) or `Never`, each node keeps whatever it pulled first, so nodes run different images under one name, and a pod may use a cached image its credentials no longer allow. Images pinned by digest are immutable and not reported, whatever their pull policy; latest and untagged images default to Always.",
    remediation: "Pin the image by digest (preferred), or set `imagePullPolicy: Always` so every start resolves the tag again.",
    fix: "containers:\n  - name: app\n    image: ghcr.io/example/app:1.4.2\n    imagePullPolicy: Always",
    helpUri: `${IMAGES_URI}#image-pull-policy`,
    standards: [
      NSA_POD_SECURITY,
      IMPLANT_IMAGE,
      azurePolicy("50c83470-d2f0-4dda-a716-1938a4825f62", "Kubernetes cluster containers should only use allowed pull policy"),
    ],
  },
  *check({ workloads }) {
    for (const use of imageUses(workloads)) {
      if (use.reference.digest !== undefined) continue;
      const { policy, defaulted } = effectivePullPolicy(use.container, use.reference);
      if (policy === "Always") continue;
      const how = defaulted ? `imagePullPolicy ${String(policy)} (the default for this tag)` : `imagePullPolicy ${JSON.stringify(policy)}`;
      yield {
        ...imageViolation(use, `uses the mutable tag "${use.image}" with ${how}, so nodes may run different images.`),
        path: defaulted ? [...use.container.path, "image"] : [...use.container.path, "imagePullPolicy"],
      };
    }
  },
};

/** Why a container's `image` field cannot be used, or undefined when it is a valid reference. */
function imageProblem(image: unknown): string | undefined {
  if (image === undefined || image === null) return "has no image";
  if (typeof image !== "string") return "has an image that is not a string";
  if (image.trim() === "") return "has an empty image";
  return parseImageReference(image) ? undefined : `has image "${image}", which is not a valid image reference`;
}

export const missingImage: ManifestRule = {
  descriptor: {
    id: "image-missing",
    kind: "misconfiguration",
    title: "Container image is missing or invalid",
    severity: "low",
    score: representativeScore("low"),
    description:
      "The container has no `image`, an empty one, or one that is not a valid image reference (distribution reference grammar: lower-case repository path, optional registry host, tag of at most 128 characters, sha256/sha384/sha512 digest). Kubernetes refuses such a pod or cannot pull its image, and none of the image checks can judge it. Left over placeholders from templating are the usual cause.",
    remediation: "Set `image` to a full reference, e.g. `registry.example.com/team/app:1.4.2@sha256:…`.",
    fix: "containers:\n  - name: app\n    image: ghcr.io/example/app:1.4.2",
    helpUri: IMAGES_URI,
    references: ["https://github.com/distribution/reference/blob/main/reference.go"],
    standards: [],
  },
  *check({ workloads }) {
    for (const workload of workloads) {
      for (const container of workload.containers) {
        const problem = imageProblem(container.spec.image);
        if (!problem) continue;
        yield {
          resource: workload.resource,
          container,
          path: containerFieldPath(container, "image"),
          message: `${describeContainer(container, workload.resource)} ${problem}.`,
        };
      }
    }
  },
};

/** Image reference hygiene, per container (init and ephemeral too), located at `image:`. */
export const IMAGE_HYGIENE_RULES: readonly ManifestRule[] = [latestTag, notPinned, registryNotAllowed, pullPolicy, missingImage];
