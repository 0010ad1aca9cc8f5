export { AsyncEvents } from "./async-events.js";
export { type AsyncConfig, type AsyncDeps, type AsyncInvocation, createAsync } from "./create-async.js";
export { ASYNC_ERRORS } from "./errors.js";
export { ASYNC_QUEUE_ID, type AsyncInvokeRequest } from "./event-types.js";
export { type FailedEvent, FailureStore } from "./failure-store.js";
export { FAILURES_PATH } from "./failures-api.js";
