import { InvokeCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction, invokeJson } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

let nimbus: TestNimbus;

beforeAll(async () => {
  nimbus = await startNimbus();
});

afterAll(async () => {
  await nimbus.stop();
});

describe("Python functions", () => {
  it("runs def handler(event, context) and returns its result", async () => {
    await createFixtureFunction(nimbus.lambda, "py-hello", "python/hello", {
      handler: "lambda_function.lambda_handler",
    });
    const { out, json, log } = await invokeJson(nimbus.lambda, "py-hello", { a: 1 });
    expect(out.FunctionError).toBeUndefined();
    expect(json).toEqual({ message: "hello" });
    expect(log).toMatch(/^START RequestId/);
  });

  it("passes the context object", async () => {
    await createFixtureFunction(nimbus.lambda, "py-context", "python/context", { memory: 512 });
    const { json } = await invokeJson(nimbus.lambda, "py-context", { x: 2 });
    expect(json).toMatchObject({
      function_name: "py-context",
      function_version: "$LATEST",
      invoked_function_arn: "arn:aws:lambda:us-east-1:000000000000:function:py-context",
      memory_limit_in_mb: "512",
      log_group_name: "/aws/lambda/py-context",
    });
    const body = json as { remaining_time_in_millis: number; aws_request_id: string; trace_id: string };
    expect(body.remaining_time_in_millis).toBeGreaterThan(5000);
    expect(body.aws_request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.trace_id).toMatch(/^Root=1-/);
  });

  it("reports exceptions with errorMessage, errorType and stackTrace", async () => {
    await createFixtureFunction(nimbus.lambda, "py-raises", "python/raises");
    const { out, json } = await invokeJson(nimbus.lambda, "py-raises");
    expect(out.FunctionError).toBe("Unhandled");
    const error = json as {
      errorMessage: string;
      errorType: string;
      stackTrace: string[];
      requestId: string;
    };
    expect(typeof error.errorType).toBe("string");
    expect(Array.isArray(error.stackTrace)).toBe(true);
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("captures print and logging output in the log", async () => {
    await createFixtureFunction(nimbus.lambda, "py-logs", "python/logs");
    const { log } = await invokeJson(nimbus.lambda, "py-logs");
    expect(log).toMatch(/\[(INFO|WARNING|ERROR)\]\t\d{4}-\d\d-\d\dT[\d:.]+Z\t[0-9a-f-]{36}\t/);
  });

  it("returns raw bytes unchanged when the handler returns bytes", async () => {
    await createFixtureFunction(nimbus.lambda, "py-bytes", "python/bytes");
    const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: "py-bytes" }));
    expect(out.FunctionError).toBeUndefined();
    expect(
      Buffer.from(out.Payload ?? new Uint8Array()).equals(
        Buffer.from([0x00, 0xff, ...Buffer.from("raw bytes\n")]),
      ),
    ).toBe(true);
  });

  it("round-trips a base64 string of 1 MB in the event", async () => {
    await createFixtureFunction(nimbus.lambda, "node-echo", "node/context");
    const blob = Buffer.alloc(1024 * 1024, 7).toString("base64");
    const echoed = await invokeJson(nimbus.lambda, "node-echo", { blob });
    expect((echoed.json as { event: { blob: string } }).event.blob).toBe(blob);
  });

  it("fails a module that cannot be imported with Runtime.ImportModuleError", async () => {
    await createFixtureFunction(nimbus.lambda, "py-import", "python/import-fails");
    const { json } = await invokeJson(nimbus.lambda, "py-import");
    expect((json as { errorType: string }).errorType).toBe("Runtime.ImportModuleError");
  });
});

describe("custom runtimes (provided.al2023) through the HTTP Runtime API", () => {
  it("runs a shell bootstrap that talks to the Runtime API with curl", async () => {
    await createFixtureFunction(nimbus.lambda, "sh-echo", "provided/shell-echo", {
      runtime: "provided.al2023",
      handler: "function.handler",
    });
    const { out, json, log } = await invokeJson(nimbus.lambda, "sh-echo", { n: 1 });
    expect(out.FunctionError).toBeUndefined();
    expect(json).toEqual({ echo: { n: 1 }, handler: "function.handler" });
    expect(log).toContain("handling ");
    const again = await invokeJson(nimbus.lambda, "sh-echo", { n: 2 });
    expect(again.json).toEqual({ echo: { n: 2 }, handler: "function.handler" });
  });

  it("returns errors posted to /error as Unhandled function errors", async () => {
    await createFixtureFunction(nimbus.lambda, "sh-fail", "provided/shell-echo", {
      runtime: "provided.al2023",
      handler: "x",
    });
    const { out, json } = await invokeJson(nimbus.lambda, "sh-fail", { fail: true });
    expect(out.FunctionError).toBe("Unhandled");
    expect(json).toEqual({ errorMessage: "asked to fail", errorType: "Custom.Failure" });
  });

  it("fails with Runtime.InvalidEntrypoint when the archive has no bootstrap", async () => {
    await createFixtureFunction(nimbus.lambda, "sh-none", "node/hello", {
      runtime: "provided.al2023",
      handler: "x",
    });
    const { json } = await invokeJson(nimbus.lambda, "sh-none");
    expect((json as { errorType: string }).errorType).toBe("Runtime.InvalidEntrypoint");
  });
});
