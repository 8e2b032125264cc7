import { createHash } from "node:crypto";
import { pipeline, type Readable, Transform } from "node:stream";
import { UserError } from "../../errors.js";

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(text: string): boolean {
  return DIGEST.test(text);
}

/** `text` as a digest (`sha256:<hex>`), or a UserError saying where it came from. */
export function parseDigest(text: unknown, where: string): string {
  if (typeof text === "string" && isDigest(text)) return text;
  throw new UserError(`${where}: ${JSON.stringify(text)} is not a sha256 or sha512 digest`);
}

function algorithmOf(digest: string): string {
  return digest.slice(0, digest.indexOf(":"));
}

export function digestOf(bytes: Buffer, algorithm = "sha256"): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

function mismatch(blob: string, expected: string, actual: string): UserError {
  return new UserError(`${blob} does not match its digest: expected ${expected}, got ${actual}`);
}

/** Checks bytes read whole (manifests, configs) against their digest. */
export function verifyDigest(bytes: Buffer, expected: string, blob: string): void {
  const actual = digestOf(bytes, algorithmOf(expected));
  if (actual !== expected) throw mismatch(blob, expected, actual);
}

/**
 * Passes `source` through, hashing it; the stream fails at its end when the bytes do not
 * match `expected`, or as soon as they exceed `expectedSize` (so a lying blob cannot run on).
 */
export function verifyingStream(source: Readable, expected: string, blob: string, expectedSize?: number): Readable {
  const hash = createHash(algorithmOf(expected));
  let seen = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (expectedSize !== undefined && seen > expectedSize) {
        done(new UserError(`${blob} is larger than the ${expectedSize} bytes its descriptor gives`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = `${algorithmOf(expected)}:${hash.digest("hex")}`;
      if (actual !== expected) done(mismatch(blob, expected, actual));
      else if (expectedSize !== undefined && seen !== expectedSize)
        done(new UserError(`${blob} has ${seen} bytes, its descriptor says ${expectedSize}`));
      else done();
    },
  });
  // Errors reach the consumer through `check`; the callback only keeps them from being unhandled.
  pipeline(source, check, () => {});
  return check;
}
