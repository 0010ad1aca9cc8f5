import type { AwsRequest, HttpResult } from "../aws/http-types.js";
import { isPlatformError } from "../core/errors.js";
import type { AsyncEvents } from "./async-events.js";
import { asyncError } from "./errors.js";
import type { FailedEvent, FailureStore } from "./failure-store.js";

export const FAILURES_PATH = "/_nimbus/async/failures";
const MAX_LIMIT = 1000;

/**
 * The failure store's Nimbus API (docs/async-invocation.md), beyond AWS:
 * - `GET    /_nimbus/async/failures?function=&limit=&marker=` lists, oldest first
 * - `GET    /_nimbus/async/failures/{id}` shows one with its payload and deliveries
 * - `POST   /_nimbus/async/failures/{id}/redrive` queues it again as a fresh event
 * - `POST   /_nimbus/async/failures/redrive?function=` redrives all (of one function)
 * - `DELETE /_nimbus/async/failures/{id}` forgets it
 * Returns undefined for paths it does not own.
 */
export function createFailuresApi(
  failures: FailureStore,
  events: AsyncEvents,
  /** Throws when the request is not allowed (SigV4 with `--auth`); these routes change state. */
  verify: (req: AwsRequest) => void,
): (req: AwsRequest) => Promise<HttpResult | undefined> {
  const redrive = async (failure: FailedEvent): Promise<string> => {
    const requestId = await events.accept({
      functionName: failure.functionName,
      qualifier: failure.qualifier,
      payload: Buffer.from(failure.payload, "utf8"),
      redrivenFrom: failure.id,
    });
    await failures.delete(failure.id);
    return requestId;
  };

  return async (req) => {
    if (req.rawPath !== FAILURES_PATH && !req.rawPath.startsWith(`${FAILURES_PATH}/`)) return undefined;
    verify(req);
    const rest = req.rawPath.slice(FAILURES_PATH.length).split("/").filter(Boolean).map(decodeSegment);
    const functionName = req.query.get("function") ?? undefined;

    if (rest.length === 0 && req.method === "GET") {
      const limit = readLimit(req.query.get("limit"));
      const page = await failures.list({ functionName, after: req.query.get("marker") ?? undefined, limit });
      return json(200, {
        failures: page.items.map(summary),
        ...(page.nextMarker === undefined ? {} : { nextMarker: page.nextMarker }),
      });
    }
    if (rest.length === 1 && rest[0] === "redrive" && req.method === "POST") {
      const redriven: { id: string; requestId: string }[] = [];
      const skipped: { id: string; error: string }[] = [];
      let after: string | undefined;
      do {
        const page = await failures.list({ functionName, after, limit: 100 });
        for (const failure of page.items) {
          try {
            redriven.push({ id: failure.id, requestId: await redrive(failure) });
          } catch (error) {
            if (!isPlatformError(error) || error.kind === "system") throw error;
            skipped.push({ id: failure.id, error: error.message });
          }
        }
        after = page.nextMarker;
      } while (after !== undefined);
      return json(200, { redriven, skipped });
    }
    const id = rest[0];
    if (id === undefined) return undefined;
    if (rest.length === 1 && req.method === "GET") return json(200, detail(await failures.get(id)));
    if (rest.length === 1 && req.method === "DELETE") {
      await failures.delete(id);
      return { status: 204, headers: {} };
    }
    if (rest.length === 2 && rest[1] === "redrive" && req.method === "POST") {
      const requestId = await redrive(await failures.get(id));
      return json(200, { redriven: [{ id, requestId }], skipped: [] });
    }
    throw asyncError.invalidRequest(`No Nimbus async operation matches ${req.method} ${req.rawPath}.`);
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw asyncError.invalidRequest(`The path segment ${segment} is not valid percent-encoding.`);
  }
}

function readLimit(value: string | null): number {
  if (value === null) return 50;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw asyncError.invalidRequest(`limit must be an integer from 1 to ${MAX_LIMIT}.`);
  return n;
}

function summary(f: FailedEvent) {
  return {
    id: f.id,
    requestId: f.requestId,
    functionName: f.functionName,
    ...(f.qualifier === undefined ? {} : { qualifier: f.qualifier }),
    condition: f.condition,
    reason: f.reason,
    attempts: f.attempts,
    acceptedAt: new Date(f.acceptedAt).toISOString(),
    failedAt: new Date(f.failedAt).toISOString(),
    ...(f.error ? { errorType: f.error.errorType, errorMessage: f.error.errorMessage } : {}),
    ...(f.redrivenFrom === undefined ? {} : { redrivenFrom: f.redrivenFrom }),
  };
}

function detail(f: FailedEvent) {
  let payload: unknown = f.payload;
  try {
    payload = JSON.parse(f.payload);
  } catch {
    // Kept as the text it is.
  }
  return { ...summary(f), payload, error: f.error ?? null, deliveries: f.deliveries };
}

function json(status: number, value: unknown): HttpResult {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}
