import {
  CreateAliasCommand,
  InvokeAsyncCommand,
  InvokeCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nimbusApi, probeLines, waitFor } from "../support/async.js";
import { createFixtureFunction } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

const event = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("asynchronous invocation", () => {
  let nimbus: TestNimbus;

  beforeAll(async () => {
    nimbus = await startNimbus({ config: { async: { retryDelayScale: 0.001 } } });
    await createFixtureFunction(nimbus.lambda, "probe", "node/async-probe");
    await createFixtureFunction(nimbus.lambda, "failing", "node/async-probe", {
      env: { PROBE_MODE: "fail" },
    });
  });

  afterAll(async () => {
    await nimbus.stop();
  });

  it("answers Invoke Event with 202 and runs the function with the same request id", async () => {
    const out = await nimbus.lambda.send(
      new InvokeCommand({ FunctionName: "probe", InvocationType: "Event", Payload: event({ tag: "first" }) }),
    );
    expect(out.StatusCode).toBe(202);
    expect(out.Payload?.length ?? 0).toBe(0);
    const lines = await waitFor(
      () => probeLines(nimbus, "probe"),
      (l) => l.some((x) => (x.event as { tag?: string }).tag === "first"),
    );
    const ran = lines.find((x) => (x.event as { tag?: string }).tag === "first");
    expect(ran?.requestId).toBe(out.$metadata.requestId);
  });

  it("answers InvokeAsync with Status 202 and runs the function", async () => {
    const out = await nimbus.lambda.send(
      new InvokeAsyncCommand({ FunctionName: "probe", InvokeArgs: event({ tag: "legacy" }) }),
    );
    expect(out.Status).toBe(202);
    await waitFor(
      () => probeLines(nimbus, "probe"),
      (l) => l.some((x) => (x.event as { tag?: string }).tag === "legacy"),
    );
  });

  it("refuses an event over 1 MB with RequestTooLargeException and an unknown function with ResourceNotFoundException", async () => {
    const big = Buffer.from(JSON.stringify({ pad: "x".repeat(1_048_576) }));
    await expect(
      nimbus.lambda.send(new InvokeCommand({ FunctionName: "probe", InvocationType: "Event", Payload: big })),
    ).rejects.toMatchObject({
      name: "RequestTooLargeException",
      message: "Request must be smaller than 1048576 bytes for the InvokeFunction operation",
    });
    await expect(
      nimbus.lambda.send(
        new InvokeAsyncCommand({ FunctionName: "probe", InvokeArgs: event({ pad: "x".repeat(262_144) }) }),
      ),
    ).rejects.toMatchObject({
      name: "RequestTooLargeException",
      message: "Request must be smaller than 262144 bytes for the InvokeAsync operation",
    });
    await expect(
      nimbus.lambda.send(
        new InvokeCommand({ FunctionName: "nope", InvocationType: "Event", Payload: event({}) }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(
      nimbus.lambda.send(
        new InvokeCommand({
          FunctionName: "probe",
          InvocationType: "Event",
          Payload: Buffer.from("{not json"),
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidRequestContentException" });
  });

  it("retries a failing function twice with the same request id, then records the failure", async () => {
    const out = await nimbus.lambda.send(
      new InvokeCommand({
        FunctionName: "failing",
        InvocationType: "Event",
        Payload: event({ tag: "doomed" }),
      }),
    );
    const requestId = out.$metadata.requestId;
    const failure = await waitFor(
      () => nimbusApi(nimbus.url, "GET", "/_nimbus/async/failures?function=failing"),
      (r) => ((r.body as { failures: unknown[] }).failures ?? []).length > 0,
    );
    // The failure can be stored before the last attempt's log line is flushed (every 50 ms).
    const attempts = await waitFor(
      async () => (await probeLines(nimbus, "failing")).filter((l) => l.requestId === requestId),
      (lines) => lines.length >= 3,
    );
    expect(attempts).toHaveLength(3);
    expect((failure.body as { failures: unknown[] }).failures[0]).toMatchObject({
      requestId,
      functionName: "failing",
      condition: "RetriesExhausted",
      attempts: 3,
      errorType: "Error",
      errorMessage: "probe failed: doomed",
    });
  });

  it("makes one attempt only with MaximumRetryAttempts 0", async () => {
    await createFixtureFunction(nimbus.lambda, "once", "node/async-probe", { env: { PROBE_MODE: "fail" } });
    await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: "once", MaximumRetryAttempts: 0 }),
    );
    const out = await nimbus.lambda.send(
      new InvokeCommand({ FunctionName: "once", InvocationType: "Event", Payload: event({ tag: "one" }) }),
    );
    const listed = await waitFor(
      () => nimbusApi(nimbus.url, "GET", "/_nimbus/async/failures?function=once"),
      (r) => ((r.body as { failures: unknown[] }).failures ?? []).length > 0,
    );
    expect((listed.body as { failures: unknown[] }).failures[0]).toMatchObject({
      requestId: out.$metadata.requestId,
      attempts: 1,
    });
    const lines = await waitFor(
      () => probeLines(nimbus, "once"),
      (l) => l.length >= 1,
    );
    expect(lines).toHaveLength(1);
  });

  it("applies the settings of the qualifier the event was invoked with", async () => {
    await createFixtureFunction(nimbus.lambda, "aliased", "node/async-probe", {
      env: { PROBE_MODE: "fail" },
    });
    await nimbus.lambda.send(new PublishVersionCommand({ FunctionName: "aliased" }));
    await nimbus.lambda.send(
      new CreateAliasCommand({ FunctionName: "aliased", Name: "live", FunctionVersion: "1" }),
    );
    await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "aliased",
        Qualifier: "live",
        MaximumRetryAttempts: 0,
      }),
    );
    const out = await nimbus.lambda.send(
      new InvokeCommand({
        FunctionName: "aliased",
        Qualifier: "live",
        InvocationType: "Event",
        Payload: event({ tag: "via-alias" }),
      }),
    );
    const listed = await waitFor(
      () => nimbusApi(nimbus.url, "GET", "/_nimbus/async/failures?function=aliased"),
      (r) => ((r.body as { failures: unknown[] }).failures ?? []).length > 0,
    );
    expect((listed.body as { failures: unknown[] }).failures[0]).toMatchObject({
      requestId: out.$metadata.requestId,
      qualifier: "live",
      attempts: 1,
    });
  });

  it("sends events of a function with reserved concurrency 0 to failure handling without an attempt", async () => {
    await createFixtureFunction(nimbus.lambda, "disabled", "node/async-probe");
    await nimbus.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: "disabled", ReservedConcurrentExecutions: 0 }),
    );
    await nimbus.lambda.send(
      new InvokeCommand({
        FunctionName: "disabled",
        InvocationType: "Event",
        Payload: event({ tag: "never" }),
      }),
    );
    const listed = await waitFor(
      () => nimbusApi(nimbus.url, "GET", "/_nimbus/async/failures?function=disabled"),
      (r) => ((r.body as { failures: unknown[] }).failures ?? []).length > 0,
    );
    expect((listed.body as { failures: unknown[] }).failures[0]).toMatchObject({
      attempts: 0,
      errorType: "TooManyRequestsException",
    });
    expect(await probeLines(nimbus, "disabled")).toHaveLength(0);
  });

  it("keeps throttled events queued until the function has room, and runs them all", async () => {
    await createFixtureFunction(nimbus.lambda, "narrow", "node/async-probe");
    await nimbus.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: "narrow", ReservedConcurrentExecutions: 1 }),
    );
    const tags = ["t1", "t2", "t3", "t4"];
    for (const tag of tags) {
      await nimbus.lambda.send(
        new InvokeCommand({
          FunctionName: "narrow",
          InvocationType: "Event",
          Payload: event({ tag, sleepMs: 700 }),
        }),
      );
    }
    const lines = await waitFor(
      () => probeLines(nimbus, "narrow"),
      (l) => l.length >= tags.length,
      60_000,
    );
    expect(lines.map((l) => (l.event as { tag: string }).tag).sort()).toEqual(tags);
    const health = (await nimbusApi(nimbus.url, "GET", "/_nimbus/health")).body as {
      async: { throttled: number };
    };
    expect(health.async.throttled).toBeGreaterThan(0);
    const metrics = await (await fetch(`${nimbus.url}/_nimbus/metrics`)).text();
    expect(metrics).toMatch(/nimbus_async_events_total\{stage="throttled"\} [1-9]/);
    expect(metrics).toContain("# TYPE nimbus_async_failures_total counter");
    expect(metrics).toContain('nimbus_async_queue_messages{state="visible"}');
    expect(metrics).toContain("nimbus_async_oldest_event_age_seconds");
  });
});
