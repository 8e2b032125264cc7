import { Readable } from "node:stream";
import { UserError } from "../errors.js";
import { backoffMs, networkReason, type RetryOptions, retrySettings, sleep } from "./retry.js";

/** Asks for the body again from `offset` on (a `Range` request). */
export type Reopen = (offset: number) => Promise<Response>;

/** `Content-Range: bytes 1000-1999/2000` → 1000; undefined when absent or unreadable. */
function rangeStart(response: Response): number | undefined {
  const match = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "");
  return match ? Number(match[1]) : undefined;
}

/**
 * The bytes of `response` after the first `offset`: a 206 must start exactly there; a server
 * that ignored the Range header (200) resends everything, and the part already read is skipped.
 */
async function* bodyFrom(response: Response, offset: number, what: string): AsyncGenerator<Uint8Array> {
  if (response.status === 206 && rangeStart(response) !== offset) {
    await response.body?.cancel();
    throw new UserError(`${what}: the registry resumed at the wrong offset (asked for byte ${offset})`);
  }
  let skip = response.status === 206 ? 0 : offset;
  for await (const chunk of response.body ?? []) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}

async function* resumingBody(first: Response, reopen: Reopen, what: string, options: RetryOptions): AsyncGenerator<Uint8Array> {
  const { attempts } = retrySettings(options);
  let response = first;
  let offset = 0;
  for (let breaks = 0; ; ) {
    try {
      for await (const chunk of bodyFrom(response, offset, what)) {
        offset += chunk.length;
        yield chunk;
      }
      return;
    } catch (error) {
      if (error instanceof UserError) throw error;
      breaks++;
      if (breaks >= attempts)
        throw new UserError(`${what}: the connection broke ${breaks} times while reading it (${networkReason(error)}); try again later`);
      await sleep(backoffMs(breaks - 1, options));
      response = await reopen(offset);
    }
  }
}

/**
 * A response body as a stream that survives connection resets: when the connection breaks
 * in the middle of a layer, the rest is asked for with a Range request instead of starting
 * the whole (possibly gigabyte-sized) layer again. The caller still verifies the digest.
 */
export function resumableBody(first: Response, reopen: Reopen, what: string, options: RetryOptions = {}): Readable {
  return Readable.from(resumingBody(first, reopen, what, options), { objectMode: false });
}
