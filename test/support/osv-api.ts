import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Ajv, type ValidateFunction } from "ajv";
import semver from "semver";
import { parse as parseYaml } from "yaml";
import { loadOpenApiChecker } from "./openapi.js";

/** The published description of the OSV API (an excerpt, README.md beside it). */
export const OSV_API_DESCRIPTION = "test/fixtures/osv-api/osv_service_v1.swagger.json";

/** The API's limit of queries in one querybatch request (the description's summary says so). */
const MAX_BATCH_QUERIES = 1000;
const REQUEST_BODY_LIMIT = 8 * 1024 * 1024;

/** An OSV record as the test server reads it: every scalar a string, as YAML's failsafe schema leaves it. */
interface OsvRecordShape {
  id: string;
  modified: string;
  affected?: Array<{
    package?: { ecosystem: string; name: string };
    ranges?: Array<{ type: string; events: Array<Record<string, string>> }>;
    versions?: string[];
  }>;
}

/** Real OSV records, indexed as the server looks them up. */
export interface SharedRecords {
  byId: Map<string, OsvRecordShape>;
  /** `serverKey(ecosystem, name)` → the records with an affected entry for it. */
  byPackage: Map<string, OsvRecordShape[]>;
  files: number;
}

function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** PyPI names compare as PEP 503 says (the API normalises them too); others exactly. */
function serverKey(ecosystem: string, name: string): string {
  return JSON.stringify([ecosystem, ecosystem === "PyPI" ? pep503(name) : name]);
}

function recordFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(json|ya?ml)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Every record under `directories` (YAML with the failsafe schema, so `1.10` stays a string,
 * JSON as is), read here without any of Portcullis's own readers.
 */
export function readSharedRecords(directories: readonly string[]): SharedRecords {
  const records: SharedRecords = { byId: new Map(), byPackage: new Map(), files: 0 };
  for (const file of directories.flatMap(recordFiles)) {
    const text = readFileSync(file, "utf8");
    const record = (file.endsWith(".json") ? JSON.parse(text) : parseYaml(text, { schema: "failsafe" })) as OsvRecordShape;
    records.files++;
    records.byId.set(record.id, record);
    const keys = new Set(
      (record.affected ?? []).flatMap((entry) => (entry.package ? [serverKey(entry.package.ecosystem, entry.package.name)] : [])),
    );
    for (const key of keys) records.byPackage.set(key, [...(records.byPackage.get(key) ?? []), record]);
  }
  return records;
}

/** The version inside a SEMVER range, walked as the OSV schema describes (events sorted, `0` first). */
function inSemverRange(events: Array<Record<string, string>>, version: semver.SemVer): boolean {
  const sorted = events
    .flatMap((event) => Object.entries(event).slice(0, 1))
    .sort(([, a], [, b]) => (a === "0" ? -1 : b === "0" ? 1 : semver.compare(a as string, b as string)));
  let affected = false;
  for (const [kind, value] of sorted) {
    const reached = value === "0" || semver.gte(version, value as string);
    if (kind === "introduced" && reached) affected = true;
    if (kind === "fixed" && reached) affected = false;
    if (kind === "last_affected" && value !== "0" && semver.gt(version, value as string)) affected = false;
  }
  return affected;
}

/**
 * Whether the record affects the version, decided apart from Portcullis's matcher: PyPI by the
 * record's explicit `versions` list, Go by its SEMVER ranges evaluated with `semver`.
 */
function affects(record: OsvRecordShape, ecosystem: string, name: string, version: string): boolean {
  const parsed = ecosystem === "Go" ? semver.parse(version) : null;
  return (record.affected ?? []).some((entry) => {
    if (!entry.package || serverKey(entry.package.ecosystem, entry.package.name) !== serverKey(ecosystem, name)) return false;
    if (ecosystem === "PyPI") return (entry.versions ?? []).includes(version);
    if (parsed) return (entry.ranges ?? []).some((range) => range.type === "SEMVER" && inSemverRange(range.events, parsed));
    return false;
  });
}

/** Protobuf's JSON form accepts a field by its lowerCamelCase name (the description's) or its proto name. */
function protoName(jsonName: string): string {
  return jsonName.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * The description's definitions as protobuf's JSON parser reads messages: each field under
 * either spelling, and no field the message does not define (unknown fields are rejected).
 */
function protoJsonSchemas(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(protoJsonSchemas);
  if (typeof schema !== "object" || schema === null) return schema;
  const mapped = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, protoJsonSchemas(value)]));
  const properties = mapped.properties as Record<string, unknown> | undefined;
  if (properties === undefined || mapped.type !== "object") return mapped;
  const spelled = Object.entries(properties).flatMap(([name, field]) => [
    [name, field],
    [protoName(name), field],
  ]);
  return { ...mapped, properties: Object.fromEntries(spelled), additionalProperties: false };
}

interface Operation {
  consumes?: string[];
  parameters?: Array<{ in: string; schema?: { $ref: string } }>;
}

interface Description {
  consumes?: string[];
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, unknown>;
}

export interface SeenRequest {
  method: string;
  path: string;
  contentType?: string;
  query: URLSearchParams;
  body: Buffer;
}

/**
 * Checks requests against the description: the operation exists (paths templated), a body
 * goes with a media type the operation consumes, and it is valid against the body parameter's
 * schema in protobuf's JSON form. `checkAnswer` validates a JSON answer against a definition.
 */
export function loadOsvApiDescription(path = OSV_API_DESCRIPTION) {
  const description = JSON.parse(readFileSync(path, "utf8")) as Description;
  const operations = loadOpenApiChecker(path);
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: "osv-api", definitions: protoJsonSchemas(description.definitions) });
  const validators = new Map<string, ValidateFunction>();
  const validatorOf = (ref: string): ValidateFunction => {
    const known = validators.get(ref) ?? ajv.compile({ $ref: `osv-api${ref}` });
    validators.set(ref, known);
    return known;
  };
  const templates = Object.keys(description.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));
  const problemsOf = (validate: ValidateFunction, value: unknown, what: string): string[] =>
    validate(value) ? [] : (validate.errors ?? []).map((error) => `${what}${error.instancePath} ${error.message}`);

  function checkRequest(request: SeenRequest): string[] {
    const template = templates.find(({ pattern }) => pattern.test(request.path))?.template ?? request.path;
    const where = `${request.method} ${request.path}`;
    const problems = operations({ ...request, path: template }).map((problem) => `${where}: ${problem}`);
    const operation = description.paths[template]?.[request.method.toLowerCase()];
    if (!operation) return problems;
    const bodyParameter = operation.parameters?.find((parameter) => parameter.in === "body");
    if (!bodyParameter?.schema) {
      if (request.body.length > 0) problems.push(`${where}: sends a body the operation does not take`);
      return problems;
    }
    const mediaType = request.contentType?.split(";")[0]?.trim() ?? "";
    const consumes = operation.consumes ?? description.consumes ?? [];
    if (!consumes.includes(mediaType))
      problems.push(`${where}: content-type ${JSON.stringify(mediaType)} is not one of ${consumes.join(", ")}`);
    let body: unknown;
    try {
      body = JSON.parse(request.body.toString("utf8"));
    } catch {
      return [...problems, `${where}: the body is not JSON`];
    }
    return [...problems, ...problemsOf(validatorOf(bodyParameter.schema.$ref), body, `${where}: body`)];
  }

  return {
    checkRequest,
    checkAnswer: (definition: string, value: unknown, what: string) => problemsOf(validatorOf(`#/definitions/${definition}`), value, what),
  };
}

export type Route = "querybatch" | "vulns";

/** What the server answers instead of the real thing, while a fault lasts. */
export type Fault =
  | { kind: "status"; status: number; retryAfter?: string }
  /** The real answer, cut in half. */
  | { kind: "truncated" }
  /** A 200 with this body. */
  | { kind: "body"; body: string }
  /** Valid JSON padded with blanks to `bytes`, with its Content-Length or streamed without one. */
  | { kind: "oversized"; bytes: number; declared: boolean };

/** One querybatch request as received. */
export interface BatchLog {
  queries: Array<{ ecosystem: string; name: string; version: string; pageToken?: string }>;
  /** Per query, how many ids this page listed, and whether it said there were more. */
  listed: Array<{ ids: string[]; more: boolean }>;
}

export interface OsvApiServer {
  endpoint: string;
  /** Every way a request (or a querybatch answer) departed from the description. */
  violations: string[];
  requests: Record<Route | "other", number>;
  batches: BatchLog[];
  /** `GET /v1/vulns/{id}` requests, by id. */
  vulnRequests: Map<string, number>;
  /** The most `GET /v1/vulns/{id}` requests in progress at once. */
  maxConcurrentVulnRequests: number;
  /** Bytes of oversized answers written before the client hung up. */
  oversizedBytesSent: number;
  /** The next `times` requests of `route` get `fault`. */
  inject(route: Route, fault: Fault, times?: number): void;
  close(): Promise<void>;
}

export interface OsvApiServerOptions {
  /** Vulnerabilities per page of a querybatch result (the real API pages far larger results). */
  pageSize?: number;
  /** How long each `GET /v1/vulns/{id}` takes, so that concurrent requests overlap. */
  vulnDelayMs?: number;
}

interface WireQuery {
  package?: { name?: string; ecosystem?: string };
  version?: string;
  page_token?: string;
  pageToken?: string;
}

interface Answer {
  status: number;
  body: string;
}

function json(status: number, value: unknown): Answer {
  return { status, body: JSON.stringify(value) };
}

/** Page tokens carry the query they continue and where: a token used for another query is refused. */
function pageToken(key: string, offset: number): string {
  return Buffer.from(JSON.stringify([key, offset])).toString("base64url");
}

function offsetOf(token: string, key: string): number | undefined {
  try {
    const [forKey, offset] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as [string, number];
    return forKey === key && Number.isSafeInteger(offset) ? offset : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    total += (chunk as Buffer).length;
    if (total > REQUEST_BODY_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * A loopback OSV API over real records: `POST /v1/querybatch` (with pagination) and
 * `GET /v1/vulns/{id}`. Every request is checked against the published description; requests
 * are counted, concurrent record fetches measured, and faults injected on demand.
 */
export async function startOsvApi(records: SharedRecords, options: OsvApiServerOptions = {}): Promise<OsvApiServer> {
  const pageSize = options.pageSize ?? 1000;
  const description = loadOsvApiDescription();
  const faults: Record<Route, Array<{ fault: Fault; times: number }>> = { querybatch: [], vulns: [] };
  let inFlight = 0;

  function takeFault(route: Route): Fault | undefined {
    const next = faults[route][0];
    if (!next) return undefined;
    if (--next.times <= 0) faults[route].shift();
    return next.fault;
  }

  function listed(query: WireQuery): { ids: string[]; more: boolean; token?: string } | string {
    const { ecosystem = "", name = "" } = query.package ?? {};
    const version = query.version ?? "";
    const key = JSON.stringify([serverKey(ecosystem, name), version]);
    const token = query.page_token ?? query.pageToken;
    const offset = token === undefined ? 0 : offsetOf(token, key);
    if (offset === undefined) return `page token ${JSON.stringify(token)} does not continue this query`;
    const all = (records.byPackage.get(serverKey(ecosystem, name)) ?? []).filter((record) => affects(record, ecosystem, name, version));
    const ids = all.map((record) => record.id).sort();
    const page = ids.slice(offset, offset + pageSize);
    const more = offset + pageSize < ids.length;
    return { ids: page, more, ...(more && { token: pageToken(key, offset + pageSize) }) };
  }

  function querybatch(body: Buffer): Answer {
    const { queries } = JSON.parse(body.toString("utf8")) as { queries?: WireQuery[] };
    if (!Array.isArray(queries)) return json(400, { code: 3, message: "Invalid query." });
    if (queries.length > MAX_BATCH_QUERIES) {
      server.violations.push(`POST /v1/querybatch: ${queries.length} queries, over the limit of ${MAX_BATCH_QUERIES}`);
      return json(400, { code: 3, message: "Too many queries." });
    }
    const log: BatchLog = {
      queries: queries.map((query) => ({
        ecosystem: query.package?.ecosystem ?? "",
        name: query.package?.name ?? "",
        version: query.version ?? "",
        ...((query.page_token ?? query.pageToken) !== undefined && { pageToken: query.page_token ?? query.pageToken }),
      })),
      listed: [],
    };
    server.batches.push(log);
    const results: Array<Record<string, unknown>> = [];
    for (const query of queries) {
      const page = listed(query);
      if (typeof page === "string") return json(400, { code: 3, message: page });
      log.listed.push({ ids: page.ids, more: page.more });
      const vulns = page.ids.map((id) => ({ id, modified: records.byId.get(id)?.modified }));
      results.push({ ...(vulns.length > 0 && { vulns }), ...(page.token && { next_page_token: page.token }) });
    }
    const answer = { results };
    server.violations.push(...description.checkAnswer("v1BatchVulnerabilityList", answer, "querybatch answer"));
    return json(200, answer);
  }

  function vuln(id: string): Answer {
    const record = records.byId.get(id);
    return record ? json(200, record) : json(404, { code: 5, message: "Bug not found." });
  }

  async function sendOversized(response: ServerResponse, fault: Extract<Fault, { kind: "oversized" }>, route: Route): Promise<void> {
    const [open, close] = route === "querybatch" ? ['{"results":[', "]}"] : ["{", "}"];
    const padding = Buffer.alloc(64 * 1024, " ");
    async function* chunks() {
      yield Buffer.from(open);
      for (let left = fault.bytes - open.length - close.length; left > 0; left -= padding.length) {
        const chunk = left >= padding.length ? padding : padding.subarray(0, left);
        server.oversizedBytesSent += chunk.length;
        yield chunk;
      }
      yield Buffer.from(close);
    }
    response.writeHead(200, { "content-type": "application/json", ...(fault.declared && { "content-length": String(fault.bytes) }) });
    // The client hanging up part-way is what a refused answer looks like from here.
    await pipeline(Readable.from(chunks()), response).catch(() => undefined);
  }

  async function answer(response: ServerResponse, route: Route | undefined, result: () => Answer): Promise<void> {
    const fault = route && takeFault(route);
    if (fault?.kind === "oversized") return sendOversized(response, fault, route as Route);
    if (fault?.kind === "status") {
      const headers = { "content-type": "application/json", ...(fault.retryAfter !== undefined && { "retry-after": fault.retryAfter }) };
      response.writeHead(fault.status, headers).end(JSON.stringify({ code: 14, message: "injected fault" }));
      return;
    }
    if (fault?.kind === "body") {
      response.writeHead(200, { "content-type": "application/json" }).end(fault.body);
      return;
    }
    const { status, body } = result();
    const sent = fault?.kind === "truncated" ? body.slice(0, Math.floor(body.length / 2)) : body;
    response.writeHead(status, { "content-type": "application/json" }).end(sent);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://osv.test");
    const body = await readBody(request);
    if (body === undefined) {
      server.violations.push(`${request.method} ${url.pathname}: a body over ${REQUEST_BODY_LIMIT} bytes`);
      response.writeHead(413).end();
      return;
    }
    const method = request.method ?? "";
    server.violations.push(
      ...description.checkRequest({
        method,
        path: url.pathname,
        query: url.searchParams,
        body,
        ...(request.headers["content-type"] !== undefined && { contentType: request.headers["content-type"] }),
      }),
    );
    const vulnId = /^\/v1\/vulns\/([^/]+)$/.exec(url.pathname)?.[1];
    if (method === "POST" && url.pathname === "/v1/querybatch") {
      server.requests.querybatch++;
      return answer(response, "querybatch", () => querybatch(body));
    }
    if (method === "GET" && vulnId !== undefined) {
      const id = decodeURIComponent(vulnId);
      server.requests.vulns++;
      server.vulnRequests.set(id, (server.vulnRequests.get(id) ?? 0) + 1);
      server.maxConcurrentVulnRequests = Math.max(server.maxConcurrentVulnRequests, ++inFlight);
      response.once("close", () => inFlight--);
      await new Promise((resolve) => setTimeout(resolve, options.vulnDelayMs ?? 0));
      return answer(response, "vulns", () => vuln(id));
    }
    server.requests.other++;
    return answer(response, undefined, () => json(404, { code: 5, message: "Not Found" }));
  }

  const http: Server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      server.violations.push(`server failure: ${error.message}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const server: OsvApiServer = {
    endpoint: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    violations: [],
    requests: { querybatch: 0, vulns: 0, other: 0 },
    batches: [],
    vulnRequests: new Map(),
    maxConcurrentVulnRequests: 0,
    oversizedBytesSent: 0,
    inject(route, fault, times = 1) {
      faults[route].push({ fault, times });
    },
    close: () =>
      new Promise((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
  return server;
}
