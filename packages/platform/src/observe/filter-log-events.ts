import type { JsonOperation } from "../aws/json-rpc.js";
import type { LogQuery, LogStore, StoredLogEvent } from "../storage/log-store.js";
import { logsError } from "./errors.js";
import { compileFilterPattern } from "./filter-pattern.js";
import { MAX_RESPONSE_BYTES, responseBytes } from "./log-event-ops.js";
import { decodeFilterToken, encodeFilterToken, type LogPosition, positionAfter } from "./log-tokens.js";
import {
  checkMembers,
  type Input,
  LOG_STREAM_NAME,
  logGroupOf,
  optionalInteger,
  optionalString,
  optionalStringList,
} from "./logs-input.js";

/** Events read from the store per query while filtering. */
const SCAN_BATCH = 1000;
/** Events examined per request at most; past this the caller gets a nextToken and asks again. */
const SCAN_BUDGET = 50_000;
/** searchedLogStreams (deprecated by AWS) lists at most this many streams. */
const MAX_SEARCHED_STREAMS = 100;

/**
 * FilterLogEvents, always interleaved (AWS deprecated `interleaved: false`). The nextToken is the
 * position after the last event examined and is present only while more events may follow, so
 * `aws logs tail --follow` (which calls again at once when a nextToken comes back, and otherwise
 * sleeps and restarts from the newest timestamp it saw, dropping event ids it already printed)
 * neither spins nor misses events.
 */
export function filterLogEventsOperation(store: LogStore): JsonOperation {
  return async (input) => {
    checkMembers(
      "FilterLogEvents",
      input,
      [
        "logGroupName",
        "logGroupIdentifier",
        "logStreamNames",
        "logStreamNamePrefix",
        "startTime",
        "endTime",
        "filterPattern",
        "nextToken",
        "limit",
      ],
      ["interleaved", "unmask"],
    );
    const query = parseQuery(input);
    const matches = compileFilterPattern(optionalString(input, "filterPattern", { max: 1024 }));
    const token = optionalString(input, "nextToken", { min: 1 });
    let position: LogPosition | undefined = token === undefined ? undefined : decodeFilterToken(token);
    if (!(await store.getGroup(query.logGroupName))) throw logsError.groupNotFound();

    const matched: StoredLogEvent[] = [];
    let bytes = 0;
    let scanned = 0;
    let more = false;
    scan: for (;;) {
      const batch = await store.queryEvents({
        ...query,
        limit: SCAN_BATCH,
        ...(position ? { cursor: position } : {}),
      });
      for (const [i, event] of batch.entries()) {
        if (matches(event.message)) {
          const size = responseBytes(event);
          if (matched.length > 0 && bytes + size > MAX_RESPONSE_BYTES) {
            // Not examined yet as far as the token is concerned: the next page starts with it.
            more = true;
            break scan;
          }
          matched.push(event);
          bytes += size;
        }
        position = positionAfter(event);
        scanned++;
        if (matched.length >= query.limit) {
          more = i < batch.length - 1 || batch.length === SCAN_BATCH;
          break scan;
        }
      }
      if (batch.length < SCAN_BATCH) break;
      if (scanned >= SCAN_BUDGET) {
        more = true;
        break;
      }
    }

    return {
      events: matched.map((e) => ({
        logStreamName: e.logStreamName,
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime,
        eventId: eventId(e),
      })),
      searchedLogStreams: (await searchedStreams(store, query)).map((logStreamName) => ({
        logStreamName,
        searchedCompletely: !more,
      })),
      ...(more && position ? { nextToken: encodeFilterToken(position) } : {}),
    };
  };
}

/** Stable per event, unique in the store: `aws logs tail` de-duplicates by it. */
export function eventId(event: Pick<StoredLogEvent, "seq">): string {
  return String(event.seq).padStart(20, "0");
}

function parseQuery(input: Input): Omit<LogQuery, "cursor"> {
  const logGroupName = logGroupOf(input, { identifierAllowed: true });
  const names = optionalStringList(input, "logStreamNames", { min: 1, max: 100 });
  const prefix = optionalString(input, "logStreamNamePrefix", { ...LOG_STREAM_NAME, min: 1 });
  if (names !== undefined && prefix !== undefined) {
    throw logsError.invalidParameter("Cannot specify both logStreamNames and logStreamNamePrefix.");
  }
  const startTime = optionalInteger(input, "startTime", { min: 0, max: Number.MAX_SAFE_INTEGER });
  const endTime = optionalInteger(input, "endTime", { min: 0, max: Number.MAX_SAFE_INTEGER });
  const limit = optionalInteger(input, "limit", { min: 1, max: 10_000 }) ?? 10_000;
  return {
    logGroupName,
    ...(names === undefined ? {} : { logStreamNames: names }),
    ...(prefix === undefined ? {} : { logStreamNamePrefix: prefix }),
    ...(startTime === undefined ? {} : { startTime }),
    ...(endTime === undefined ? {} : { endTime }),
    limit,
    ascending: true,
  };
}

async function searchedStreams(store: LogStore, query: Omit<LogQuery, "cursor">): Promise<string[]> {
  if (query.logStreamNames) {
    const found = await Promise.all(
      query.logStreamNames.map((name) => store.getStream(query.logGroupName, name)),
    );
    return found.flatMap((s) => (s ? [s.logStreamName] : []));
  }
  const streams = await store.listStreams(query.logGroupName, {
    orderBy: "LogStreamName",
    descending: false,
    limit: MAX_SEARCHED_STREAMS,
    ...(query.logStreamNamePrefix === undefined ? {} : { prefix: query.logStreamNamePrefix }),
  });
  return streams.map((s) => s.logStreamName);
}
