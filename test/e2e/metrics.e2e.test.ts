import { InvokeCommand, PutFunctionConcurrencyCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction, invokeJson } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

let nimbus: TestNimbus;

beforeAll(async () => {
  nimbus = await startNimbus();
  await createFixtureFunction(nimbus.lambda, "m-ok", "node/hello");
  await createFixtureFunction(nimbus.lambda, "m-fail", "node/throws");
  await createFixtureFunction(nimbus.lambda, "m-off", "node/hello");
});

afterAll(async () => {
  await nimbus.stop();
});

describe("Prometheus metrics at /_nimbus/metrics", () => {
  it("counts invocations by outcome, throttles by reason, cold starts and live environments", async () => {
    await invokeJson(nimbus.lambda, "m-ok");
    await invokeJson(nimbus.lambda, "m-ok");
    await invokeJson(nimbus.lambda, "m-fail");
    await nimbus.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: "m-off", ReservedConcurrentExecutions: 0 }),
    );
    await nimbus.lambda.send(new InvokeCommand({ FunctionName: "m-off" })).catch(() => undefined);
    const res = await fetch(`${nimbus.url}/_nimbus/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('nimbus_invocations_total{function="m-ok",outcome="success"} 2');
    expect(text).toContain('nimbus_invocations_total{function="m-fail",outcome="error"} 1');
    expect(text).toContain(
      'nimbus_throttles_total{reason="ReservedFunctionConcurrentInvocationLimitExceeded"} 1',
    );
    expect(text).toMatch(/nimbus_cold_starts_total\{source="(pre-started|on-demand)"\} \d+/);
    expect(text).toMatch(/nimbus_environments\{state="idle"\} [1-9]/);
    expect(text).toContain("nimbus_invocation_duration_seconds_bucket");
  });
});
