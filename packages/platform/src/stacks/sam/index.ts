export { SAM_ERRORS } from "./errors.js";
export { isSamTemplate, SAM_TRANSFORM, transformSam } from "./transform.js";
export type { SamContext, Unsupported } from "./types.js";
