import type { JsonRpcService } from "../aws/json-rpc.js";
import type { LogStore } from "../storage/log-store.js";
import { filterLogEventsOperation } from "./filter-log-events.js";
import { logEventOperations } from "./log-event-ops.js";
import { logResourceOperations } from "./log-resource-ops.js";

/**
 * The CloudWatch Logs API subset Nimbus serves (awsJson1_1, `X-Amz-Target: Logs_20140328.<Op>`):
 * log groups and streams, PutLogEvents, GetLogEvents and FilterLogEvents. Enough for the AWS
 * SDKs, `aws logs get-log-events` / `filter-log-events` and `aws logs tail --follow`.
 * `clock` decides which PutLogEvents events are too old (> 14 days) or too new (> 2 hours ahead).
 */
export function createLogsApi(store: LogStore, clock: { now(): number }): JsonRpcService {
  return {
    targetPrefix: "Logs_20140328",
    jsonVersion: "1.1",
    operations: {
      ...logResourceOperations(store),
      ...logEventOperations(store, clock),
      FilterLogEvents: filterLogEventsOperation(store),
    },
  };
}
