import type { JsonOperation } from "../aws/json-rpc.js";
import { isPlatformError } from "../core/errors.js";
import { STORAGE_ERRORS } from "../storage/errors.js";
import type { LogStore, LogStreamInfo } from "../storage/log-store.js";
import { logsError } from "./errors.js";
import {
  decodeNameToken,
  decodeStreamTimeToken,
  encodeNameToken,
  encodeStreamTimeToken,
} from "./log-tokens.js";
import {
  checkMembers,
  LOG_GROUP_NAME,
  LOG_STREAM_NAME,
  logGroupArn,
  logGroupOf,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requiredString,
} from "./logs-input.js";

/** CreateLogGroup, DeleteLogGroup, DescribeLogGroups and the same for log streams. */
export function logResourceOperations(store: LogStore): Record<string, JsonOperation> {
  return {
    async CreateLogGroup(input) {
      checkMembers("CreateLogGroup", input, ["logGroupName", "logGroupClass"]);
      const name = requiredString(input, "logGroupName", LOG_GROUP_NAME);
      const logGroupClass = optionalString(input, "logGroupClass");
      if (logGroupClass !== undefined && logGroupClass !== "STANDARD") {
        throw logsError.invalidParameter(
          `Nimbus supports only the STANDARD log group class, not ${logGroupClass}.`,
        );
      }
      if (!(await store.ensureGroup(name))) throw logsError.groupExists();
      return {};
    },

    async DeleteLogGroup(input) {
      checkMembers("DeleteLogGroup", input, ["logGroupName"]);
      const name = requiredString(input, "logGroupName", LOG_GROUP_NAME);
      if (!(await store.deleteGroup(name))) throw logsError.groupNotFound();
      return {};
    },

    async DescribeLogGroups(input, req) {
      checkMembers("DescribeLogGroups", input, ["logGroupNamePrefix", "limit", "nextToken", "logGroupClass"]);
      const prefix = optionalString(input, "logGroupNamePrefix", { ...LOG_GROUP_NAME, min: 1 });
      const limit = optionalInteger(input, "limit", { min: 1, max: 50 }) ?? 50;
      const token = optionalString(input, "nextToken", { min: 1 });
      const logGroupClass = optionalString(input, "logGroupClass");
      if (logGroupClass !== undefined && logGroupClass !== "STANDARD") return { logGroups: [] };
      const groups = await store.listGroups({
        limit: limit + 1,
        ...(prefix === undefined ? {} : { prefix }),
        ...(token === undefined ? {} : { after: decodeNameToken("g", token) }),
      });
      const page = groups.slice(0, limit);
      const last = page[page.length - 1];
      return {
        logGroups: page.map((group) => {
          const arn = logGroupArn(req.caller, group.logGroupName);
          return {
            logGroupName: group.logGroupName,
            creationTime: group.creationTime,
            ...(group.retentionInDays === undefined ? {} : { retentionInDays: group.retentionInDays }),
            metricFilterCount: 0,
            arn: `${arn}:*`,
            storedBytes: group.storedBytes,
            logGroupClass: "STANDARD",
            logGroupArn: arn,
          };
        }),
        ...(groups.length > limit && last ? { nextToken: encodeNameToken("g", last.logGroupName) } : {}),
      };
    },

    async CreateLogStream(input) {
      checkMembers("CreateLogStream", input, ["logGroupName", "logStreamName"]);
      const group = requiredString(input, "logGroupName", LOG_GROUP_NAME);
      const stream = requiredString(input, "logStreamName", LOG_STREAM_NAME);
      let created: boolean;
      try {
        created = await store.ensureStream(group, stream);
      } catch (error) {
        if (isPlatformError(error) && error.code === STORAGE_ERRORS.notFound) throw logsError.groupNotFound();
        throw error;
      }
      if (!created) throw logsError.streamExists();
      return {};
    },

    async DeleteLogStream(input) {
      checkMembers("DeleteLogStream", input, ["logGroupName", "logStreamName"]);
      const group = requiredString(input, "logGroupName", LOG_GROUP_NAME);
      const stream = requiredString(input, "logStreamName", LOG_STREAM_NAME);
      if (!(await store.getGroup(group))) throw logsError.groupNotFound();
      if (!(await store.deleteStream(group, stream))) throw logsError.streamNotFound();
      return {};
    },

    async DescribeLogStreams(input, req) {
      checkMembers("DescribeLogStreams", input, [
        "logGroupName",
        "logGroupIdentifier",
        "logStreamNamePrefix",
        "orderBy",
        "descending",
        "limit",
        "nextToken",
      ]);
      const group = logGroupOf(input, { identifierAllowed: true });
      const prefix = optionalString(input, "logStreamNamePrefix", { ...LOG_STREAM_NAME, min: 1 });
      const orderBy = optionalString(input, "orderBy") ?? "LogStreamName";
      if (orderBy !== "LogStreamName" && orderBy !== "LastEventTime") {
        throw logsError.invalidParameter(
          `1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`,
        );
      }
      if (orderBy === "LastEventTime" && prefix !== undefined) {
        throw logsError.invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
      }
      const descending = optionalBoolean(input, "descending") ?? false;
      const limit = optionalInteger(input, "limit", { min: 1, max: 50 }) ?? 50;
      const token = optionalString(input, "nextToken", { min: 1 });
      if (!(await store.getGroup(group))) throw logsError.groupNotFound();
      let after: { after: string; afterLastEventTime?: number } | undefined;
      if (token !== undefined && orderBy === "LogStreamName") after = { after: decodeNameToken("s", token) };
      if (token !== undefined && orderBy === "LastEventTime") {
        const decoded = decodeStreamTimeToken(token);
        after = { after: decoded.name };
        if (decoded.lastEventTimestamp !== undefined) after.afterLastEventTime = decoded.lastEventTimestamp;
      }
      const streams = await store.listStreams(group, {
        orderBy,
        descending,
        limit: limit + 1,
        ...(prefix === undefined ? {} : { prefix }),
        ...after,
      });
      const page = streams.slice(0, limit);
      const last = page[page.length - 1];
      const nextToken =
        streams.length > limit && last
          ? orderBy === "LogStreamName"
            ? encodeNameToken("s", last.logStreamName)
            : encodeStreamTimeToken(last.logStreamName, last.lastEventTimestamp)
          : undefined;
      const groupArn = logGroupArn(req.caller, group);
      return {
        logStreams: page.map((stream) =>
          streamShape(stream, `${groupArn}:log-stream:${stream.logStreamName}`),
        ),
        ...(nextToken === undefined ? {} : { nextToken }),
      };
    },
  };
}

function streamShape(stream: LogStreamInfo, arn: string): Record<string, unknown> {
  return {
    logStreamName: stream.logStreamName,
    creationTime: stream.creationTime,
    ...(stream.firstEventTimestamp === undefined ? {} : { firstEventTimestamp: stream.firstEventTimestamp }),
    ...(stream.lastEventTimestamp === undefined ? {} : { lastEventTimestamp: stream.lastEventTimestamp }),
    ...(stream.lastIngestionTime === undefined ? {} : { lastIngestionTime: stream.lastIngestionTime }),
    arn,
    storedBytes: stream.storedBytes,
  };
}
