import type { LogCursor, StoredLogEvent } from "../storage/log-store.js";
import { logsError } from "./errors.js";

/**
 * Paging tokens of the logs API. Every token is a pure function of a position in the store's
 * (timestamp, seq) order, so asking twice from the same place yields the same token, tokens
 * survive restarts, and new events appended later are found by an old forward token.
 */

/** A point between events: just after the event at (timestamp, seq). */
export type LogPosition = LogCursor;

/** Before every event (the API only stores timestamps >= 0). */
export const BEFORE_ALL: LogPosition = { timestamp: -1, seq: 0 };

export function positionAfter(event: Pick<StoredLogEvent, "timestamp" | "seq">): LogPosition {
  return { timestamp: event.timestamp, seq: event.seq };
}

export function positionBefore(event: Pick<StoredLogEvent, "timestamp" | "seq">): LogPosition {
  return { timestamp: event.timestamp, seq: event.seq - 1 };
}

/** The store cursor (strictly before) that reads backward from `position`, i.e. events <= it. */
export function backwardCursor(position: LogPosition): LogCursor {
  return { timestamp: position.timestamp, seq: position.seq + 1 };
}

export type Direction = "f" | "b";

const POSITION_TOKEN = /^([fbn])\/(-?\d{1,16})\/(-?\d{1,16})$/;

/** GetLogEvents' `nextForwardToken` (`f/...`) and `nextBackwardToken` (`b/...`). */
export function encodeEventToken(direction: Direction, position: LogPosition): string {
  return `${direction}/${position.timestamp}/${position.seq}`;
}

export function decodeEventToken(token: string): { direction: Direction; position: LogPosition } {
  const decoded = decodePosition(token);
  if (decoded.kind === "n") throw logsError.invalidToken();
  return { direction: decoded.kind, position: decoded.position };
}

/** FilterLogEvents' `nextToken`: continue after the last event it examined. */
export function encodeFilterToken(position: LogPosition): string {
  return `n/${position.timestamp}/${position.seq}`;
}

export function decodeFilterToken(token: string): LogPosition {
  const decoded = decodePosition(token);
  if (decoded.kind !== "n") throw logsError.invalidToken();
  return decoded.position;
}

function decodePosition(token: string): { kind: Direction | "n"; position: LogPosition } {
  const m = POSITION_TOKEN.exec(token);
  const timestamp = Number(m?.[2]);
  const seq = Number(m?.[3]);
  if (!m || !Number.isSafeInteger(timestamp) || !Number.isSafeInteger(seq)) throw logsError.invalidToken();
  return { kind: m[1] as Direction | "n", position: { timestamp, seq } };
}

/** DescribeLogGroups (`g/`) and DescribeLogStreams by name (`s/`): the last name listed. */
export function encodeNameToken(kind: "g" | "s", name: string): string {
  return `${kind}/${Buffer.from(name, "utf8").toString("base64url")}`;
}

export function decodeNameToken(kind: "g" | "s", token: string): string {
  if (!token.startsWith(`${kind}/`)) throw logsError.invalidToken();
  return decodeName(token.slice(2));
}

/** DescribeLogStreams by LastEventTime (`t/`): the last stream listed and its last event time. */
export function encodeStreamTimeToken(name: string, lastEventTimestamp: number | undefined): string {
  return `t/${lastEventTimestamp ?? "-"}/${Buffer.from(name, "utf8").toString("base64url")}`;
}

export function decodeStreamTimeToken(token: string): { name: string; lastEventTimestamp?: number } {
  const m = /^t\/(-|-?\d{1,16})\/([A-Za-z0-9_-]*)$/.exec(token);
  if (!m) throw logsError.invalidToken();
  const name = decodeName(m[2] ?? "");
  return m[1] === "-" ? { name } : { name, lastEventTimestamp: Number(m[1]) };
}

function decodeName(encoded: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw logsError.invalidToken();
  const name = Buffer.from(encoded, "base64url").toString("utf8");
  if (Buffer.from(name, "utf8").toString("base64url") !== encoded) throw logsError.invalidToken();
  return name;
}
