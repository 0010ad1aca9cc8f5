import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction, invokeJson } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

/** The NIMBUS_INIT line of the group's log, once the log sink has written it. */
async function initLine(nimbus: TestNimbus, fn: string): Promise<string> {
  for (let i = 0; i < 60; i++) {
    const out = await nimbus.logs
      .send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, filterPattern: "NIMBUS_INIT" }))
      .catch(() => ({ events: [] }));
    const line = out.events?.[0]?.message;
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  return "";
}

type Prestarted = {
  families: Record<string, { ready: number; target: number }>;
  hits: number;
  misses: number;
} | null;
const prestarted = (nimbus: TestNimbus) => (nimbus.server.health() as { prestarted: Prestarted }).prestarted;

describe("the pre-started environment pool", () => {
  let nimbus: TestNimbus;

  beforeAll(async () => {
    nimbus = await startNimbus({ config: { sandbox: { prestart: { initial: 2, max: 4 } } } });
    for (let i = 0; i < 100 && (prestarted(nimbus)?.families.node?.ready ?? 0) < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    await nimbus.stop();
  });

  it("keeps generic Node and Python environments ready", () => {
    const pool = prestarted(nimbus);
    expect(pool?.families.node?.ready).toBe(2);
    expect(pool?.families.python).toBeDefined();
  });

  it("serves a cold start from a pre-started environment, reporting its phases", async () => {
    await createFixtureFunction(nimbus.lambda, "pre-node", "node/context");
    const { json, log } = await invokeJson(nimbus.lambda, "pre-node", { x: 1 });
    expect(json).toMatchObject({
      event: { x: 1 },
      context: { functionName: "pre-node", memoryLimitInMB: "256" },
    });
    expect(log).toMatch(/Init Duration: \d+\.\d\d ms/);
    const line = await initLine(nimbus, "pre-node");
    expect(line).toMatch(
      /^NIMBUS_INIT RequestId: [0-9a-f-]{36}\tEnvironment: pre-started\tStart: [\d.]+ ms \(before the request\)\tCode: [\d.]+ ms\tInit: [\d.]+ ms$/,
    );
    expect(prestarted(nimbus)?.hits).toBeGreaterThanOrEqual(1);
  });

  it("gives a pre-started Python environment the function's variables and code", async () => {
    await createFixtureFunction(nimbus.lambda, "pre-py", "python/context", { memory: 512 });
    const { json } = await invokeJson(nimbus.lambda, "pre-py");
    expect(json).toMatchObject({ function_name: "pre-py", memory_limit_in_mb: "512" });
    expect(await initLine(nimbus, "pre-py")).toContain("Environment: pre-started");
  });

  it("starts functions with a non-default /tmp size on demand", async () => {
    await createFixtureFunction(nimbus.lambda, "pre-tmp", "node/hello", { ephemeralStorage: 1024 });
    const { json } = await invokeJson(nimbus.lambda, "pre-tmp");
    expect(json).toEqual({ message: "hello" });
    expect(await initLine(nimbus, "pre-tmp")).toContain("Environment: on-demand");
  });
});

describe("with the pool turned off", () => {
  it("starts every environment on demand", async () => {
    const nimbus = await startNimbus({ config: { sandbox: { prestart: { initial: 0 } } } });
    try {
      expect(prestarted(nimbus)).toBeNull();
      await createFixtureFunction(nimbus.lambda, "off-node", "node/hello");
      expect((await invokeJson(nimbus.lambda, "off-node")).json).toEqual({ message: "hello" });
      expect(await initLine(nimbus, "off-node")).toContain("Environment: on-demand");
    } finally {
      await nimbus.stop();
    }
  });
});
