export { DEFAULT_OSV_API_ENDPOINT } from "./client.js";
export { type OnlineDatabaseOptions, openOnlineDatabase } from "./open.js";
