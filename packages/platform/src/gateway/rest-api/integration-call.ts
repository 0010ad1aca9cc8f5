import type { Clock } from "../../core/clock.js";
import { isPlatformError, type PlatformError } from "../../core/errors.js";
import type { InvokeResult, Invoker } from "../../invoke/index.js";

/**
 * Calls a function synchronously through the one invoke path, giving up after `timeoutMs`
 * (the integration timeout; the function itself runs on to its own timeout, as on AWS).
 * Invoke refusals (unknown function, throttled) come back as `{ refused }`.
 */
export type FunctionCall = (
  functionName: string,
  payload: Buffer,
  timeoutMs: number,
  requestId?: string,
) => Promise<InvokeResult | "timeout" | { refused: PlatformError }>;

/** The FunctionCall over an Invoker, timed by the injected clock. */
export function createFunctionCall(invoker: Invoker, clock: Clock): FunctionCall {
  return async (functionName, payload, timeoutMs, requestId) => {
    let cancel: (() => void) | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      cancel = clock.setTimer(timeoutMs, () => resolve("timeout"));
    });
    const invoked = invoker
      .invoke({
        functionName,
        qualifier: undefined,
        payload,
        tailLog: false,
        clientContext: undefined,
        dryRun: false,
        ...(requestId !== undefined ? { requestId } : {}),
      })
      .then(
        (result) => result,
        (error: unknown) => {
          if (isPlatformError(error)) return { refused: error };
          throw error;
        },
      );
    // When the timeout wins, a later failure of the call must not surface as unhandled.
    invoked.catch(() => undefined);
    try {
      return await Promise.race([invoked, timeout]);
    } finally {
      cancel?.();
    }
  };
}
