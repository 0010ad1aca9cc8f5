export { compilePattern, PatternError, type PatternMatcher } from "./patterns/event-pattern.js";
