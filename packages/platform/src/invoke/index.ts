export type { RuntimeHosts } from "./environment-spec.js";
export { addInvokeRoutes } from "./invoke-api.js";
export type { AsyncInvocations, InvokeRequest, InvokeResult } from "./invoke-types.js";
export { Invoker, type InvokerDeps } from "./invoker.js";
export { addProvisionedRoutes } from "./provisioned-api.js";
export { ProvisionedConcurrency, type ProvisionedStatus } from "./provisioned-concurrency.js";
