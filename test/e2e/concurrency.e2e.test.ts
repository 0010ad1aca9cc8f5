import {
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  InvokeCommand,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

let nimbus: TestNimbus;

beforeAll(async () => {
  nimbus = await startNimbus({ config: { functions: { accountConcurrency: 200 } } });
  await createFixtureFunction(nimbus.lambda, "cc-slow", "node/sleep");
  await createFixtureFunction(nimbus.lambda, "cc-other", "node/sleep");
});

afterAll(async () => {
  await nimbus.stop();
});

const invoke = (name: string, sleepMs: number) =>
  nimbus.lambda.send(
    new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ sleepMs })) }),
  );

describe("reserved concurrency and throttling", () => {
  it("sets, reads and removes reserved concurrency, shown in GetFunction and account settings", async () => {
    await nimbus.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: "cc-slow", ReservedConcurrentExecutions: 2 }),
    );
    expect(
      (await nimbus.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: "cc-slow" })))
        .ReservedConcurrentExecutions,
    ).toBe(2);
    expect(
      (await nimbus.lambda.send(new GetFunctionCommand({ FunctionName: "cc-slow" }))).Concurrency
        ?.ReservedConcurrentExecutions,
    ).toBe(2);
    const settings = await nimbus.lambda.send(new GetAccountSettingsCommand({}));
    expect(settings.AccountLimit?.UnreservedConcurrentExecutions).toBe(198);
    await nimbus.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: "cc-slow" }));
    expect(
      (await nimbus.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: "cc-slow" })))
        .ReservedConcurrentExecutions,
    ).toBeUndefined();
  });

  it("refuses a reservation that leaves less than 100 unreserved", async () => {
    const error = await nimbus.lambda
      .send(new PutFunctionConcurrencyCommand({ FunctionName: "cc-slow", ReservedConcurrentExecutions: 150 }))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("InvalidParameterValueException");
  });

  it("throttles every invoke of a function reserved at 0", async () => {
    await nimbus.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: "cc-other", ReservedConcurrentExecutions: 0 }),
    );
    const error = await invoke("cc-other", 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect((error as TooManyRequestsException).Reason).toBe(
      "ReservedFunctionConcurrentInvocationLimitExceeded",
    );
    expect((error as TooManyRequestsException).$metadata.httpStatusCode).toBe(429);
    await nimbus.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: "cc-other" }));
  });

  it("answers over-limit invokes at once with 429 and runs the rest", async () => {
    await nimbus.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: "cc-slow", ReservedConcurrentExecutions: 2 }),
    );
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => invoke("cc-slow", 800)));
    const ok = results.filter((r) => r.status === "fulfilled");
    const throttled = results.filter(
      (r) => r.status === "rejected" && r.reason instanceof TooManyRequestsException,
    );
    expect(ok.length).toBe(2);
    expect(throttled.length).toBe(4);
    await nimbus.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: "cc-slow" }));
  });
});

describe("account concurrency", () => {
  it("throttles with ConcurrentInvocationLimitExceeded past the account limit", async () => {
    const small = await startNimbus({ config: { functions: { accountConcurrency: 3 } } });
    try {
      await createFixtureFunction(small.lambda, "acct", "node/sleep");
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () =>
          small.lambda.send(
            new InvokeCommand({ FunctionName: "acct", Payload: Buffer.from('{"sleepMs":800}') }),
          ),
        ),
      );
      const throttled = results
        .filter((r) => r.status === "rejected")
        .map((r) => (r as PromiseRejectedResult).reason as TooManyRequestsException);
      expect(throttled.length).toBe(3);
      for (const error of throttled) expect(error.Reason).toBe("ConcurrentInvocationLimitExceeded");
      const health = small.server.health() as { throttles: number };
      expect(health.throttles).toBe(3);
    } finally {
      await small.stop();
    }
  });
});
