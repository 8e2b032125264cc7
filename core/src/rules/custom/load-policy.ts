import { resolve } from "node:path";
import { UserError } from "../../errors.js";
import { loadManifests, type Resource, readManifest } from "../../manifests/load.js";
import type { FieldPath } from "../../manifests/positions.js";
import { isSeverity } from "../../model/index.js";
import { relativePath } from "../../paths.js";
import { CelCompileError, type CompiledExpression, compileCel, oneLine } from "./cel.js";
import type { Declarations, StaticType } from "./cel-checks.js";
import { Fields } from "./fields.js";
import { labelsOf, selectorMatches } from "./match.js";
import { parseMatchResources, parseSelector } from "./parse-match.js";
import type { CelPolicy, LabelSelector, MatchResources, NamedExpression, PolicyBinding, Validation, ValidationAction } from "./policy.js";

const API_GROUP = "admissionregistration.k8s.io/";
const POLICY_KIND = "ValidatingAdmissionPolicy";
const BINDING_KIND = "ValidatingAdmissionPolicyBinding";
const VALIDATION_ACTIONS: readonly ValidationAction[] = ["Deny", "Warn", "Audit"];
const CEL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CEL_HINT =
  "Fix the expression. Portcullis evaluates CEL like the API server, with the standard library, the strings extension and the Kubernetes list library; optional types (`.?`), `cel.bind`, `authorizer` and the Kubernetes regex, url, quantity, ip, cidr, format and semver libraries are not available.";

/** Reads ValidatingAdmissionPolicy files: every document of every file, positioned for error messages. */
export async function readPolicyDocuments(paths: readonly string[], sourceRoot: string): Promise<Resource[]> {
  const resources: Resource[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    const display = relativePath(sourceRoot, absolute);
    const read = await readManifest(absolute, display);
    if ("message" in read)
      throw new UserError(`policy file ${display} ${read.message}.`, "Pass ValidatingAdmissionPolicy YAML files with --policy.");
    const loaded = loadManifests([read]);
    const broken = loaded.errors[0];
    if (broken)
      throw new UserError(`policy file ${display}, line ${broken.line ?? 1}: ${broken.message}.`, "Fix the YAML of the policy file.");
    if (loaded.resources.length === 0 && loaded.nonKubernetesDocuments === 0) {
      throw new UserError(`policy file ${display} is empty.`, "Pass ValidatingAdmissionPolicy YAML files with --policy.");
    }
    if (loaded.nonKubernetesDocuments > 0) {
      throw new UserError(
        `policy file ${display} holds ${loaded.nonKubernetesDocuments} document(s) that are not Kubernetes objects (no apiVersion and kind).`,
        "A policy file holds ValidatingAdmissionPolicy documents, and optionally their bindings and param resources.",
      );
    }
    resources.push(...loaded.resources);
  }
  return resources;
}

interface ParsedPolicy {
  policy: Omit<CelPolicy, "bindings">;
  fields: Fields;
  paramKind?: { apiVersion: string; kind: string };
}

interface ParsedBinding {
  fields: Fields;
  name?: string;
  policyName: string;
  actions: readonly ValidationAction[];
  match?: MatchResources;
  paramRef?: { name?: string; namespace?: string; selector: LabelSelector; allowMissing: boolean };
}

/**
 * The policies in the documents, each with its bindings and params from the same set. Other
 * documents are candidate params. A policy without a binding in the set applies as if bound
 * everywhere with `validationActions: [Deny]`.
 */
export function buildPolicies(documents: readonly Resource[]): CelPolicy[] {
  const policies = documents.filter((resource) => isAdmission(resource, POLICY_KIND)).map(parsePolicy);
  if (policies.length === 0 && documents.length > 0) {
    throw new UserError(
      `the policy files hold no ${POLICY_KIND} (${documents.length} other document(s)).`,
      "Pass files with admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy documents to --policy.",
    );
  }
  rejectDuplicateNames(policies);
  const bindings = documents.filter((resource) => isAdmission(resource, BINDING_KIND)).map(parseBinding);
  const paramPool = documents.filter((resource) => !isAdmission(resource, POLICY_KIND) && !isAdmission(resource, BINDING_KIND));
  return policies.map((parsed) => {
    const own = bindings.filter((binding) => binding.policyName === parsed.policy.name);
    return {
      ...parsed.policy,
      bindings: (own.length > 0 ? own : [undefined]).map((binding) => bindWithParams(parsed, binding, paramPool)),
    };
  });
}

function isAdmission(resource: Resource, kind: string): boolean {
  return resource.kind === kind && resource.apiVersion.startsWith(API_GROUP);
}

function rejectDuplicateNames(policies: readonly ParsedPolicy[]): void {
  const seen = new Set<string>();
  for (const { policy, fields } of policies) {
    if (seen.has(policy.name)) fields.fail(["metadata", "name"], `a second ${POLICY_KIND} is named "${policy.name}"`);
    seen.add(policy.name);
  }
}

function parsePolicy(resource: Resource): ParsedPolicy {
  const fields: Fields = new Fields(resource);
  const name = fields.string(["metadata", "name"]);
  fields.record(["spec"]);
  const paramKind = fields.optionalRecord(["spec", "paramKind"])
    ? { apiVersion: fields.string(["spec", "paramKind", "apiVersion"]), kind: fields.string(["spec", "paramKind", "kind"]) }
    : undefined;
  const variables = parseVariables(fields, paramKind !== undefined);
  const declarations: Declarations = { variables: new Set(variables.map((variable) => variable.name)), params: paramKind !== undefined };
  const severity = fields.optionalString(["metadata", "annotations", "portcullis.dev/severity"]);
  if (severity !== undefined && !isSeverity(severity)) {
    fields.fail(
      ["metadata", "annotations", "portcullis.dev/severity"],
      `severity "${severity}" is not one of critical, high, medium, low, info`,
    );
  }
  const policy: Omit<CelPolicy, "bindings"> = {
    name,
    file: resource.source.path,
    failurePolicy: fields.choice(["spec", "failurePolicy"], ["Fail", "Ignore"], "Fail"),
    match: parseMatchResources(fields, ["spec", "matchConstraints"], { rulesRequired: true }),
    matchConditions: parseNamedExpressions(fields, ["spec", "matchConditions"], "matchCondition", () => declarations, "bool"),
    variables,
    validations: parseValidations(fields, declarations),
    annotations: {
      title: fields.optionalString(["metadata", "annotations", "portcullis.dev/title"]),
      severity,
      remediation: fields.optionalString(["metadata", "annotations", "portcullis.dev/remediation"]),
    },
  };
  return { policy, fields, ...(paramKind && { paramKind }) };
}

/** Variables may use the variables before them (the API server compiles them in order). */
function parseVariables(fields: Fields, params: boolean): NamedExpression[] {
  const variables = parseNamedExpressions(fields, ["spec", "variables"], "variable", (earlier) => ({ variables: earlier, params }));
  variables.forEach(({ name }, index) => {
    if (!CEL_IDENTIFIER.test(name)) fields.fail(["spec", "variables", index, "name"], `variable name "${name}" is not a CEL identifier`);
  });
  return variables;
}

function parseNamedExpressions(
  fields: Fields,
  path: FieldPath,
  role: string,
  declarationsAfter: (earlier: ReadonlySet<string>) => Declarations,
  expected?: StaticType,
): NamedExpression[] {
  const parsed: NamedExpression[] = [];
  fields.list(path).forEach((_, index) => {
    const name = fields.string([...path, index, "name"]);
    if (parsed.some((other) => other.name === name)) fields.fail([...path, index, "name"], `a second ${role} is named "${name}"`);
    const declarations = declarationsAfter(new Set(parsed.map((other) => other.name)));
    parsed.push({ name, expression: compileAt(fields, [...path, index, "expression"], role, declarations, expected) });
  });
  return parsed;
}

function parseValidations(fields: Fields, declarations: Declarations): Validation[] {
  const path = ["spec", "validations"];
  const entries = fields.list(path);
  if (entries.length === 0) {
    fields.fail(
      path,
      "spec.validations must list at least one validation (Portcullis reports failed validations; auditAnnotations are not findings)",
    );
  }
  return entries.map((_, index) => {
    const at = [...path, index];
    const messageExpression = fields.optionalString([...at, "messageExpression"]);
    return {
      expression: compileAt(fields, [...at, "expression"], "validation expression", declarations, "bool"),
      message: fields.optionalString([...at, "message"]),
      ...(messageExpression !== undefined && {
        messageExpression: compileAt(fields, [...at, "messageExpression"], "messageExpression", declarations, "string"),
      }),
      reason: fields.optionalString([...at, "reason"]),
    };
  });
}

function compileAt(fields: Fields, path: FieldPath, role: string, declarations: Declarations, expected?: StaticType): CompiledExpression {
  const text = fields.string(path);
  try {
    return compileCel(text, declarations, expected);
  } catch (error) {
    if (!(error instanceof CelCompileError)) throw error;
    return fields.fail(path, `the ${role} \`${oneLine(text)}\` does not compile: ${oneLine(error.message, 300)}`, CEL_HINT);
  }
}

function parseBinding(resource: Resource): ParsedBinding {
  const fields: Fields = new Fields(resource);
  const actions = fields.strings(["spec", "validationActions"]);
  actions.forEach((action, index) => {
    if (!VALIDATION_ACTIONS.includes(action as ValidationAction)) {
      fields.fail(["spec", "validationActions", index], `validation action "${action}" is not one of ${VALIDATION_ACTIONS.join(", ")}`);
    }
  });
  const paramRef = fields.optionalRecord(["spec", "paramRef"]);
  return {
    fields,
    name: resource.name,
    policyName: fields.string(["spec", "policyName"]),
    actions: actions.length > 0 ? (actions as ValidationAction[]) : ["Deny"],
    ...(fields.optionalRecord(["spec", "matchResources"]) && {
      match: parseMatchResources(fields, ["spec", "matchResources"], { rulesRequired: false }),
    }),
    ...(paramRef && {
      paramRef: {
        name: fields.optionalString(["spec", "paramRef", "name"]),
        namespace: fields.optionalString(["spec", "paramRef", "namespace"]),
        selector: parseSelector(fields, ["spec", "paramRef", "selector"]),
        allowMissing: fields.choice(["spec", "paramRef", "parameterNotFoundAction"], ["Allow", "Deny"], "Deny") === "Allow",
      },
    }),
  };
}

/**
 * The params of one binding: those its paramRef selects (by name, namespace, labels) among
 * the param documents of the policy's paramKind, all of them without a paramRef. None is
 * an error, unless the binding says `parameterNotFoundAction: Allow` (then it never denies).
 */
function bindWithParams(parsed: ParsedPolicy, binding: ParsedBinding | undefined, pool: readonly Resource[]): PolicyBinding {
  const setting = {
    name: binding?.name,
    actions: binding?.actions ?? ["Deny" as const],
    ...(binding?.match && { match: binding.match }),
  };
  const { paramKind } = parsed;
  if (!paramKind) return { ...setting, params: [undefined] };
  const ref = binding?.paramRef;
  const params = pool.filter(
    (resource) =>
      resource.apiVersion === paramKind.apiVersion &&
      resource.kind === paramKind.kind &&
      (ref?.name === undefined || resource.name === ref.name) &&
      (ref?.namespace === undefined || resource.namespace === ref.namespace) &&
      selectorMatches(ref?.selector ?? [], labelsOf(resource.object)),
  );
  if (params.length === 0 && !ref?.allowMissing) {
    const wanted = `${paramKind.apiVersion} ${paramKind.kind}${ref?.name ? ` named "${ref.name}"` : ""}`;
    const [fields, path] = binding?.paramRef ? [binding.fields, ["spec", "paramRef"]] : [parsed.fields, ["spec", "paramKind"]];
    fields.fail(
      path,
      `the ${POLICY_KIND} "${parsed.policy.name}" needs params (${wanted}), but the policy files hold none`,
      `Add the ${paramKind.kind} resource to a file passed with --policy (params cannot be read from a cluster), or set parameterNotFoundAction: Allow on the binding's paramRef to skip the policy.`,
    );
  }
  return { ...setting, params };
}
