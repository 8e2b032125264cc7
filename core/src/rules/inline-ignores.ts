import { isRecord, type Resource } from "../manifests/load.js";
import { representativeScore, type Suppression } from "../model/index.js";
import { TOOL_URI } from "../version.js";
import { describeResource } from "./describe.js";
import type { ManifestRule } from "./types.js";

/** `portcullis.dev/ignore: "<rule-id>[,<rule-id>] -- <reason>"` on a resource's metadata. */
const IGNORE_ANNOTATION = "portcullis.dev/ignore";
const REASON_SEPARATOR = " -- ";

type InlineIgnore = { ruleIds: ReadonlySet<string>; reason: string } | { problem: string };

const parsed = new WeakMap<Resource, InlineIgnore | undefined>();

/** The resource's ignore annotation, parsed once; undefined when it has none. */
function inlineIgnoreOf(resource: Resource): InlineIgnore | undefined {
  if (!parsed.has(resource)) parsed.set(resource, parseAnnotation(resource));
  return parsed.get(resource);
}

function parseAnnotation(resource: Resource): InlineIgnore | undefined {
  const annotations = isRecord(resource.object.metadata) ? resource.object.metadata.annotations : undefined;
  if (!isRecord(annotations) || !(IGNORE_ANNOTATION in annotations)) return undefined;
  const value = annotations[IGNORE_ANNOTATION];
  if (typeof value !== "string") return { problem: "is not a string" };
  const separator = value.indexOf(REASON_SEPARATOR);
  const reason = separator < 0 ? "" : value.slice(separator + REASON_SEPARATOR.length).trim();
  const ids = (separator < 0 ? value : value.slice(0, separator)).split(",").map((id) => id.trim());
  if (ids.some((id) => id === "")) return { problem: "names no rule id, or an empty one" };
  if (reason === "") return { problem: "gives no reason" };
  return { ruleIds: new Set(ids), reason };
}

/** The suppression an ignore annotation grants a finding of `ruleId` on `resource`, if any. */
export function inlineSuppression(resource: Resource, ruleId: string): Suppression | undefined {
  const ignore = inlineIgnoreOf(resource);
  if (!ignore || "problem" in ignore || !ignore.ruleIds.has(ruleId)) return undefined;
  return { by: `annotation ${IGNORE_ANNOTATION}`, reason: ignore.reason };
}

/** An ignore annotation must say why: an unexplained exception is itself a finding. */
export const ignoreWithoutReason: ManifestRule = {
  descriptor: {
    id: "ignore-annotation-invalid",
    kind: "misconfiguration",
    title: "Ignore annotation without a reason",
    severity: "medium",
    score: representativeScore("medium"),
    description: `A ${IGNORE_ANNOTATION} annotation suppresses findings on its resource; it must name the rules and say why, so that every exception can be reviewed. One that does not is ignored and reported.`,
    remediation: `Write the rule ids, then " -- ", then the reason. Pipelines that must not honour inline exceptions run with --no-inline-ignores.`,
    fix: `metadata:\n  annotations:\n    ${IGNORE_ANNOTATION}: "pss-host-path-volumes -- reads node logs; tracked in OPS-123"`,
    helpUri: `${TOOL_URI}/blob/main/README.md#suppressing-findings`,
    standards: [],
  },
  *check({ resources, options }) {
    if (!options.inlineIgnores) return;
    for (const resource of resources) {
      const ignore = inlineIgnoreOf(resource);
      if (!ignore || !("problem" in ignore)) continue;
      yield {
        resource,
        path: ["metadata", "annotations", IGNORE_ANNOTATION],
        message: `The ${IGNORE_ANNOTATION} annotation of ${describeResource(resource)} ${ignore.problem}, so it suppresses nothing; write "<rule-id>[,<rule-id>] -- <reason>".`,
      };
    }
  },
};
