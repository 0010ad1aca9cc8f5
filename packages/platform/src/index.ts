export { type Clock, ManualClock, systemClock } from "./core/clock.js";
export { type NimbusConfig, type NimbusOptions, parseConfig } from "./core/config.js";
export { createLogger, type Logger } from "./core/logger.js";
export { NIMBUS_VERSION, type NimbusServer, type StartOptions, startServer } from "./server.js";
export { parseTemplate } from "./stacks/template/index.js";
