import { awsError } from "../aws/aws-errors.js";
import type { JsonOperation } from "../aws/json-rpc.js";
import { isPlatformError } from "../core/errors.js";
import { STORAGE_ERRORS } from "../storage/errors.js";
import type { LogCursor, LogEventInput, LogStore, StoredLogEvent } from "../storage/log-store.js";
import { logsError } from "./errors.js";
import {
  BEFORE_ALL,
  backwardCursor,
  decodeEventToken,
  encodeEventToken,
  type LogPosition,
  positionAfter,
  positionBefore,
} from "./log-tokens.js";
import {
  checkMembers,
  type Input,
  LOG_GROUP_NAME,
  LOG_STREAM_NAME,
  logGroupOf,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requiredString,
} from "./logs-input.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** PutLogEvents' batch limit: UTF-8 message bytes plus 26 bytes per event. */
export const MAX_BATCH_BYTES = 1_048_576;
/** Reads return as many events as fit in 1 MB (and at most `limit`). */
export const MAX_RESPONSE_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;

/** PutLogEvents and GetLogEvents. */
export function logEventOperations(store: LogStore, clock: { now(): number }): Record<string, JsonOperation> {
  return {
    async PutLogEvents(input) {
      checkMembers("PutLogEvents", input, ["logGroupName", "logStreamName", "logEvents"], ["sequenceToken"]);
      const group = requiredString(input, "logGroupName", LOG_GROUP_NAME);
      const stream = requiredString(input, "logStreamName", LOG_STREAM_NAME);
      const events = parseEvents(input);
      let bytes = 0;
      for (const [i, event] of events.entries()) {
        if (i > 0 && event.timestamp < (events[i - 1]?.timestamp ?? 0)) {
          throw logsError.invalidParameter(
            "Log events in a single PutLogEvents request must be in chronological order.",
          );
        }
        bytes += responseBytes(event);
      }
      if (bytes > MAX_BATCH_BYTES) {
        throw logsError.invalidParameter(
          `Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`,
        );
      }
      // Events are sorted, so the too-old ones are a prefix and the too-new ones a suffix.
      const now = clock.now();
      let tooOldEnd = 0;
      while (tooOldEnd < events.length && (events[tooOldEnd]?.timestamp ?? 0) < now - 14 * DAY_MS)
        tooOldEnd++;
      let tooNewStart = events.length;
      while (tooNewStart > tooOldEnd && (events[tooNewStart - 1]?.timestamp ?? 0) > now + 2 * HOUR_MS)
        tooNewStart--;
      const accepted = events.slice(tooOldEnd, tooNewStart);
      const first = accepted[0];
      const last = accepted[accepted.length - 1];
      if (first && last && last.timestamp - first.timestamp > DAY_MS) {
        throw logsError.invalidParameter(
          "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
        );
      }
      if (!(await store.getGroup(group))) throw logsError.groupNotFound();
      try {
        await store.putEvents(group, stream, accepted);
      } catch (error) {
        if (isPlatformError(error) && error.code === STORAGE_ERRORS.notFound)
          throw logsError.streamNotFound();
        throw error;
      }
      const rejected = {
        ...(tooOldEnd > 0 ? { tooOldLogEventEndIndex: tooOldEnd } : {}),
        ...(tooNewStart < events.length ? { tooNewLogEventStartIndex: tooNewStart } : {}),
      };
      return Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {};
    },

    async GetLogEvents(input) {
      checkMembers(
        "GetLogEvents",
        input,
        [
          "logGroupName",
          "logGroupIdentifier",
          "logStreamName",
          "startTime",
          "endTime",
          "nextToken",
          "limit",
          "startFromHead",
        ],
        ["unmask"],
      );
      const group = logGroupOf(input, { identifierAllowed: true });
      const stream = requiredString(input, "logStreamName", LOG_STREAM_NAME);
      const startTime = optionalInteger(input, "startTime", { min: 0, max: Number.MAX_SAFE_INTEGER });
      const endTime = optionalInteger(input, "endTime", { min: 0, max: Number.MAX_SAFE_INTEGER });
      const limit = optionalInteger(input, "limit", { min: 1, max: 10_000 }) ?? 10_000;
      const token = optionalString(input, "nextToken", { min: 1 });
      const startFromHead = optionalBoolean(input, "startFromHead") ?? false;
      const from = token === undefined ? undefined : decodeEventToken(token);
      if (!(await store.getGroup(group))) throw logsError.groupNotFound();
      if (!(await store.getStream(group, stream))) throw logsError.streamNotFound();

      const forward = from ? from.direction === "f" : startFromHead;
      // No token: forward reads start before every event, backward reads (the default) at the newest.
      const boundary: LogPosition | undefined = from ? from.position : forward ? BEFORE_ALL : undefined;
      const cursor: LogCursor | undefined =
        boundary === undefined ? undefined : forward ? boundary : backwardCursor(boundary);
      const found = await store.queryEvents({
        logGroupName: group,
        logStreamNames: [stream],
        ...(startTime === undefined ? {} : { startTime }),
        // GetLogEvents' endTime is exclusive; the store's is inclusive.
        ...(endTime === undefined ? {} : { endTime: endTime - 1 }),
        ...(cursor === undefined ? {} : { cursor }),
        limit,
        ascending: forward,
      });
      const page = fitResponse(found);
      if (!forward) page.reverse();
      const oldest = page[0];
      const newest = page[page.length - 1];
      // At either end the token passed in comes back, which ends the SDKs' `stopOnSameToken` paging.
      const stay = boundary ?? BEFORE_ALL;
      return {
        events: page.map((e) => ({
          timestamp: e.timestamp,
          message: e.message,
          ingestionTime: e.ingestionTime,
        })),
        nextForwardToken: encodeEventToken("f", newest ? positionAfter(newest) : stay),
        nextBackwardToken: encodeEventToken("b", oldest ? positionBefore(oldest) : stay),
      };
    },
  };
}

/** What one event counts against the response size limit. */
export function responseBytes(event: Pick<StoredLogEvent, "message">): number {
  return Buffer.byteLength(event.message, "utf8") + EVENT_OVERHEAD_BYTES;
}

/** The leading events whose messages fit in one response (always at least one). */
function fitResponse(events: StoredLogEvent[]): StoredLogEvent[] {
  let bytes = 0;
  let count = 0;
  for (const event of events) {
    bytes += responseBytes(event);
    if (bytes > MAX_RESPONSE_BYTES && count > 0) break;
    count++;
  }
  return events.slice(0, count);
}

function parseEvents(input: Input): LogEventInput[] {
  const raw = input.logEvents;
  if (raw === undefined || raw === null) {
    throw logsError.invalidParameter(
      "1 validation error detected: Value null at 'logEvents' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(raw)) throw awsError.serialization("Expected a list for logEvents.");
  if (raw.length < 1 || raw.length > 10_000) {
    const bound = raw.length < 1 ? "greater than or equal to 1" : "less than or equal to 10000";
    throw logsError.invalidParameter(
      `1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  return raw.map((item: unknown, i) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw awsError.serialization(`Expected an object for logEvents.${i + 1}.`);
    }
    const event = item as Input;
    checkMembers("PutLogEvents (InputLogEvent)", event, ["timestamp", "message"]);
    const timestamp = optionalInteger(event, "timestamp", { min: 0, max: Number.MAX_SAFE_INTEGER });
    const message = requiredString(event, "message");
    if (timestamp === undefined) {
      throw logsError.invalidParameter(
        `1 validation error detected: Value null at 'logEvents.${i + 1}.member.timestamp' failed to satisfy constraint: Member must not be null`,
      );
    }
    return { timestamp, message };
  });
}
