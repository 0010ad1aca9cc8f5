/**
 * CloudWatch-Logs-like storage: groups, streams, and events ordered by time within a stream.
 */
export interface LogEventInput {
  timestamp: number;
  message: string;
}

export interface StoredLogEvent extends LogEventInput {
  /** Insertion order, unique within the store; used as a stable cursor. */
  seq: number;
  ingestionTime: number;
  logStreamName: string;
}

/** The events of one stream in a `putEventsMany` call. */
export interface LogEventBatch {
  logGroupName: string;
  logStreamName: string;
  events: LogEventInput[];
}

export interface LogGroupInfo {
  logGroupName: string;
  creationTime: number;
  storedBytes: number;
  retentionInDays?: number;
}

export interface LogStreamInfo {
  logStreamName: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  /** UTF-8 bytes of the stored messages. */
  storedBytes: number;
}

/** A position in a log's (timestamp, seq) order, the order every event query uses. */
export interface LogCursor {
  timestamp: number;
  seq: number;
}

export interface LogQuery {
  logGroupName: string;
  /** Restrict to these streams (any when absent). */
  logStreamNames?: string[];
  logStreamNamePrefix?: string;
  /** Only events with timestamp >= startTime. */
  startTime?: number;
  /** Only events with timestamp <= endTime (inclusive; GetLogEvents' exclusive end is mapped by the API). */
  endTime?: number;
  /** Only events strictly after (ascending) or strictly before (descending) this position. */
  cursor?: LogCursor;
  limit: number;
  /** Newest first when false (GetLogEvents' default with no token reads the newest page). */
  ascending: boolean;
}

export interface ListStreamsOptions {
  prefix?: string;
  /** Name of the last stream of the previous page. */
  after?: string;
  /**
   * With `orderBy: "LastEventTime"` and `after`: that stream's lastEventTimestamp as the previous
   * page saw it (absent when it had no events), so pages stay stable while events arrive.
   */
  afterLastEventTime?: number;
  limit: number;
  orderBy: "LogStreamName" | "LastEventTime";
  descending: boolean;
}

/**
 * Events are ordered by (timestamp, seq) in every query. `putEvents` and `ensureStream` reject
 * with code ERR_STORAGE_NOT_FOUND when the stream (or group) does not exist.
 */
export interface LogStore {
  /** Creates the group when missing; true when this call created it. */
  ensureGroup(logGroupName: string): Promise<boolean>;
  /** Creates the stream when missing; true when this call created it. */
  ensureStream(logGroupName: string, logStreamName: string): Promise<boolean>;
  deleteGroup(logGroupName: string): Promise<boolean>;
  deleteStream(logGroupName: string, logStreamName: string): Promise<boolean>;
  putEvents(logGroupName: string, logStreamName: string, events: LogEventInput[]): Promise<void>;
  /**
   * `putEvents` for several streams at once, all or nothing (one commit for a whole log flush):
   * rejects with ERR_STORAGE_NOT_FOUND, writing nothing, when any stream is missing.
   */
  putEventsMany(batches: LogEventBatch[]): Promise<void>;
  listGroups(options: { prefix?: string; after?: string; limit: number }): Promise<LogGroupInfo[]>;
  getGroup(logGroupName: string): Promise<LogGroupInfo | undefined>;
  listStreams(logGroupName: string, options: ListStreamsOptions): Promise<LogStreamInfo[]>;
  getStream(logGroupName: string, logStreamName: string): Promise<LogStreamInfo | undefined>;
  /** Events matching the query, in the requested order. */
  queryEvents(query: LogQuery): Promise<StoredLogEvent[]>;
  close(): Promise<void>;
}
