import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import {
  InvokeCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { startServer } from "../../packages/platform/src/index.js";
import { nimbusApi, probeLines, waitFor } from "../support/async.js";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { OffsetClock } from "../support/offset-clock.js";

const event = (value: unknown) => Buffer.from(JSON.stringify(value));
const tagOf = (line: { event: unknown }) => (line.event as { tag?: string }).tag;

describe("async events across a restart", () => {
  let nimbus: TestNimbus | undefined;

  afterEach(async () => {
    await nimbus?.stop();
    nimbus = undefined;
  });

  it("runs the events accepted before a graceful stop after the next start, with their request ids", async () => {
    const first = await startNimbus();
    await createFixtureFunction(first.lambda, "later", "node/async-probe");
    await first.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: "later", ReservedConcurrentExecutions: 1 }),
    );
    // A synchronous call holds the function's only slot, so the events are throttled and wait.
    // Its own client: stop() destroys the harness's clients while this call still runs.
    const blockerClient = new LambdaClient(clientConfig(first.url));
    const blocker = blockerClient.send(
      new InvokeCommand({ FunctionName: "later", Payload: event({ tag: "blocker", sleepMs: 1500 }) }),
    );
    await waitFor(
      () => probeLines(first, "later"),
      (l) => l.some((x) => tagOf(x) === "blocker"),
    );
    const accepted: Record<string, string> = {};
    for (const tag of ["e1", "e2", "e3"]) {
      const out = await first.lambda.send(
        new InvokeCommand({ FunctionName: "later", InvocationType: "Event", Payload: event({ tag }) }),
      );
      accepted[tag] = out.$metadata.requestId ?? "";
    }
    const stopping = first.stop(false);
    await blocker.finally(() => blockerClient.destroy());
    await stopping;

    nimbus = await startNimbus({ dataDir: first.dataDir });
    const lines = await waitFor(
      () => probeLines(nimbus as TestNimbus, "later"),
      (l) => ["e1", "e2", "e3"].every((tag) => l.some((x) => tagOf(x) === tag)),
    );
    for (const [tag, requestId] of Object.entries(accepted)) {
      expect(lines.filter((x) => tagOf(x) === tag).map((x) => x.requestId)).toContain(requestId);
    }
  });

  it("gives up an event whose retry comes after MaximumEventAgeInSeconds (EventAgeExceeded)", async () => {
    const clock = new OffsetClock();
    const dataDir = await mkdtemp(join(tmpdir(), "nimbus-async-age-"));
    const server = await startServer({
      clock,
      config: { server: { host: "127.0.0.1", port: 0, dataDir }, log: { level: "silent" } },
    });
    const lambda = new LambdaClient(clientConfig(server.url));
    const logs = new CloudWatchLogsClient(clientConfig(server.url));
    try {
      await createFixtureFunction(lambda, "aging", "node/async-probe", { env: { PROBE_MODE: "fail" } });
      await createFixtureFunction(lambda, "poke", "node/async-probe");
      await lambda.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: "aging", MaximumEventAgeInSeconds: 60 }),
      );
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: "aging", InvocationType: "Event", Payload: event({ tag: "old" }) }),
      );
      // The first attempt fails; its retry is due about a minute later (retryDelayScale 1).
      await waitFor(
        () => probeLines({ logs }, "aging"),
        (l) => l.length === 1,
      );
      clock.advance(61_000);
      // Another event wakes the dispatcher too, should the retry's timer not be armed yet.
      await lambda.send(
        new InvokeCommand({ FunctionName: "poke", InvocationType: "Event", Payload: event({}) }),
      );
      const listed = await waitFor(
        () => nimbusApi(server.url, "GET", "/_nimbus/async/failures?function=aging"),
        (r) => (r.body as { failures: unknown[] }).failures.length > 0,
      );
      expect((listed.body as { failures: unknown[] }).failures[0]).toMatchObject({
        requestId: out.$metadata.requestId,
        condition: "EventAgeExceeded",
        attempts: 1,
        errorMessage: "probe failed: old",
      });
      expect(await probeLines({ logs }, "aging")).toHaveLength(1);
    } finally {
      lambda.destroy();
      logs.destroy();
      await server.close({ graceMs: 2000 });
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
