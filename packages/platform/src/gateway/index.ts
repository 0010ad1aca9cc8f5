export { ALB_ERRORS, createLoadBalancers, ELB_PATH_PREFIX, type LoadBalancers } from "./alb/index.js";
export { preflightResponse, withCorsHeaders } from "./function-url/cors.js";
export {
  buildFunctionUrlEvent,
  type FunctionUrlEvent,
  type FunctionUrlRequest,
  type IamAuthorizer,
  isTextContentType,
} from "./function-url/event-v2.js";
export {
  createFunctionUrlRoute,
  type FunctionUrlRouteDeps,
  type FunctionUrlTarget,
  matchFunctionUrl,
  PATH_FORM_PREFIX,
} from "./function-url/function-url-route.js";
export {
  createFunctionUrls,
  type FunctionUrls,
  type FunctionUrlsDeps,
} from "./function-url/function-urls.js";
export { type GatewayResponse, type MappedResponse, mapFunctionResult } from "./function-url/response-v2.js";
export {
  type AccessLogWriter,
  createHttpApis,
  EXECUTE_API_PATH_PREFIX,
  HTTP_API_ERRORS,
  type HttpApis,
  type HttpApisDeps,
  matchExecuteApi,
} from "./http-api/index.js";
export {
  buildEventV1,
  type EventV1Request,
  headerLines,
  type IdentityV1,
  isBinaryMediaType,
  type ProxyEventV1,
  queryMaps,
  type RequestContextV1,
} from "./payload-v1/event-v1.js";
export {
  badGatewayV1,
  type MappedResponseV1,
  mapProxyResultV1,
  type ResponseV1,
  type ResponseV1Options,
} from "./payload-v1/response-v1.js";
export { createRestApis, type RestApis, type RestApisDeps } from "./rest-api/create-rest-apis.js";
export { REST_API_ERRORS } from "./rest-api/errors.js";
export { EXECUTE_API_PREFIX as REST_API_PATH_PREFIX } from "./rest-api/rest-api-route.js";
