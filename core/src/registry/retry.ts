import { UserError } from "../errors.js";
import { httpFetch } from "./http.js";

/** How often and how patiently to retry a request the registry could not answer now. */
export interface RetryOptions {
  /** Tries in all, the first included (default 5). */
  attempts?: number;
  /** The first backoff, doubled each time, before jitter (default 250 ms). */
  baseDelayMs?: number;
  /** The longest wait between tries, Retry-After included (default 30 s). */
  maxDelayMs?: number;
}

const DEFAULTS: Required<RetryOptions> = { attempts: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

export function retrySettings(options: RetryOptions = {}): Required<RetryOptions> {
  return { ...DEFAULTS, ...options };
}

/** 429 and 5xx say "try again later"; 501 and 505 will never change. */
function isTransient(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Full-range jitter over an exponential backoff, so many clients do not retry in step. */
export function backoffMs(attempt: number, options: RetryOptions = {}): number {
  const settings = retrySettings(options);
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The low-level reason fetch failed (ECONNRESET, ECONNREFUSED, …). */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * Fetches with retries on 429, transient 5xx and network failures, honouring Retry-After.
 * `what` names the request in the error after the last attempt. A body must be a Buffer or
 * string so that it can be sent again.
 */
export async function fetchWithRetry(url: string, init: RequestInit, what: string, options: RetryOptions = {}): Promise<Response> {
  const settings = retrySettings(options);
  for (let attempt = 0; ; attempt++) {
    const last = attempt + 1 >= settings.attempts;
    let response: Response;
    try {
      response = await httpFetch(url, init);
    } catch (error) {
      if (last) throw new UserError(`${what}: no answer after ${settings.attempts} attempts (${networkReason(error)})`);
      await sleep(backoffMs(attempt, settings));
      continue;
    }
    if (!isTransient(response.status)) return response;
    await response.body?.cancel();
    if (last) {
      throw new UserError(
        `${what}: gave up after ${settings.attempts} attempts; the last answer was ${response.status} ${response.statusText}`,
      );
    }
    const asked = retryAfterMs(response.headers.get("retry-after"));
    await sleep(Math.min(settings.maxDelayMs, asked ?? backoffMs(attempt, settings)));
  }
}
