export { type AccessLogWriter, formatAccessLog } from "./access-log.js";
export { createHttpApis, type HttpApis, type HttpApisDeps } from "./create-http-apis.js";
export { HTTP_API_ERRORS } from "./errors.js";
export { EXECUTE_API_PATH_PREFIX, matchExecuteApi } from "./http-api-route.js";
