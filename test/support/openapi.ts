import { readFileSync } from "node:fs";

/** The parts of a Swagger 2.0 parameter the checks read. */
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  type?: string;
  enum?: string[];
  $ref?: string;
}

interface Operation {
  consumes?: string[];
  parameters?: Parameter[];
}

interface SwaggerDocument {
  consumes?: string[];
  paths: Record<string, Record<string, Operation>>;
  parameters?: Record<string, Parameter>;
}

export interface RequestShape {
  method: string;
  path: string;
  contentType?: string;
  query: URLSearchParams;
  form?: URLSearchParams;
}

/**
 * Checks a request against a published Swagger 2.0 description: the operation exists, the
 * body's media type is one it consumes, every required query and form parameter is there
 * and enumerated values are allowed. Returns what is wrong, one line each; empty when valid.
 */
export function loadOpenApiChecker(path: string): (request: RequestShape) => string[] {
  const document = JSON.parse(readFileSync(path, "utf8")) as SwaggerDocument;
  const resolve = (parameter: Parameter): Parameter =>
    parameter.$ref ? (document.parameters?.[parameter.$ref.replace("#/parameters/", "")] ?? parameter) : parameter;
  return (request) => {
    const operation = document.paths[request.path]?.[request.method.toLowerCase()];
    if (!operation) return [`${request.method} ${request.path} is not in the description`];
    const problems: string[] = [];
    const consumes = operation.consumes ?? document.consumes;
    const mediaType = request.contentType?.split(";")[0]?.trim();
    if (consumes && request.form && !consumes.includes(mediaType ?? ""))
      problems.push(`content-type ${mediaType} is not one of ${consumes.join(", ")}`);
    for (const parameter of (operation.parameters ?? []).map(resolve)) {
      const values = parameter.in === "formData" ? request.form : parameter.in === "query" ? request.query : undefined;
      if (!values) continue;
      const value = values.get(parameter.name);
      if (value === null) {
        if (parameter.required) problems.push(`required ${parameter.in} parameter ${parameter.name} is missing`);
        continue;
      }
      if (parameter.enum && !parameter.enum.includes(value))
        problems.push(`${parameter.name}=${value} is not one of ${parameter.enum.join(", ")}`);
    }
    return problems;
  };
}
