import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { InvokeResult, Invoker } from "../../invoke/index.js";
import type { EventAuthorizer } from "../function-url/event-v2.js";
import { mapFunctionResult } from "../function-url/response-v2.js";
import { mapProxyResultV1 } from "../payload-v1/response-v1.js";
import { functionTarget } from "./lambda-arn.js";
import type { IntegrationRecord } from "./model.js";
import { eventV1, eventV2, type RequestView } from "./request-view.js";

/** An answer of the data plane before the front door writes it (array values: one line each). */
export interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** Why the integration failed, for the server log and `$context.integrationErrorMessage`. */
  problem?: string;
  /** `$context.integrationStatus` / `integrationLatency` when an integration ran. */
  integrationStatus?: number;
  integrationLatencyMs?: number;
}

/** An authorizer's output for each payload version's `requestContext.authorizer`. */
export interface EventAuthorizers {
  v2: EventAuthorizer;
  v1: Record<string, unknown>;
}

/** `{"message": ...}`, the body of every answer API Gateway makes itself. */
export function messageAnswer(status: number, message: string, problem?: string): Answer {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify({ message })),
    ...(problem !== undefined ? { problem } : {}),
  };
}

export interface IntegrateDeps {
  invoker: Invoker;
  clock: Clock;
  logger: Logger;
  /** Largest event sent to a function (the synchronous invoke payload limit). */
  maxPayloadBytes: number;
}

/** The outcome of racing a promise against the integration timeout. */
type Raced<T> = { value: T } | { timedOut: true };

function withTimeout<T>(clock: Clock, ms: number, run: Promise<T>): Promise<Raced<T>> {
  return new Promise((resolve, reject) => {
    const cancel = clock.setTimer(ms, () => resolve({ timedOut: true }));
    run.then(
      (value) => {
        cancel();
        resolve({ value });
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}

/**
 * Runs an AWS_PROXY integration: the event of its payload version, one synchronous invoke
 * through the Invoker, the answer mapped by that version's response rules. Past the integration
 * timeout the client gets 504 (the invocation itself runs on to its own timeout, as on AWS); a
 * function error or unusable answer 502; an invoke Lambda refuses (throttle, missing function) 500.
 */
export async function integrateLambda(
  deps: IntegrateDeps,
  integration: IntegrationRecord,
  view: RequestView,
  authorizer: EventAuthorizers | undefined,
): Promise<Answer> {
  const target = functionTarget(integration.integrationUri);
  if (!target) return messageAnswer(500, "Internal Server Error", "the integration names no function");
  const event =
    integration.payloadFormatVersion === "2.0"
      ? eventV2(view, authorizer?.v2)
      : eventV1(view, authorizer?.v1);
  const payload = Buffer.from(JSON.stringify(event));
  if (payload.length > deps.maxPayloadBytes)
    return messageAnswer(413, "Request Entity Too Large", "the event is over the payload limit");
  const started = deps.clock.monotonic();
  const invocation = deps.invoker.invoke({
    functionName: target.functionArn,
    qualifier: target.qualifier,
    payload,
    tailLog: false,
    clientContext: undefined,
    dryRun: false,
    requestId: view.req.requestId,
  });
  let raced: Raced<InvokeResult>;
  try {
    raced = await withTimeout(deps.clock, integration.timeoutInMillis, invocation);
  } catch (error) {
    if (!isPlatformError(error)) throw error;
    if (error.kind === "system")
      deps.logger.error({ err: error, apiId: view.apiId }, "HTTP API invocation failed");
    return messageAnswer(
      500,
      "Internal Server Error",
      `the invoke was refused: ${error.awsName ?? error.code}`,
    );
  }
  const latency = Math.round(deps.clock.monotonic() - started);
  if ("timedOut" in raced) {
    invocation.catch(() => undefined);
    return {
      ...messageAnswer(
        504,
        "Service Unavailable",
        `the integration timed out after ${integration.timeoutInMillis} ms`,
      ),
      integrationLatencyMs: latency,
    };
  }
  const result = raced.value;
  // Lambda itself answered: its status is 200 whether or not the function failed.
  const integrationStatus = 200;
  if (integration.payloadFormatVersion === "1.0") {
    const mapped = mapProxyResultV1(result, {
      binary: "always",
      internalErrorMessage: "Internal Server Error",
    });
    return {
      status: mapped.response.status,
      headers: lowerCased(mapped.response.headers),
      body: mapped.response.body,
      ...(mapped.problem !== undefined ? { problem: mapped.problem } : {}),
      integrationStatus,
      integrationLatencyMs: latency,
    };
  }
  const mapped = mapFunctionResult(result);
  if (mapped.problem !== undefined) {
    return {
      ...messageAnswer(502, "Internal Server Error", mapped.problem),
      integrationStatus,
      integrationLatencyMs: latency,
    };
  }
  const headers: Record<string, string | string[]> = { ...mapped.response.headers };
  if (mapped.response.cookies.length > 0) headers["set-cookie"] = mapped.response.cookies;
  return {
    status: mapped.response.status,
    headers,
    body: mapped.response.body,
    integrationStatus,
    integrationLatencyMs: latency,
  };
}

/** Header names as HTTP/1.1 carries them (case-insensitive): lower-cased, values of a name merged. */
function lowerCased(headers: Record<string, string[]>): Record<string, string | string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    const key = name.toLowerCase();
    out[key] = [...(out[key] ?? []), ...values];
  }
  const flat: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(out)) {
    flat[name] = name === "set-cookie" || values.length > 1 ? values : (values[0] ?? "");
  }
  return flat;
}
