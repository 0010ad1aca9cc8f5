import { describe, expect, it } from "vitest";
import type { ExecutionContextInput } from "./execution-state.js";
import { deterministicSources, runToCompletion } from "./run-to-completion.js";

const ctx: ExecutionContextInput = {
  executionArn: "arn:aws:states:us-east-1:123456789012:execution:demo:run-1",
  executionName: "run-1",
  stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:demo",
  stateMachineName: "demo",
  startTime: "2025-01-01T00:00:00.000Z",
};
const START = Date.parse(ctx.startTime);

describe("runToCompletion", () => {
  it("jumps the manual clock through waits instead of sleeping", async () => {
    const definition = { StartAt: "W", States: { W: { Type: "Wait", Seconds: 86_400, End: true } } };
    const before = Date.now();
    const result = await runToCompletion(definition, {}, ctx, () => ({ status: "noResponse" }));
    expect(result.endMs - START).toBe(86_400_000);
    expect(Date.now() - before).toBeLessThan(5000);
  });

  it("delivers delayed task answers at their time on the clock", async () => {
    const definition = {
      StartAt: "T",
      States: { T: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true } },
    };
    const result = await runToCompletion(definition, {}, ctx, () => ({
      status: "succeeded",
      output: "late",
      afterMs: 1234,
    }));
    expect(result).toMatchObject({ status: "SUCCEEDED", output: "late", endMs: START + 1234 });
    expect(result.history.at(-1)?.timestamp).toBe(START + 1234);
  });

  it("passes failures with their error and cause", async () => {
    const definition = {
      StartAt: "T",
      States: { T: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true } },
    };
    const result = await runToCompletion(definition, {}, ctx, () => ({
      status: "failed",
      error: "E",
      cause: "C",
    }));
    expect(result).toMatchObject({ status: "FAILED", error: "E", cause: "C" });
  });

  it("refuses to wait forever for a task that never answers", async () => {
    const definition = {
      StartAt: "T",
      States: { T: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true } },
    };
    await expect(runToCompletion(definition, {}, ctx, () => ({ status: "noResponse" }))).rejects.toThrow(
      /never answers/,
    );
  });

  it("offers deterministic random and UUID sources", () => {
    const a = deterministicSources(7);
    const b = deterministicSources(7);
    expect([a.random(), a.random(), a.uuid()]).toEqual([b.random(), b.random(), b.uuid()]);
    expect(a.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
