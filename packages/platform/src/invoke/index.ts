export type { RuntimeHosts } from "./environment-spec.js";
export { addInvokeRoutes } from "./invoke-api.js";
export type { InvokeRequest, InvokeResult } from "./invoke-types.js";
export { Invoker, type InvokerDeps } from "./invoker.js";
