import type { ManifestRule } from "../types.js";
import { policyRule } from "./evaluate.js";
import { buildPolicies, readPolicyDocuments } from "./load-policy.js";

/**
 * Custom rules from ValidatingAdmissionPolicy files (`--policy FILE`): one rule per policy,
 * id `policy/<name>`, with a finding for each scanned resource the policy would deny when
 * it is created. Throws UserError, naming the file and line, when a policy cannot be used.
 *
 * How a scan stands in for the API server:
 * - Every resource is evaluated as a CREATE by an unknown, unprivileged user (`oldObject`
 *   null, empty `request.userInfo`); rules must list CREATE or `*`. Built-in kinds map to
 *   their resources; other kinds to the plural of a CustomResourceDefinition in the scan,
 *   else the lower-case plural. `matchPolicy: Equivalent` (the default) ignores versions.
 * - Namespaces come from the Namespace resources in the scan (with the name label the API
 *   server adds); a namespace not in it is known by name only, and selector requirements on
 *   its other labels are assumed to hold. No `metadata.namespace` means `default`.
 * - Bindings and params are read from the policy files. A policy without a binding there
 *   applies everywhere with `validationActions: [Deny]`. Params are every document of the
 *   `paramKind` that a binding's paramRef selects (all of them without a binding); none is a
 *   UserError unless the paramRef says `parameterNotFoundAction: Allow`.
 * - Severity: the `portcullis.dev/severity` annotation, else medium when a binding denies,
 *   low when bindings only warn, info when they only audit. `portcullis.dev/title` and
 *   `portcullis.dev/remediation` annotations set the title and remediation.
 * - CEL: @bufbuild/cel with the strings extension and the Kubernetes list library, RE2
 *   regular expressions, and a budget of 1,000,000 comprehension iterations per expression.
 *   Not available: optional types, `cel.bind`, `authorizer`, and the Kubernetes regex, url,
 *   quantity, ip, cidr, format and semver libraries (such expressions do not compile).
 */
export async function loadCelPolicies(paths: readonly string[], sourceRoot: string): Promise<ManifestRule[]> {
  return buildPolicies(await readPolicyDocuments(paths, sourceRoot)).map(policyRule);
}
