/**
 * Recognising secrets written as literal environment values: by the variable's name and by
 * the value's shape. Tuned for few false positives: no generic entropy test.
 */

interface ValuePattern {
  what: string;
  pattern: RegExp;
}

/** Credential formats that are unambiguous by shape alone, whatever the variable is called. */
const VALUE_PATTERNS: readonly ValuePattern[] = [
  { what: "an AWS access key ID", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b/ },
  { what: "a Slack token", pattern: /\bxox[baprs]-[A-Za-z0-9-]{10,}/ },
  { what: "a private key", pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/ },
  { what: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
  { what: "an Azure connection string with an account key", pattern: /\b(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{20,}/ },
  // scheme://user:password@host, unless the password is a $(VAR) or ${VAR} reference.
  { what: "a URL with an embedded password", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:(?!\$[({])[^\s/@]+@/i },
];

/** Name words that mean the value is a secret. */
const SECRET_WORDS = new Set([
  "PASSWORD",
  "PASSWD",
  "PASS",
  "SECRET",
  "TOKEN",
  "APIKEY",
  "CREDENTIAL",
  "CREDENTIALS",
  "PRIVATEKEY",
  "ACCESSKEY",
]);
/** Words that make a following `KEY` a secret: API_KEY, PRIVATE_KEY, ACCESS_KEY… */
const KEY_QUALIFIERS = new Set(["API", "PRIVATE", "ACCESS", "SECRET", "ENCRYPTION", "SIGNING", "MASTER"]);
/** A last word that says the variable holds something about a secret, not the secret: DB_PASSWORD_FILE, TLS_SECRET_NAME. */
const REFERENCE_SUFFIXES = new Set([
  "NAME",
  "FILE",
  "PATH",
  "DIR",
  "URL",
  "URI",
  "ENDPOINT",
  "HOST",
  "PORT",
  "ID",
  "TTL",
  "TIMEOUT",
  "EXPIRY",
  "LENGTH",
  "TYPE",
  "ENABLED",
  "HEADER",
]);

/** Why a literal env value looks like a secret (`its value looks like a GitHub token`), or undefined. */
export function secretSuspicion(name: string, value: string): string | undefined {
  const match = VALUE_PATTERNS.find(({ pattern }) => pattern.test(value));
  if (match) return `its value looks like ${match.what}`;
  return isSecretName(name) && isSecretLikeValue(value) ? "its name marks it as a secret" : undefined;
}

/** The first characters of a secret, never more than a quarter of it and at most four, then an ellipsis. */
export function maskSecret(value: string): string {
  return `${value.slice(0, Math.min(4, Math.floor(value.length / 4)))}…`;
}

/** `dbPassword`, `DB-PASSWORD` and `DB_PASSWORD` are all [DB, PASSWORD]. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
}

function isSecretName(name: string): boolean {
  const words = nameWords(name);
  const last = words.at(-1);
  if (last === undefined || REFERENCE_SUFFIXES.has(last)) return false;
  return words.some((word, index) => SECRET_WORDS.has(word) || (word === "KEY" && KEY_QUALIFIERS.has(words[index - 1] ?? "")));
}

/** Values that cannot be a secret however the variable is named: empty, references, flags, numbers, file paths. */
function isSecretLikeValue(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed === "") return false;
  if (/^\$(?:\([^)]*\)|\{[^}]*\})$/.test(trimmed)) return false;
  if (/^(?:true|false|yes|no|on|off|null|none)$/i.test(trimmed)) return false;
  if (/^[0-9.]+$/.test(trimmed)) return false;
  return !trimmed.startsWith("/");
}
