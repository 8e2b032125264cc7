import { isUserError, UserError } from "../../errors.js";
import { readLimited } from "../../registry/http.js";
import { fetchWithRetry, type RetryOptions } from "../../registry/retry.js";
import { TOOL } from "../../version.js";

export const DEFAULT_OSV_API_ENDPOINT = "https://api.osv.dev";

/** What to do when the API cannot be used. */
export const OSV_API_HINT =
  "Check the network and any HTTPS_PROXY/NO_PROXY settings, or scan with the offline database (--db DIR, or the one pulled from --db-repository) instead of --osv-online.";

/** Enough for an error's explanation; the rest of an error body is not read. */
const ERROR_BODY_LIMIT = 64 * 1024;
const ERROR_MESSAGE_LENGTH = 200;

/** The OSV API at one endpoint: JSON requests with retries, answers read within a size limit. */
export class OsvApiClient {
  readonly endpoint: string;

  constructor(
    endpoint: string,
    private readonly retry: RetryOptions = {},
  ) {
    this.endpoint = checkedEndpoint(endpoint);
  }

  /** `POST path` with a JSON body; the answer parsed. */
  post(path: string, body: unknown, limit: number): Promise<unknown> {
    return this.send("POST", path, limit, false, JSON.stringify(body));
  }

  /** `GET path`, the answer parsed; undefined when the API has no such thing (404). */
  get(path: string, limit: number): Promise<unknown> {
    return this.send("GET", path, limit, true);
  }

  /** JSON never parses to undefined, so undefined can only mean "not found". */
  private async send(method: string, path: string, limit: number, notFoundIsAnswer: boolean, body?: string): Promise<unknown> {
    const what = `OSV API ${this.endpoint} (${method} ${path})`;
    const headers: Record<string, string> = { accept: "application/json", "user-agent": `${TOOL.name}/${TOOL.version}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetchWithRetry(
        `${this.endpoint}${path}`,
        { method, headers, ...(body !== undefined && { body }) },
        what,
        this.retry,
      );
    } catch (error) {
      throw isUserError(error) ? new UserError(error.message, OSV_API_HINT) : error;
    }
    if (response.status === 404 && notFoundIsAnswer) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw await refusal(response, what);
    return parseJson(await readAnswer(response, limit, what), what);
  }
}

function checkedEndpoint(endpoint: string): string {
  const url = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  if (url?.protocol !== "https:" && url?.protocol !== "http:")
    throw new UserError(`OSV API endpoint ${JSON.stringify(endpoint)} is not an http(s) URL; give one like ${DEFAULT_OSV_API_ENDPOINT}`);
  return endpoint.replace(/\/+$/, "");
}

/** A body read whole, refused past `limit` bytes; a connection that breaks off is the API's failure too. */
async function readAnswer(response: Response, limit: number, what: string): Promise<Buffer> {
  try {
    return await readLimited(
      response,
      limit,
      () => new UserError(`${what}: the answer is larger than ${limit} bytes; refusing to read it`, OSV_API_HINT),
    );
  } catch (error) {
    if (isUserError(error)) throw error;
    throw new UserError(`${what}: the answer broke off while it was read (${(error as Error).message})`, OSV_API_HINT);
  }
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new UserError(
      `${what}: the answer is not valid JSON (${(error as Error).message}); it was cut short or garbled on the way`,
      OSV_API_HINT,
    );
  }
}

/** The error for a final non-OK answer, with the API's own explanation when it gives one. */
async function refusal(response: Response, what: string): Promise<UserError> {
  let explanation = "";
  try {
    const { message } = JSON.parse((await readAnswer(response, ERROR_BODY_LIMIT, what)).toString("utf8")) as { message?: unknown };
    if (typeof message === "string") explanation = `: ${oneLine(message)}`;
  } catch {
    // The status says enough when the body explains nothing.
  }
  return new UserError(`${what} answered ${response.status} ${response.statusText}${explanation}`, OSV_API_HINT);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= ERROR_MESSAGE_LENGTH ? line : `${line.slice(0, ERROR_MESSAGE_LENGTH - 1)}…`;
}
