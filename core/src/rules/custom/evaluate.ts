import { celType } from "@bufbuild/cel";
import { isRecord, type Resource } from "../../manifests/load.js";
import { describeResource } from "../describe.js";
import type { ManifestRule, Violation } from "../types.js";
import { type Activation, type CompiledExpression, type Evaluation, errorValue, evaluateCel, oneLine, toCelInput } from "./cel.js";
import { describePolicy } from "./descriptor.js";
import { type AdmissionTarget, admissionTarget, matchesResources, namespaceLabels } from "./match.js";
import type { CelPolicy, PolicyBinding, Validation } from "./policy.js";
import { customKindsOf, resourceTypeOf } from "./resource-names.js";

/** The API server drops a messageExpression result longer than this (celconfig.MaxEvaluatedMessageExpressionSizeBytes). */
const MAX_MESSAGE_BYTES = 5 * 1024;

/** One rule per policy: each resource it matches is evaluated like a CREATE of it, and denied resources are findings. */
export function policyRule(policy: CelPolicy): ManifestRule {
  return {
    descriptor: describePolicy(policy),
    *check({ resources }) {
      const customKinds = customKindsOf(resources);
      const namespaces = new Map(resources.filter(isNamespace).map((resource) => [resource.name ?? "", resource]));
      for (const resource of resources) {
        const target = admissionTarget(resource, resourceTypeOf(resource, customKinds), namespaces);
        if (!matchesResources(policy.match, target)) continue;
        const problems = policy.bindings.flatMap((binding) => evaluateBinding(policy, binding, target));
        if (problems.length > 0) yield denial(policy, resource, problems);
      }
    },
  };
}

function isNamespace(resource: Resource): boolean {
  return resource.kind === "Namespace" && resource.apiVersion === "v1";
}

function evaluateBinding(policy: CelPolicy, binding: PolicyBinding, target: AdmissionTarget): string[] {
  if (binding.match && !matchesResources(binding.match, target)) return [];
  return binding.params.flatMap((params) => {
    const setting = settingLabel(binding, params);
    return evaluatePolicy(policy, target, params).map((problem) => setting + problem);
  });
}

/** `[binding 'b', params ReplicaLimit default/limits] `, so findings say which evaluation denied. */
function settingLabel(binding: PolicyBinding, params: Resource | undefined): string {
  const parts = [
    ...(binding.name !== undefined ? [`binding '${binding.name}'`] : []),
    ...(params ? [`params ${describeResource(params)}`] : []),
  ];
  return parts.length > 0 ? `[${parts.join(", ")}] ` : "";
}

/** What the API server would say when rejecting the request: denials and (with failurePolicy Fail) errors. */
function evaluatePolicy(policy: CelPolicy, target: AdmissionTarget, params: Resource | undefined): string[] {
  let activation: Activation;
  try {
    activation = activationFor(policy, target, params);
  } catch (error) {
    return failure(policy, [`the resource cannot be given to CEL: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const conditionErrors: string[] = [];
  for (const condition of policy.matchConditions) {
    const result = asBoolean(evaluateCel(condition.expression, activation), condition.expression);
    if (result === false) return [];
    if (typeof result === "string") conditionErrors.push(`matchCondition '${condition.name}': ${result}`);
  }
  if (conditionErrors.length > 0) return failure(policy, conditionErrors.slice(0, 1));
  return policy.validations.flatMap((validation) => {
    const result = asBoolean(evaluateCel(validation.expression, activation), validation.expression);
    if (result === true) return [];
    if (result === false) return [denialMessage(validation, activation)];
    return failure(policy, [result]);
  });
}

function failure(policy: CelPolicy, errors: string[]): string[] {
  return policy.failurePolicy === "Fail" ? errors : [];
}

/** true or false, or the error text for a failed or non-boolean evaluation. */
function asBoolean(evaluation: Evaluation, expression: CompiledExpression): boolean | string {
  if ("error" in evaluation) return `expression '${expression.display}' resulted in error: ${evaluation.error}`;
  if (typeof evaluation.value === "boolean") return evaluation.value;
  return `expression '${expression.display}' must evaluate to bool, but evaluated to ${celType(evaluation.value).name}`;
}

/** The API server's choice: a usable messageExpression result, else message, else the failed expression. */
function denialMessage(validation: Validation, activation: Activation): string {
  const evaluated = validation.messageExpression && evaluateCel(validation.messageExpression, activation);
  if (evaluated && "value" in evaluated && typeof evaluated.value === "string") {
    const text = evaluated.value.trim();
    if (text !== "" && !text.includes("\n") && Buffer.byteLength(text) <= MAX_MESSAGE_BYTES) return text;
  }
  const message = validation.message && oneLine(validation.message, MAX_MESSAGE_BYTES);
  return message ? message : `failed expression: ${validation.expression.display}`;
}

/** The variables of one evaluation: object, oldObject, request, params, namespaceObject, and lazy `variables.<name>`. */
function activationFor(policy: CelPolicy, target: AdmissionTarget, params: Resource | undefined): Activation {
  const activation: Activation = Object.create(null);
  activation.object = toCelInput(objectOf(target));
  activation.oldObject = null;
  activation.params = params ? toCelInput(params.object) : null;
  activation.namespaceObject = toCelInput(namespaceObjectOf(target));
  activation.request = toCelInput(requestOf(target));
  for (const variable of policy.variables) {
    let value: unknown;
    Object.defineProperty(activation, `variables.${variable.name}`, {
      enumerable: true,
      get() {
        if (value === undefined) {
          const result = evaluateCel(variable.expression, activation);
          value = "error" in result ? errorValue(`variable '${variable.name}' resulted in error: ${result.error}`) : result.value;
        }
        return value;
      },
    });
  }
  return activation;
}

/** The object as admission sees it: the API server fills in metadata.namespace from the request's namespace. */
function objectOf({ resource, namespace }: AdmissionTarget): Record<string, unknown> {
  const { object } = resource;
  if (namespace === undefined || resource.namespace !== undefined || !isRecord(object.metadata)) return object;
  return { ...object, metadata: { ...object.metadata, namespace } };
}

/** The request as the API server would build it for a CREATE by an unknown, unprivileged user. */
function requestOf({ resource, type, namespace }: AdmissionTarget): Record<string, unknown> {
  const kind = { group: type.group, version: type.version, kind: resource.kind };
  const resourceId = { group: type.group, version: type.version, resource: type.resource };
  return {
    uid: "",
    kind,
    resource: resourceId,
    subResource: "",
    requestKind: kind,
    requestResource: resourceId,
    requestSubResource: "",
    name: resource.name ?? "",
    namespace: namespace ?? "",
    operation: "CREATE",
    userInfo: { username: "", uid: "", groups: [], extra: {} },
    dryRun: false,
    options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
  };
}

/**
 * The Namespace of a namespaced resource, trimmed like the API server does (metadata, spec,
 * status); one not in the scanned set is known by its name (and name label) only.
 */
function namespaceObjectOf({ namespace, namespaceObject }: AdmissionTarget): Record<string, unknown> | null {
  if (namespace === undefined) return null;
  const found = namespaceObject ?? {};
  const metadata = isRecord(found.metadata) ? found.metadata : {};
  return {
    metadata: { ...metadata, name: namespace, labels: namespaceLabels(found, namespace) },
    spec: isRecord(found.spec) ? found.spec : {},
    status: isRecord(found.status) ? found.status : {},
  };
}

function denial(policy: CelPolicy, resource: Resource, problems: readonly string[]): Violation {
  return {
    resource,
    path: resource.name !== undefined ? ["metadata", "name"] : [],
    message: `ValidatingAdmissionPolicy '${policy.name}' denies ${describeResource(resource)}: ${problems.join("; ")}`,
  };
}
