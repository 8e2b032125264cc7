/**
 * Placeholder: the wrapper that adapts the shared core to this CI platform arrives in a
 * later issue. It re-exports the core entry point so the workspace builds against it.
 */
export { scan } from "@portcullis/core";
