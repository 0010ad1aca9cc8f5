import type { JsonRpcService } from "../../aws/json-rpc.js";
import type { SqsContext, SqsOperation } from "./sqs-operations.js";

/**
 * SQS over awsJson1_0 (`X-Amz-Target: AmazonSQS.<Op>`), what current SDKs speak. The body is
 * already the neutral input; errors carry `queryCode`, sent as `x-amzn-query-error`.
 */
export function createSqsJsonApi(operations: Record<string, SqsOperation>): JsonRpcService {
  const wrapped: JsonRpcService["operations"] = {};
  for (const [name, operation] of Object.entries(operations)) {
    wrapped[name] = async (input, req) => {
      const ctx: SqsContext = { origin: req.origin, path: req.rawPath, senderId: req.caller.accessKeyId };
      return (await operation(input, ctx)) ?? {};
    };
  }
  return { targetPrefix: "AmazonSQS", jsonVersion: "1.0", operations: wrapped };
}
