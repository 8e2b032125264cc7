import { UserError } from "../../errors.js";
import { isRecord, type Resource } from "../../manifests/load.js";
import { type FieldPath, locate } from "../../manifests/positions.js";
import { valueAt } from "../../manifests/workloads.js";

const DEFAULT_HINT =
  "Fix the policy file: it must be a valid admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (see https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/).";

/** Typed reads of a policy document's fields; a wrong shape is a UserError at the field's line. */
export class Fields {
  constructor(readonly resource: Resource) {}

  fail(path: FieldPath, problem: string, hint = DEFAULT_HINT): never {
    const at = locate(this.resource.source, [...this.resource.basePath, ...path]);
    throw new UserError(`policy file ${at.path}, line ${at.startLine}: ${problem}.`, hint);
  }

  get(path: FieldPath): unknown {
    return valueAt(this.resource.object, path);
  }

  optionalString(path: FieldPath): string | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") this.fail(path, `${fieldName(path)} must be a string`);
    return value;
  }

  string(path: FieldPath): string {
    const value = this.optionalString(path);
    if (value === undefined || value === "") this.fail(path, `${fieldName(path)} is required`);
    return value;
  }

  /** One of `allowed`, or `fallback` when the field is not set (required without a fallback). */
  choice<T extends string>(path: FieldPath, allowed: readonly T[], fallback?: T): T {
    const value = this.optionalString(path) ?? fallback;
    if (value === undefined) this.fail(path, `${fieldName(path)} is required`);
    if (!allowed.includes(value as T)) this.fail(path, `${fieldName(path)} must be one of ${allowed.join(", ")}, not "${value}"`);
    return value as T;
  }

  /** The list at `path` ([] when not set). */
  list(path: FieldPath): unknown[] {
    const value = this.get(path);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, `${fieldName(path)} must be a list`);
    return value;
  }

  strings(path: FieldPath, { required = false } = {}): string[] {
    const values = this.list(path);
    if (required && values.length === 0) this.fail(path, `${fieldName(path)} must list at least one value`);
    values.forEach((value, index) => {
      if (typeof value !== "string") this.fail([...path, index], `${fieldName([...path, index])} must be a string`);
    });
    return values as string[];
  }

  /** The map at `path`, undefined when not set. */
  optionalRecord(path: FieldPath): Record<string, unknown> | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) this.fail(path, `${fieldName(path)} must be a map`);
    return value;
  }

  record(path: FieldPath): Record<string, unknown> {
    const value = this.optionalRecord(path);
    if (value === undefined) this.fail(path, `${fieldName(path)} is required`);
    return value;
  }
}

/** `spec.validations[0].expression`. */
export function fieldName(path: FieldPath): string {
  return path.map((segment, index) => (typeof segment === "number" ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join("");
}
