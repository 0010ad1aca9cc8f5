export { createObjects, type Objects, type ObjectsDeps } from "./create-objects.js";
export { OBJECT_ERRORS } from "./errors.js";
export type { S3Api } from "./s3-api.js";
