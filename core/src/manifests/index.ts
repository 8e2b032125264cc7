export * from "./discover.js";
export * from "./kinds.js";
export * from "./load.js";
export * from "./positions.js";
export * from "./workloads.js";
