import { compilePattern, PatternError, type PatternMatcher } from "../../events/index.js";
import { sourcesError } from "../errors.js";
import { SQS_MAPPING_LIMITS } from "../mapping-model.js";
import type { SqsEventRecord } from "../sqs/sqs-event.js";

/** FilterCriteria of a mapping: a record passes when any pattern matches (patterns are OR-ed). */
export interface RecordFilter {
  matches(record: SqsEventRecord): boolean;
}

/**
 * Compiles FilterCriteria.Filters[].Pattern. Throws InvalidParameterValueException naming the
 * problem, as Lambda refuses an invalid filter at create or update time.
 */
export function compileFilters(patterns: string[]): RecordFilter {
  if (patterns.length > SQS_MAPPING_LIMITS.maxFilters)
    throw sourcesError.invalidFilter(
      `FilterCriteria holds ${patterns.length} filters; at most ${SQS_MAPPING_LIMITS.maxFilters} are allowed.`,
    );
  const matchers: PatternMatcher[] = patterns.map((pattern, i) => {
    if (pattern.length > SQS_MAPPING_LIMITS.maxPatternLength)
      throw sourcesError.invalidFilter(
        `Filter ${i + 1}'s pattern is longer than ${SQS_MAPPING_LIMITS.maxPatternLength} characters.`,
      );
    try {
      return compilePattern(pattern);
    } catch (error) {
      if (error instanceof PatternError)
        throw sourcesError.invalidFilter(
          `Invalid filter pattern definition (filter ${i + 1}): ${error.message}.`,
        );
      throw error;
    }
  });
  return { matches: (record) => matchers.some((m) => m(filterView(record))) };
}

/**
 * The record as filters see it: `body` as parsed JSON when it holds a JSON object or list, else
 * as the plain string, so a JSON pattern on a plain-text body (or the reverse) matches nothing.
 */
function filterView(record: SqsEventRecord): Record<string, unknown> {
  const body = record.body.trimStart();
  if (body.startsWith("{") || body.startsWith("[")) {
    try {
      return { ...record, body: JSON.parse(record.body) as unknown };
    } catch {
      // Not JSON after all: matched as a string.
    }
  }
  return { ...record };
}
