export { type Challenge, parseChallenge } from "./auth.js";
export { type FetchedManifest, RegistryClient, type RegistryClientOptions } from "./client.js";
export { type CredentialLookup, type CredentialOptions, findCredentials, type RegistryCredential } from "./credentials.js";
export { fetchWithRetry, type RetryOptions, retryAfterMs } from "./retry.js";
