import {
  CreateFunctionCommand,
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBarrier } from "../support/barrier.js";
import { createFixtureFunction, invokeJson } from "../support/functions.js";
import { ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipFiles } from "../support/zip.js";

let nimbus: TestNimbus;

beforeAll(async () => {
  nimbus = await startNimbus();
});

afterAll(async () => {
  await nimbus.stop();
});

describe("Node.js functions through Invoke", () => {
  it.each([
    ["cjs", "node/cjs", "index.handler"],
    ["cjs-ext", "node/cjs-ext", "index.handler"],
    ["esm-mjs", "node/esm-mjs", "index.handler"],
    ["esm-type-module", "node/esm-type-module", "index.handler"],
    ["nested", "node/nested", "src/handlers/app.handler"],
    ["top-level-await", "node/top-level-await", "index.handler"],
    ["async-await", "node/async-await", "index.handler"],
  ])("runs a %s handler and returns its result", async (name, fixture, handler) => {
    await createFixtureFunction(nimbus.lambda, `node-${name}`, fixture, { handler });
    const { out, json } = await invokeJson(nimbus.lambda, `node-${name}`, { hello: "world" });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe("$LATEST");
    expect(json).toBeDefined();
  });

  it("passes the full context object and the client context", async () => {
    await createFixtureFunction(nimbus.lambda, "node-context", "node/context", { memory: 256 });
    const clientContext = Buffer.from(
      JSON.stringify({ custom: { k: "v" }, env: { platform: "test" } }),
    ).toString("base64");
    const { json } = await invokeJson(nimbus.lambda, "node-context", { a: 1 }, { clientContext });
    const body = json as { event: unknown; context: Record<string, unknown> };
    expect(body.event).toEqual({ a: 1 });
    expect(body.context.functionName).toBe("node-context");
    expect(body.context.functionVersion).toBe("$LATEST");
    expect(body.context.invokedFunctionArn).toBe(
      "arn:aws:lambda:us-east-1:000000000000:function:node-context",
    );
    expect(body.context.memoryLimitInMB).toBe("256");
    expect(body.context.logGroupName).toBe("/aws/lambda/node-context");
    expect(body.context.logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(body.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.context.remainingTimeInMillis).toBeGreaterThan(5000);
    expect(body.context.clientContext).toMatchObject({ custom: { k: "v" } });
  });

  it("answers callback handlers after the event loop drains unless told not to wait", async () => {
    await createFixtureFunction(nimbus.lambda, "node-callback", "node/callback");
    const waited = await invokeJson(nimbus.lambda, "node-callback", { timerMs: 50 });
    expect(waited.json).toEqual({ waited: true });
    expect(waited.log).toContain("pending timer fired");
    const early = await invokeJson(nimbus.lambda, "node-callback", { dontWait: true, timerMs: 200 });
    expect(early.json).toEqual({ waited: false });
  });

  it("returns null for a handler that never calls back", async () => {
    await createFixtureFunction(nimbus.lambda, "node-no-callback", "node/no-callback");
    const { json, out } = await invokeJson(nimbus.lambda, "node-no-callback");
    expect(out.FunctionError).toBeUndefined();
    expect(json).toBeNull();
  });

  it("reports a thrown error as Unhandled with errorType, errorMessage and trace", async () => {
    await createFixtureFunction(nimbus.lambda, "node-throws", "node/throws");
    const { out, json } = await invokeJson(nimbus.lambda, "node-throws");
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe("Unhandled");
    const error = json as { errorType: string; errorMessage: string; trace: string[] };
    expect(typeof error.errorType).toBe("string");
    expect(typeof error.errorMessage).toBe("string");
    expect(Array.isArray(error.trace)).toBe(true);
  });

  it.each([
    ["node/syntax-error", "Runtime.UserCodeSyntaxError"],
    ["node/missing-export", "Runtime.HandlerNotFound"],
    ["node/missing-dependency", "Runtime.ImportModuleError"],
  ])("fails %s with %s", async (fixture, errorType) => {
    const name = fixture.replace("/", "-");
    await createFixtureFunction(nimbus.lambda, name, fixture);
    const { out, json } = await invokeJson(nimbus.lambda, name);
    expect(out.FunctionError).toBe("Unhandled");
    expect((json as { errorType: string }).errorType).toBe(errorType);
  });

  it("fails with Runtime.ImportModuleError when the handler file does not exist", async () => {
    await createFixtureFunction(nimbus.lambda, "node-no-file", "node/hello", { handler: "nothere.handler" });
    const { json } = await invokeJson(nimbus.lambda, "node-no-file");
    expect((json as { errorType: string }).errorType).toBe("Runtime.ImportModuleError");
  });

  it("keeps module state and /tmp in a warm environment and starts fresh after a configuration change", async () => {
    await createFixtureFunction(nimbus.lambda, "node-counter", "node/counter");
    const first = await invokeJson(nimbus.lambda, "node-counter");
    const second = await invokeJson(nimbus.lambda, "node-counter");
    expect(first.json).toEqual({ count: 1, fileCount: 1 });
    expect(second.json).toEqual({ count: 2, fileCount: 2 });
    expect(first.log).toMatch(/Init Duration: \d+\.\d\d ms/);
    expect(second.log).not.toContain("Init Duration");
    await nimbus.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "node-counter", Description: "changed" }),
    );
    const third = await invokeJson(nimbus.lambda, "node-counter");
    expect(third.json).toEqual({ count: 1, fileCount: 1 });
  });

  it("runs concurrent invocations in separate environments", async () => {
    const zip = await zipFiles({
      "index.js":
        "exports.handler = async (e, ctx) => { await (await fetch(e.barrier)).text(); return ctx.logStreamName; };",
    });
    await nimbus.lambda.send(
      new CreateFunctionCommand({
        FunctionName: "node-parallel",
        Runtime: "nodejs20.x",
        Handler: "index.handler",
        Role: ROLE,
        Timeout: 30,
        Code: { ZipFile: zip },
      }),
    );
    const barrier = await startBarrier(3);
    const results = await Promise.all(
      [1, 2, 3].map(() => invokeJson(nimbus.lambda, "node-parallel", { barrier: barrier.url })),
    ).finally(barrier.close);
    for (const r of results) expect(r.out.FunctionError).toBeUndefined();
    // All three were inside the barrier at once, so each had its own (cold) environment.
    expect(new Set(results.map((r) => r.json)).size).toBe(3);
    expect(results.every((r) => r.log.includes("Init Duration"))).toBe(true);
  });

  it("writes START, function output, END and REPORT lines to the log tail", async () => {
    await createFixtureFunction(nimbus.lambda, "node-logging", "node/logging");
    const { log, out } = await invokeJson(nimbus.lambda, "node-logging");
    const requestId = out.$metadata.requestId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const lines = log.trimEnd().split("\n");
    // As on AWS, the response's x-amzn-RequestId is the invocation's request id.
    expect(lines[0]).toBe(`START RequestId: ${requestId} Version: $LATEST`);
    expect(lines[0]).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/);
    expect(log).toMatch(/\tINFO\tlog text 42/);
    expect(log).toMatch(/\tWARN\twarn/);
    expect(log).toMatch(/\tERROR\terror/);
    expect(log).toContain("raw stdout");
    expect(log).toMatch(/END RequestId: [0-9a-f-]{36}/);
    expect(lines.at(-1)).toMatch(
      /^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\t/,
    );
  });

  it("times out with Sandbox.Timedout and the Lambda message, then serves the next invoke", async () => {
    await createFixtureFunction(nimbus.lambda, "node-timeout", "node/sleep", { timeout: 1 });
    const { out, json, log } = await invokeJson(nimbus.lambda, "node-timeout", { sleepMs: 5000 });
    expect(out.FunctionError).toBe("Unhandled");
    const error = json as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe("Sandbox.Timedout");
    expect(error.errorMessage).toMatch(
      /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
    );
    expect(log).toContain("Task timed out after 1.00 seconds");
    const next = await invokeJson(nimbus.lambda, "node-timeout", { sleepMs: 1 });
    expect(next.out.FunctionError).toBeUndefined();
  });

  it("reports a runtime that exits as Runtime.ExitError", async () => {
    await createFixtureFunction(nimbus.lambda, "node-exit", "node/crash", { handler: "index.exit" });
    const { json } = await invokeJson(nimbus.lambda, "node-exit", { code: 3 });
    const error = json as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe("Runtime.ExitError");
    expect(error.errorMessage).toContain("Runtime exited with error: exit status 3");
  });

  it("validates the payload: not JSON, and over 6 MB", async () => {
    await createFixtureFunction(nimbus.lambda, "node-payload", "node/hello", { handler: "index.handler" });
    const bad = await nimbus.lambda
      .send(new InvokeCommand({ FunctionName: "node-payload", Payload: Buffer.from("{not json") }))
      .catch((e: unknown) => e);
    expect((bad as Error).name).toBe("InvalidRequestContentException");
    const big = await nimbus.lambda
      .send(
        new InvokeCommand({
          FunctionName: "node-payload",
          Payload: Buffer.from(JSON.stringify("x".repeat(6_300_000))),
        }),
      )
      .catch((e: unknown) => e);
    expect((big as Error).name).toBe("RequestTooLargeException");
  });

  it("answers DryRun with 204 and Event with 202 (docs/async-invocation.md)", async () => {
    await createFixtureFunction(nimbus.lambda, "node-dry", "node/hello");
    const dry = await nimbus.lambda.send(
      new InvokeCommand({ FunctionName: "node-dry", InvocationType: "DryRun" }),
    );
    expect(dry.StatusCode).toBe(204);
    const event = await nimbus.lambda.send(
      new InvokeCommand({ FunctionName: "node-dry", InvocationType: "Event" }),
    );
    expect(event.StatusCode).toBe(202);
  });
});
