import { type CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";

/** The ASYNC-PROBE lines the `node/async-probe` fixture logged for `fn`: one per attempt. */
export async function probeLines(
  nimbus: { logs: CloudWatchLogsClient },
  fn: string,
): Promise<{ requestId: string; event: unknown }[]> {
  const lines: { requestId: string; event: unknown }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await nimbus.logs
      .send(
        new FilterLogEventsCommand({
          logGroupName: `/aws/lambda/${fn}`,
          filterPattern: '"ASYNC-PROBE"',
          ...(nextToken ? { nextToken } : {}),
        }),
      )
      .catch((error: { name?: string }) => {
        // The group appears with the function's first log line.
        if (error.name === "ResourceNotFoundException") return { events: [], nextToken: undefined };
        throw error;
      });
    for (const e of page.events ?? []) {
      const match = /ASYNC-PROBE (\S+) (.*)$/.exec((e.message ?? "").trim());
      if (match?.[1] && match[2]) lines.push({ requestId: match[1], event: JSON.parse(match[2]) });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return lines;
}

/**
 * Polls `probe` until it returns a value `done` accepts (events run in the background). Fails
 * after `timeoutMs` with the last value seen; it never asserts how long anything took.
 */
export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls `probe` until it answers something other than undefined (`waitFor` for optional values). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const value = await waitFor(probe, (v) => v !== undefined, timeoutMs).catch((error: Error) => {
    throw new Error(`timed out waiting for ${what} (${error.message})`);
  });
  return value as T;
}

/** Calls the failure store's Nimbus API and decodes the JSON answer. */
export async function nimbusApi(
  url: string,
  method: string,
  path: string,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}${path}`, { method });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
