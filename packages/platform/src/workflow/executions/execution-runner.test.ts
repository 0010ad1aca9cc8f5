import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { createLogger } from "../../core/logger.js";
import type { InvokeRequest, InvokeResult } from "../../invoke/index.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { KINDS, listAll, readHistory } from "./execution-records.js";
import { ExecutionRunner, type StartRequest } from "./execution-runner.js";
import { TaskDispatcher } from "./task-dispatch.js";

const SM = "arn:aws:states:us-east-1:000000000000:stateMachine:demo";
const logger = createLogger("silent");

/** No definition in this file has a Task state: this invoker is never reached. */
const noInvoker = {
  invoke(_req: InvokeRequest): Promise<InvokeResult> {
    return Promise.reject(new Error("no Task states in these tests"));
  },
};
const noTasks = new TaskDispatcher({
  invoker: noInvoker,
  nested: () => {
    throw new Error("no nested executions in these tests");
  },
});

function request(name: string, definition: object, input: object = {}): StartRequest {
  return {
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:demo:${name}`,
    name,
    stateMachineArn: SM,
    stateMachineName: "demo",
    type: "STANDARD",
    definition: JSON.stringify(definition),
    input: JSON.stringify(input),
  };
}

const WAIT_THEN_PASS = {
  StartAt: "Nap",
  States: {
    Nap: { Type: "Wait", Seconds: 60, Next: "Done" },
    Done: { Type: "Pass", Result: { woke: true }, ResultPath: "$.result", End: true },
  },
};

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("ExecutionRunner", () => {
  let dir: string;
  let clock: ManualClock;
  const open: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nimbus-sfn-"));
    clock = new ManualClock(Date.UTC(2025, 0, 1));
  });
  afterEach(async () => {
    for (const o of open.reverse()) await o.close();
    open.length = 0;
    await rm(dir, { recursive: true, force: true });
  });

  function openRunner(): { store: SqliteMetadataStore; runner: ExecutionRunner } {
    const store = new SqliteMetadataStore(join(dir, "nimbus.db"));
    const runner = new ExecutionRunner({ store, tasks: noTasks, clock, logger, durable: true });
    open.push(store, runner);
    return { store, runner };
  }

  it("runs a Pass/Choice machine to SUCCEEDED and stores its history in event order", async () => {
    const { store, runner } = openRunner();
    const def = {
      StartAt: "Pick",
      States: {
        Pick: {
          Type: "Choice",
          Choices: [{ Variable: "$.n", NumericGreaterThan: 1, Next: "Big" }],
          Default: "Small",
        },
        Big: { Type: "Pass", Result: "big", End: true },
        Small: { Type: "Pass", Result: "small", End: true },
      },
    };
    const started = await runner.start(request("choice", def, { n: 5 }));
    expect(started.status).toBe("SUCCEEDED");
    expect(started.output).toBe('"big"');
    const history = await readHistory(store, started.executionArn);
    expect(history.map((e) => e.type)).toEqual([
      "ExecutionStarted",
      "ChoiceStateEntered",
      "ChoiceStateExited",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
    expect(history.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("stores a timer row for a Wait state and completes when the clock passes it", async () => {
    const { store, runner } = openRunner();
    const started = await runner.start(request("wait", WAIT_THEN_PASS, { a: 1 }));
    expect(started.status).toBe("RUNNING");
    expect(await listAll(store, KINDS.timer)).toHaveLength(1);
    clock.advance(59_000);
    await settle();
    expect((await runner.get(started.executionArn))?.status).toBe("RUNNING");
    const done = runner.waitForCompletion(started.executionArn);
    clock.advance(1_000);
    const record = await done;
    expect(record.status).toBe("SUCCEEDED");
    expect(JSON.parse(record.output ?? "null")).toEqual({ a: 1, result: { woke: true } });
    expect(await listAll(store, KINDS.timer)).toHaveLength(0);
  });

  it("resumes an execution closed in the middle of a Wait state from the same SQLite file", async () => {
    const first = openRunner();
    const started = await first.runner.start(request("durable", WAIT_THEN_PASS, { keep: "me" }));
    clock.advance(30_000);
    await first.runner.close();
    await first.store.close();
    open.length = 0;

    // Time passes while nothing runs: the stored timer is already due when the new runner starts.
    clock.advance(120_000);
    const second = openRunner();
    const done = second.runner.waitForCompletion(started.executionArn);
    expect(await second.runner.resumeAll()).toBe(1);
    clock.advance(0);
    const record = await done;
    expect(record.status).toBe("SUCCEEDED");
    expect(JSON.parse(record.output ?? "null")).toEqual({ keep: "me", result: { woke: true } });
    const types = (await readHistory(second.store, started.executionArn)).map((e) => e.type);
    expect(types).toEqual([
      "ExecutionStarted",
      "WaitStateEntered",
      "WaitStateExited",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
  });

  it("re-arms a stored timer that is not yet due and fires it at its time", async () => {
    const first = openRunner();
    const started = await first.runner.start(request("later", WAIT_THEN_PASS));
    await first.runner.close();
    await first.store.close();
    open.length = 0;

    const second = openRunner();
    await second.runner.resumeAll();
    clock.advance(59_999);
    await settle();
    expect((await second.runner.get(started.executionArn))?.status).toBe("RUNNING");
    clock.advance(1);
    expect((await second.runner.waitForCompletion(started.executionArn)).status).toBe("SUCCEEDED");
  });

  it("aborts a running execution on stop and writes ExecutionAborted", async () => {
    const { store, runner } = openRunner();
    const started = await runner.start(request("stop", WAIT_THEN_PASS));
    const stopped = await runner.stop(started.executionArn, "Halt", "asked to");
    expect(stopped).toMatchObject({ status: "ABORTED", error: "Halt", cause: "asked to" });
    const history = await readHistory(store, started.executionArn);
    expect(history.at(-1)?.type).toBe("ExecutionAborted");
    expect(await listAll(store, KINDS.timer)).toHaveLength(0);
    clock.advance(120_000);
    await settle();
    expect((await runner.get(started.executionArn))?.status).toBe("ABORTED");
  });

  it("refuses a second start with the same execution ARN", async () => {
    const { runner } = openRunner();
    await runner.start(request("twice", WAIT_THEN_PASS));
    await expect(runner.start(request("twice", WAIT_THEN_PASS))).rejects.toMatchObject({
      code: "ERR_STORAGE_CONFLICT",
    });
  });

  it("answers TaskDoesNotExist for an unknown task token", async () => {
    const { runner } = openRunner();
    await expect(runner.sendTaskSuccess("nope", {})).rejects.toMatchObject({ awsName: "TaskDoesNotExist" });
  });
});
