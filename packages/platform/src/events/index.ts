export { createEvents, type Events, type EventsConfig, type EventsDeps } from "./create-events.js";
export { EVENTS_ERRORS } from "./errors.js";
export { compilePattern, PatternError, type PatternMatcher } from "./patterns/event-pattern.js";
export { RuleIndex } from "./patterns/rule-index.js";
