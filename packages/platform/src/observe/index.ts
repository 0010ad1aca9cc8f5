export { OBSERVE_ERRORS } from "./errors.js";
export { compileFilterPattern, type MessageMatcher } from "./filter-pattern.js";
export { LogSink, type LogSinkOptions, type LogSinkStats } from "./log-sink.js";
export { createLogsApi } from "./logs-api.js";
export { type InvocationSample, Metrics, type MetricsSources } from "./metrics.js";
