import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  BOOTSTRAP,
  encodeFrame,
  type Frame,
  FUNCTION_ARN,
  type InvokeOutcome,
  RuntimeProcess,
  type StartOptions,
} from "./frames.test-helper.js";

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/functions/node/", import.meta.url));
const RUNTIME_DIR = path.dirname(BOOTSTRAP);

const running: RuntimeProcess[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((runtime) => runtime.close()));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function start(
  fixture: string,
  handler = "index.handler",
  options: Partial<StartOptions> = {},
): RuntimeProcess {
  const runtime = RuntimeProcess.start({ taskRoot: path.join(FIXTURES, fixture), handler, ...options });
  running.push(runtime);
  return runtime;
}

async function startReady(
  fixture: string,
  handler = "index.handler",
  options: Partial<StartOptions> = {},
): Promise<RuntimeProcess> {
  const runtime = start(fixture, handler, options);
  await runtime.ready();
  return runtime;
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "nimbus-node-runtime-"));
  tempDirs.push(dir);
  return dir;
}

/** Writes `files` (relative path -> content) under a fresh folder and returns it. */
function writeTree(files: Record<string, string>): string {
  const root = tempDir();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  return root;
}

async function initFailure(fixture: string, handler = "index.handler", options: Partial<StartOptions> = {}) {
  const runtime = start(fixture, handler, options);
  const { frame, before } = await runtime.until("ready", "init-error");
  const exit = await runtime.exited;
  return { frame, payload: JSON.parse(frame.body.toString("utf8")), before, exit };
}

interface LogLine {
  time: string;
  requestId: string;
  level: string;
  message: string;
}

/** Parses text-format console lines; fails on anything else. */
function logLines(frames: readonly Frame[]): LogLine[] {
  return frames
    .filter((frame) => frame.header.t === "log")
    .map((frame) => {
      const text = frame.body.toString("utf8");
      const match = /^([^\t]+)\t([^\t]+)\t([A-Z]+)\t([^\n]*)\n$/.exec(text);
      if (!match) throw new Error(`not a console line: ${JSON.stringify(text)}`);
      const [, time = "", requestId = "", level = "", message = ""] = match;
      return { time, requestId, level, message };
    });
}

function logText(frames: readonly Frame[]): string {
  return frames
    .filter((frame) => frame.header.t === "log")
    .map((frame) => frame.body.toString("utf8"))
    .join("");
}

function errorLogPayload(outcome: InvokeOutcome, label: string): Record<string, unknown> {
  const line = logLines(outcome.before).find((entry) => entry.message.startsWith(`${label} \t`));
  if (!line) throw new Error(`no "${label}" line in ${outcome.logText}`);
  expect(line.level).toBe("ERROR");
  return JSON.parse(line.message.slice(label.length + 2));
}

describe("Init", () => {
  it("reports ready with the runtime name and Node version", async () => {
    const runtime = start("hello");
    const ready = await runtime.ready();
    expect(ready.header).toEqual({ t: "ready", runtime: "node", version: process.version });
    expect(ready.body.length).toBe(0);
    const outcome = await runtime.invoke({});
    expect(outcome.answer.header).toEqual({ t: "response", id: outcome.id });
    expect(outcome.result).toEqual({ message: "hello" });
  });

  it.each([
    ["a CommonJS index.js", "cjs", "index.handler", { format: "cjs", isModule: true }],
    ["an ES module index.mjs", "esm-mjs", "index.handler", { format: "esm", url: true }],
    ["a CommonJS index.cjs", "cjs-ext", "index.handler", { format: "cjs", extension: ".cjs" }],
    ["a .js ES module under package.json type module", "esm-type-module", "index.handler", { format: "esm" }],
    ["a nested handler path", "nested", "src/handlers/app.handler", { path: "src/handlers/app.js" }],
    ["a nested export", "cjs", "index.nested.deeper.handler", { format: "cjs" }],
  ])("loads %s", async (_name, fixture, handler, expected) => {
    const runtime = await startReady(fixture, handler);
    const outcome = await runtime.invoke({ n: 1 });
    expect(outcome.answer.header.t).toBe("response");
    expect(outcome.result).toMatchObject({ ...expected, event: { n: 1 } });
  });

  it("runs top-level await of an ES module during Init, before ready", async () => {
    const runtime = await startReady("top-level-await");
    expect((await runtime.invoke({})).result).toEqual({ config: { loaded: true }, invokes: 1 });
    expect((await runtime.invoke({})).result).toEqual({ config: { loaded: true }, invokes: 2 });
  });

  it("fails with Runtime.UserCodeSyntaxError when the module does not parse, and exits 1", async () => {
    const { frame, payload, before, exit } = await initFailure("syntax-error");
    expect(frame.header).toEqual({ t: "init-error", errorType: "Runtime.UserCodeSyntaxError" });
    expect(payload.errorType).toBe("Runtime.UserCodeSyntaxError");
    expect(payload.errorMessage).toMatch(/^SyntaxError: /);
    expect(payload.trace[0]).toBe(`Runtime.UserCodeSyntaxError: ${payload.errorMessage}`);
    expect(exit).toEqual({ code: 1, signal: null });
    const [line] = logLines(before);
    expect(line).toMatchObject({ requestId: "undefined", level: "ERROR" });
    expect(line?.message).toMatch(/^Uncaught Exception \t\{"errorType":"Runtime.UserCodeSyntaxError"/);
  });

  it("fails with Runtime.HandlerNotFound when the export does not exist", async () => {
    const { frame, payload, exit } = await initFailure("missing-export");
    expect(frame.header.errorType).toBe("Runtime.HandlerNotFound");
    expect(payload).toMatchObject({
      errorType: "Runtime.HandlerNotFound",
      errorMessage: "index.handler is undefined or not exported",
    });
    expect(exit.code).toBe(1);
  });

  it("fails with Runtime.HandlerNotFound when the export is not a function", async () => {
    const { payload } = await initFailure("missing-export", "index.notAFunction");
    expect(payload).toMatchObject({
      errorType: "Runtime.HandlerNotFound",
      errorMessage: "index.notAFunction is not a function",
    });
  });

  it("fails with Runtime.ImportModuleError when no file matches the handler", async () => {
    const { frame, payload, exit } = await initFailure("hello", "nothere.handler");
    expect(frame.header.errorType).toBe("Runtime.ImportModuleError");
    expect(payload.errorMessage).toMatch(/^Error: Cannot find module 'nothere'/);
    expect(exit.code).toBe(1);
  });

  it("fails with Runtime.ImportModuleError when a required package is missing", async () => {
    const { payload } = await initFailure("missing-dependency");
    expect(payload.errorType).toBe("Runtime.ImportModuleError");
    expect(payload.errorMessage).toMatch(/Cannot find module 'nimbus-package-that-is-not-installed'/);
  });

  it("fails with Runtime.ImportModuleError when an imported ES package is missing", async () => {
    const { payload } = await initFailure("esm-missing-dependency");
    expect(payload.errorType).toBe("Runtime.ImportModuleError");
    expect(payload.errorMessage).toMatch(/Cannot find package 'nimbus-package-that-is-not-installed'/);
  });

  it.each([
    ["has no dot", "index", "Bad handler"],
    [
      "climbs out of the task root",
      "../index.handler",
      "'../index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    ],
  ])("fails with Runtime.MalformedHandlerName when the handler %s", async (_name, handler, message) => {
    const { frame, payload } = await initFailure("hello", handler);
    expect(frame.header.errorType).toBe("Runtime.MalformedHandlerName");
    expect(payload).toMatchObject({ errorType: "Runtime.MalformedHandlerName", errorMessage: message });
  });

  it("reports an error thrown at module top level under its own name", async () => {
    const { frame, payload } = await initFailure("init-throws");
    expect(frame.header.errorType).toBe("Error");
    expect(payload).toMatchObject({ errorType: "Error", errorMessage: "configuration missing" });
    expect(payload.trace[0]).toBe("Error: configuration missing");
  });

  it("resolves packages from the task root's node_modules for CJS, ESM and a package handler", async () => {
    const taskRoot = writeTree({
      "node_modules/nimbus-fixture-pkg/package.json": JSON.stringify({
        name: "nimbus-fixture-pkg",
        main: "main.js",
      }),
      "node_modules/nimbus-fixture-pkg/main.js":
        'exports.where = "task root"; exports.handler = async () => ({ from: "package handler" });',
      "cjs.js":
        'const pkg = require("nimbus-fixture-pkg"); exports.handler = async () => ({ where: pkg.where });',
      "esm.mjs":
        'import pkg from "nimbus-fixture-pkg"; export const handler = async () => ({ where: pkg.where });',
    });
    for (const [handler, expected] of [
      ["cjs.handler", { where: "task root" }],
      ["esm.handler", { where: "task root" }],
      ["nimbus-fixture-pkg.handler", { from: "package handler" }],
    ] as const) {
      const runtime = RuntimeProcess.start({ taskRoot, handler });
      running.push(runtime);
      await runtime.ready();
      expect((await runtime.invoke({})).result).toEqual(expected);
    }
  });

  it("resolves CommonJS packages from NODE_PATH (layers)", async () => {
    const layer = writeTree({
      "node_modules/nimbus-layer-pkg/index.js": 'exports.where = "layer";',
    });
    const taskRoot = writeTree({
      "index.js":
        'const pkg = require("nimbus-layer-pkg"); exports.handler = async () => ({ where: pkg.where });',
    });
    const runtime = RuntimeProcess.start({
      taskRoot,
      handler: "index.handler",
      env: { NODE_PATH: path.join(layer, "node_modules") },
    });
    running.push(runtime);
    await runtime.ready();
    expect((await runtime.invoke({})).result).toEqual({ where: "layer" });
  });

  it("defaults NODE_PATH to the Lambda layer folders when unset, though they do not exist", async () => {
    const runtime = await startReady("context");
    const { result } = await runtime.invoke({});
    const major = process.versions.node.split(".")[0];
    expect(result).toMatchObject({
      env: {
        nodePath: `/opt/nodejs/node${major}/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules`,
      },
    });
  });

  it("exits with a message on stderr when fd 3 is not a socket", async () => {
    // "ignore" attaches /dev/null to fd 3.
    const result = spawnSync(process.execPath, [BOOTSTRAP], {
      stdio: ["ignore", "pipe", "pipe", "ignore"],
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/fd 3 is not the platform socket/);
  });
});

describe("Invoke", () => {
  it("passes the event and a context object with the RIC's members", async () => {
    const runtime = await startReady("context");
    const deadlineMs = Date.now() + 30_000;
    const clientContext = {
      client: { installation_id: "inst-1", app_title: "app" },
      env: { platform: "test" },
      Custom: { k: "v" },
    };
    const identity = { cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" };
    const outcome = await runtime.invoke(
      { hello: "world" },
      {
        deadlineMs,
        functionArn: `${FUNCTION_ARN}:live`,
        clientContext: JSON.stringify(clientContext),
        identity: JSON.stringify(identity),
      },
    );
    const result = outcome.result as {
      event: unknown;
      context: Record<string, unknown>;
      contextJson: Record<string, unknown>;
    };
    expect(result.event).toEqual({ hello: "world" });
    expect(result.context).toEqual({
      awsRequestId: outcome.id,
      functionName: "fixture-fn",
      functionVersion: "$LATEST",
      invokedFunctionArn: `${FUNCTION_ARN}:live`,
      memoryLimitInMB: "256",
      logGroupName: "/aws/lambda/fixture-fn",
      logStreamName: "2024/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
      remainingTimeInMillis: expect.any(Number),
      clientContext,
      clientContextIsUndefined: false,
      identity,
      identityIsUndefined: false,
      callbackWaitsForEmptyEventLoop: true,
      methods: ["succeed", "fail", "done", "getRemainingTimeInMillis"],
    });
    const remaining = result.context.remainingTimeInMillis as number;
    expect(remaining).toBeGreaterThan(20_000);
    expect(remaining).toBeLessThanOrEqual(30_000);
    // Same members, in the same order, as JSON.stringify(context) under the RIC.
    expect(Object.keys(result.contextJson)).toEqual([
      "callbackWaitsForEmptyEventLoop",
      "functionVersion",
      "functionName",
      "memoryLimitInMB",
      "logGroupName",
      "logStreamName",
      "clientContext",
      "identity",
      "invokedFunctionArn",
      "awsRequestId",
    ]);
  });

  it("leaves clientContext and identity undefined when the invoke has none", async () => {
    const runtime = await startReady("context");
    const { result } = await runtime.invoke({});
    expect(result).toMatchObject({ context: { clientContextIsUndefined: true, identityIsUndefined: true } });
  });

  it("sets _X_AMZN_TRACE_ID for an invoke with a trace id and clears it for one without", async () => {
    const runtime = await startReady("context");
    const traceId = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";
    expect((await runtime.invoke({}, { traceId })).result).toMatchObject({ env: { traceId } });
    expect((await runtime.invoke({})).result).toMatchObject({ env: { traceId: null } });
  });

  it("keeps module state and /tmp between invokes of a warm runtime", async () => {
    const runtime = await startReady("counter", "index.handler", { env: { TMPDIR: tempDir() } });
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await runtime.invoke({})).result);
    expect(results).toEqual([
      { count: 1, fileCount: 1 },
      { count: 2, fileCount: 2 },
      { count: 3, fileCount: 3 },
    ]);
  });

  it("answers an async handler after it awaited real work", async () => {
    const runtime = await startReady("async-await");
    expect((await runtime.invoke({ value: 21 })).result).toEqual({ doubled: 42 });
  });

  it("sends null for a handler that resolves undefined", async () => {
    const runtime = await startReady("cjs", "index.undefinedResult");
    const outcome = await runtime.invoke({});
    expect(outcome.answer.header.t).toBe("response");
    expect(outcome.answer.body.toString("utf8")).toBe("null");
  });

  it("fails the invoke with SyntaxError when the event is not JSON", async () => {
    const runtime = await startReady("hello");
    const outcome = await runtime.invoke(undefined, { rawBody: "{not json" });
    expect(outcome.answer.header).toMatchObject({ t: "error", errorType: "SyntaxError" });
  });

  it("fails the invoke when clientContext is not JSON", async () => {
    const runtime = await startReady("context");
    const outcome = await runtime.invoke({}, { clientContext: "{oops" });
    expect(outcome.result).toMatchObject({ errorType: "Error" });
    expect((outcome.result as { errorMessage: string }).errorMessage).toMatch(
      /^Cannot parse ClientContext as json/,
    );
  });

  it("reads an invoke frame split across many writes and a multi-megabyte event", async () => {
    const runtime = await startReady("cjs");
    const id = randomUUID();
    const event = { blob: "x".repeat(3 * 1024 * 1024) };
    const frame = encodeFrame(RuntimeProcess.invokeHeader(id), JSON.stringify(event));
    // First a piece shorter than the length prefix, then 64 KiB pieces, yielding between writes.
    const cuts = [0, 5];
    for (let cut = 5 + 64 * 1024; cut < frame.length; cut += 64 * 1024) cuts.push(cut);
    cuts.push(frame.length);
    for (let i = 1; i < cuts.length; i++) {
      runtime.writeRaw(frame.subarray(cuts[i - 1], cuts[i]));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const { frame: answer } = await runtime.until("response", "error");
    expect(answer.header).toEqual({ t: "response", id });
    expect(JSON.parse(answer.body.toString("utf8"))).toEqual({ format: "cjs", isModule: true, event });
    // The next, small, invoke is read into the ordinary buffer again.
    expect((await runtime.invoke({ after: 1 })).result).toMatchObject({ event: { after: 1 } });
  });

  it("answers invokes sent back to back one after the other, in order", async () => {
    const runtime = await startReady("sleep");
    const first = randomUUID();
    const second = randomUUID();
    runtime.send(RuntimeProcess.invokeHeader(first), JSON.stringify({ sleepMs: 20 }));
    runtime.send(RuntimeProcess.invokeHeader(second), JSON.stringify({ sleepMs: 0 }));
    const answers = [(await runtime.until("response")).frame, (await runtime.until("response")).frame];
    expect(answers.map((answer) => answer.header.id)).toEqual([first, second]);
  });

  it("ignores frames of an unknown type", async () => {
    const runtime = await startReady("hello");
    runtime.send({ t: "from-the-future" });
    const outcome = await runtime.invoke({});
    expect(outcome.result).toEqual({ message: "hello" });
    expect(outcome.before.map((frame) => frame.header)).toEqual([{ t: "log", stream: "stderr" }]);
  });
});

describe("callback handlers and the event loop", () => {
  it("callback(null, value) responds only after pending timers have run", async () => {
    const runtime = await startReady("callback");
    const outcome = await runtime.invoke({ timerMs: 20 });
    expect(outcome.result).toEqual({ waited: true });
    expect(logLines(outcome.before).map((line) => line.message)).toEqual(["pending timer fired"]);
  });

  it("callbackWaitsForEmptyEventLoop = false responds at once; the timer runs on the next invoke", async () => {
    const runtime = await startReady("callback");
    const outcome = await runtime.invoke({ dontWait: true, timerMs: 20 });
    expect(outcome.result).toEqual({ waited: false });
    expect(outcome.before).toEqual([]);
    // Between invocations the environment is frozen, as on AWS: the timer is due, yet nothing
    // runs until the next invoke thaws it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runtime.frames.length).toBe(2);
    const next = await runtime.invoke({ timerMs: 5 });
    expect(next.result).toEqual({ waited: true });
    expect(logLines(next.before)).toMatchObject([
      { requestId: next.id, message: "pending timer fired" },
      { requestId: next.id, message: "pending timer fired" },
    ]);
  });

  it("callback(error) fails the invoke and logs Invoke Error", async () => {
    const runtime = await startReady("callback", "index.error");
    const outcome = await runtime.invoke({});
    expect(outcome.answer.header).toEqual({ t: "error", id: outcome.id, errorType: "Error" });
    expect(outcome.result).toMatchObject({ errorType: "Error", errorMessage: "callback failure" });
    expect(errorLogPayload(outcome, "Invoke Error")).toMatchObject({
      errorType: "Error",
      errorMessage: "callback failure",
    });
  });

  it("only the first callback counts", async () => {
    const runtime = await startReady("callback", "index.twice");
    const first = await runtime.invoke({});
    expect(first.result).toBe("first");
    // A stray second answer would show up here, ahead of the next invoke's own.
    const next = await runtime.invoke({});
    expect(next.answer.header.id).toBe(next.id);
  });

  it.each([
    ["succeed(value)", "index.succeed", "response", { via: "succeed" }],
    ["done(null, value)", "index.done", "response", { via: "done" }],
    ["fail(error)", "index.fail", "error", { errorType: "Error", errorMessage: "failed via context.fail" }],
    ["fail()", "index.failNothing", "error", { errorType: "string", errorMessage: "handled", trace: [] }],
  ])("context.%s answers the invoke", async (_name, handler, type, expected) => {
    const runtime = await startReady("callback", handler);
    const outcome = await runtime.invoke({});
    expect(outcome.answer.header.t).toBe(type);
    expect(outcome.result).toMatchObject(expected);
  });

  it("a non-async handler returning a promise is answered with its value", async () => {
    const runtime = await startReady("callback", "index.returnsPromise");
    expect((await runtime.invoke({ a: 1 })).result).toEqual({ via: "promise", event: { a: 1 } });
  });

  it("a sync handler that never calls back responds null once the event loop drains", async () => {
    const runtime = await startReady("no-callback");
    const outcome = await runtime.invoke({ timerMs: 20 });
    expect(outcome.answer.header.t).toBe("response");
    expect(outcome.answer.body.toString("utf8")).toBe("null");
    expect(logLines(outcome.before).map((line) => line.message)).toEqual(["work finished"]);
  });

  it("a sync handler's return value is ignored, as in the RIC", async () => {
    const runtime = await startReady("no-callback", "index.returnsValue");
    expect((await runtime.invoke({})).answer.body.toString("utf8")).toBe("null");
  });

  it("an async handler whose promise never settles fails with Runtime.NodeJsExit when the loop drains", async () => {
    const runtime = await startReady("unsettled");
    const outcome = await runtime.invoke({});
    expect(outcome.answer.header).toEqual({ t: "error", id: outcome.id, errorType: "Runtime.NodeJsExit" });
    expect((outcome.result as { errorMessage: string }).errorMessage).toMatch(
      /^The Lambda runtime client detected an unexpected Node.js exit code/,
    );
    expect(errorLogPayload(outcome, "Invoke Error")).toMatchObject({ errorType: "Runtime.NodeJsExit" });
    // Still warm afterwards.
    expect((await runtime.invoke({})).answer.header.errorType).toBe("Runtime.NodeJsExit");
  });
});

describe("errors", () => {
  it("a thrown Error becomes {errorType, errorMessage, trace} and is logged", async () => {
    const runtime = await startReady("throws");
    const outcome = await runtime.invoke({});
    expect(outcome.answer.header).toEqual({ t: "error", id: outcome.id, errorType: "Error" });
    const payload = outcome.result as { errorType: string; errorMessage: string; trace: string[] };
    expect(Object.keys(payload)).toEqual(["errorType", "errorMessage", "trace"]);
    expect(payload).toMatchObject({ errorType: "Error", errorMessage: "boom" });
    expect(payload.trace[0]).toBe("Error: boom");
    expect(payload.trace.some((line) => line.includes("throws/index.js"))).toBe(true);
    const logged = errorLogPayload(outcome, "Invoke Error");
    expect(logged).toMatchObject({ errorType: "Error", errorMessage: "boom" });
    expect(logged.stack).toEqual(payload.trace);
  });

  it("keeps the runtime warm after a handler error", async () => {
    const runtime = await startReady("throws");
    await runtime.invoke({});
    const again = await runtime.invoke({});
    expect(again.answer.header).toMatchObject({ t: "error", id: again.id });
  });

  it("uses a custom error's name as errorType", async () => {
    const runtime = await startReady("throws", "index.custom");
    expect((await runtime.invoke({})).result).toMatchObject({
      errorType: "ValidationError",
      errorMessage: "bad input",
    });
  });

  it("fails the invoke when a callback handler throws synchronously", async () => {
    const runtime = await startReady("callback", "index.syncThrow");
    const outcome = await runtime.invoke({});
    expect(outcome.result).toMatchObject({
      errorType: "TypeError",
      errorMessage: "thrown before calling back",
    });
  });

  it.each([
    ["a string", "index.handler", { errorType: "string", errorMessage: "plain string", trace: [] }],
    ["an object", "index.object", { errorType: "object", errorMessage: "[object Object]", trace: [] }],
    ["undefined", "index.nothing", { errorType: "string", errorMessage: "handled", trace: [] }],
  ])("a rejection with %s is serialized like the RIC does", async (_name, handler, expected) => {
    const runtime = await startReady("rejects-non-error", handler);
    const outcome = await runtime.invoke({});
    expect(outcome.answer.header).toEqual({ t: "error", id: outcome.id, errorType: expected.errorType });
    expect(outcome.result).toEqual(expected);
  });

  it("an uncaught exception answers the invoke with that error, then the runtime exits 129", async () => {
    const runtime = await startReady("crash", "index.uncaught");
    const outcome = await runtime.invoke({});
    expect(outcome.answer.header).toEqual({ t: "error", id: outcome.id, errorType: "Error" });
    expect(outcome.result).toMatchObject({ errorType: "Error", errorMessage: "uncaught boom" });
    expect(errorLogPayload(outcome, "Uncaught Exception")).toMatchObject({ errorMessage: "uncaught boom" });
    expect(await runtime.exited).toEqual({ code: 129, signal: null });
  });

  it("an unhandled rejection answers with Runtime.UnhandledPromiseRejection, then the runtime exits 128", async () => {
    const runtime = await startReady("crash", "index.unhandled");
    const outcome = await runtime.invoke({});
    expect(outcome.answer.header).toEqual({
      t: "error",
      id: outcome.id,
      errorType: "Runtime.UnhandledPromiseRejection",
    });
    expect(outcome.result).toMatchObject({
      errorType: "Runtime.UnhandledPromiseRejection",
      errorMessage: "Error: nobody handles this",
    });
    expect(errorLogPayload(outcome, "Unhandled Promise Rejection")).toMatchObject({
      errorType: "Runtime.UnhandledPromiseRejection",
    });
    expect(await runtime.exited).toEqual({ code: 128, signal: null });
  });

  it("process.exit inside a handler ends the runtime with that code and no answer", async () => {
    const runtime = await startReady("crash", "index.exit");
    runtime.send(RuntimeProcess.invokeHeader(randomUUID()), JSON.stringify({ code: 3 }));
    await expect(runtime.until("response", "error")).rejects.toThrow(/runtime exited \(code 3/);
  });
});

describe("logging", () => {
  it("turns console calls into tab-separated lines with the request id and level", async () => {
    const runtime = start("logging");
    const { before: initFrames } = await runtime.until("ready");
    expect(logLines(initFrames)).toMatchObject([
      { requestId: "undefined", level: "INFO", message: "loaded at init" },
    ]);

    const outcome = await runtime.invoke({});
    expect(outcome.result).toBe("logged");
    const consoleFrames = outcome.before.slice(0, 7);
    const lines = logLines(consoleFrames);
    expect(lines.map(({ level, message }) => [level, message])).toEqual([
      ["INFO", "log text 42"],
      ["INFO", "info { a: 1 }"],
      ["WARN", "warn"],
      ["ERROR", "error"],
      ["DEBUG", "debug"],
      ["TRACE", "trace"],
      ["INFO", "multi\rline"],
    ]);
    for (const line of lines) {
      expect(line.requestId).toBe(outcome.id);
      expect(new Date(line.time).toISOString()).toBe(line.time);
    }
    expect(consoleFrames.every((frame) => frame.header.stream === "stdout")).toBe(true);
  });

  it("sends process.stdout.write and process.stderr.write as raw text on their streams, before the answer", async () => {
    const runtime = await startReady("logging");
    const outcome = await runtime.invoke({});
    expect(outcome.before.slice(7).map((frame) => [frame.header, frame.body.toString("utf8")])).toEqual([
      [{ t: "log", stream: "stdout" }, "raw stdout\n"],
      [{ t: "log", stream: "stderr" }, "raw stderr\n"],
    ]);
    await runtime.close();
    expect(runtime.frames.at(-1)?.header).toEqual({ t: "response", id: outcome.id });
    expect(runtime.stdout).toBe("");
    expect(runtime.stderr).toBe("");
  });

  it("writes one JSON object per line when AWS_LAMBDA_LOG_FORMAT=JSON", async () => {
    const runtime = await startReady("logging", "index.handler", { env: { AWS_LAMBDA_LOG_FORMAT: "JSON" } });
    const outcome = await runtime.invoke({});
    const records = outcome.before
      .slice(0, 7)
      .map((frame) => frame.body.toString("utf8"))
      .map((text) => {
        expect(text.endsWith("\n")).toBe(true);
        expect(text.slice(0, -1)).not.toContain("\n");
        return JSON.parse(text);
      });
    expect(records[0]).toEqual({
      timestamp: expect.any(String),
      level: "INFO",
      requestId: outcome.id,
      message: "log text 42",
    });
    expect(records.map((record) => [record.level, record.message])).toEqual([
      ["INFO", "log text 42"],
      ["INFO", "info { a: 1 }"],
      ["WARN", "warn"],
      ["ERROR", "error"],
      ["DEBUG", "debug"],
      ["TRACE", "trace"],
      ["INFO", "multi\nline"],
    ]);
  });

  it("drops console levels below AWS_LAMBDA_LOG_LEVEL", async () => {
    const runtime = start("logging", "index.handler", { env: { AWS_LAMBDA_LOG_LEVEL: "WARN" } });
    const { before } = await runtime.until("ready");
    expect(before).toEqual([]);
    const outcome = await runtime.invoke({});
    expect(logText(outcome.before)).not.toMatch(/\t(INFO|DEBUG|TRACE)\t/);
    expect(logLines(outcome.before.slice(0, 2)).map((line) => line.level)).toEqual(["WARN", "ERROR"]);
    expect(outcome.before.slice(2).map((frame) => frame.body.toString("utf8"))).toEqual([
      "raw stdout\n",
      "raw stderr\n",
    ]);
  });
});

describe("lifecycle", () => {
  it("exits when fd 3 reaches end-of-file", async () => {
    const runtime = await startReady("hello");
    runtime.endChannel();
    expect(await runtime.exited).toEqual({ code: 0, signal: null });
  });

  it("exits when its parent is gone even while a handler is still running", async () => {
    // The shell starts the runtime and exits 1.5 s later, as a killed platform would; `exited`
    // settles once the runtime, which holds the shell's stdio, has exited too.
    const runtime = await startReady("sleep", "index.handler", {
      wrap: (nodeArgs) => ({ file: "/bin/sh", args: ["-c", '"$0" "$@" & sleep 1.5', ...nodeArgs] }),
    });
    runtime.send(RuntimeProcess.invokeHeader(randomUUID()), JSON.stringify({ sleepMs: 600_000 }));
    expect(await runtime.exited).toEqual({ code: 0, signal: null });
  });

  it("sleeps for event.sleepMs in the sleep fixture", async () => {
    const runtime = await startReady("sleep");
    const { result } = await runtime.invoke({ sleepMs: 30 });
    expect((result as { sleptMs: number }).sleptMs).toBeGreaterThanOrEqual(29);
  });

  it("keeps event.mb megabytes alive across invokes in the memory fixture", async () => {
    const runtime = await startReady("memory");
    expect((await runtime.invoke({ mb: 8 })).result).toMatchObject({ heldMb: 8 });
    const { result } = await runtime.invoke({ mb: 8 });
    expect(result).toMatchObject({ heldMb: 16 });
    expect((result as { rssMb: number }).rssMb).toBeGreaterThanOrEqual(16);
  });

  it("reports file errors by code in the write-file and read-file fixtures", async () => {
    const dir = tempDir();
    const writer = await startReady("write-file");
    const file = path.join(dir, "note.txt");
    expect((await writer.invoke({ path: file, content: "hi" })).result).toEqual({
      written: true,
      path: file,
    });
    expect((await writer.invoke({ path: path.join(dir, "missing", "x.txt") })).result).toMatchObject({
      written: false,
      code: "ENOENT",
    });
    const reader = await startReady("read-file");
    expect((await reader.invoke({ path: file })).result).toEqual({ read: true, path: file, content: "hi" });
    expect((await reader.invoke({ path: path.join(dir, "nope") })).result).toMatchObject({
      read: false,
      code: "ENOENT",
    });
  });
});

const BWRAP = "/usr/bin/bwrap";
const bwrapWorks =
  existsSync(BWRAP) &&
  spawnSync(BWRAP, ["--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"]).status === 0;

/** Runs the runtime as a sandbox would: read-only root, code at /var/task, tmpfs /tmp. */
function underBubblewrap(hostTaskRoot: string, handler: string, binds: string[] = []): StartOptions {
  return {
    taskRoot: "/var/task",
    cwd: hostTaskRoot,
    handler,
    env: { LAMBDA_RUNTIME_DIR: "/var/runtime" },
    wrap: () => ({
      file: BWRAP,
      args: [
        "--ro-bind",
        "/",
        "/",
        "--tmpfs",
        "/tmp",
        "--tmpfs",
        "/var",
        "--ro-bind",
        hostTaskRoot,
        "/var/task",
        "--ro-bind",
        RUNTIME_DIR,
        "/var/runtime",
        ...binds,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--unshare-all",
        "--die-with-parent",
        "--chdir",
        "/var/task",
        process.execPath,
        "/var/runtime/bootstrap.mjs",
      ],
    }),
  };
}

describe.skipIf(!bwrapWorks)("under bubblewrap (skipped when bwrap cannot create namespaces here)", () => {
  function startSandboxed(fixture: string, handler = "index.handler", binds: string[] = []): RuntimeProcess {
    const runtime = RuntimeProcess.start(underBubblewrap(path.join(FIXTURES, fixture), handler, binds));
    running.push(runtime);
    return runtime;
  }

  it("answers invokes with cwd /var/task", async () => {
    const runtime = startSandboxed("hello");
    await runtime.ready();
    expect((await runtime.invoke({})).result).toEqual({ message: "hello" });
  });

  it("can write /tmp but not the code", async () => {
    const writer = startSandboxed("write-file");
    await writer.ready();
    expect((await writer.invoke({ path: "/tmp/out.txt" })).result).toMatchObject({ written: true });
    expect((await writer.invoke({ path: "/var/task/out.txt" })).result).toMatchObject({
      written: false,
      code: "EROFS",
    });
    const reader = startSandboxed("read-file");
    await reader.ready();
    expect((await reader.invoke({ path: "/var/task/index.js" })).result).toMatchObject({ read: true });
  });

  it("keeps module state and /tmp between invokes", async () => {
    const runtime = startSandboxed("counter");
    await runtime.ready();
    await runtime.invoke({});
    expect((await runtime.invoke({})).result).toEqual({ count: 2, fileCount: 2 });
  });

  it("loads ES modules and reports init errors the same way", async () => {
    const esm = startSandboxed("esm-type-module");
    await esm.ready();
    expect((await esm.invoke({})).result).toMatchObject({ format: "esm" });
    const broken = startSandboxed("syntax-error");
    const { frame } = await broken.until("ready", "init-error");
    expect(frame.header.errorType).toBe("Runtime.UserCodeSyntaxError");
    expect(await broken.exited).toMatchObject({ code: 1 });
  });

  it("resolves layer packages from /opt/nodejs/node_modules without NODE_PATH being set", async () => {
    const layer = writeTree({ "nodejs/node_modules/nimbus-layer-pkg/index.js": 'exports.where = "layer";' });
    const taskRoot = writeTree({
      "index.js":
        'const pkg = require("nimbus-layer-pkg"); exports.handler = async () => ({ where: pkg.where });',
    });
    const runtime = RuntimeProcess.start(
      underBubblewrap(taskRoot, "index.handler", ["--ro-bind", layer, "/opt"]),
    );
    running.push(runtime);
    await runtime.ready();
    expect((await runtime.invoke({})).result).toEqual({ where: "layer" });
  });
});

describe("log output batching", () => {
  // Log frames are corked and written with the answer; these check nothing is lost or reordered.
  it("keeps every line of a logging invoke in order, before its answer", async () => {
    const taskRoot = writeTree({
      "index.js": [
        "exports.handler = async (event) => {",
        '  for (let i = 0; i < event.lines; i++) console.log("line", i);',
        '  process.stdout.write("raw\\n");',
        '  return "done";',
        "};",
      ].join("\n"),
    });
    const runtime = RuntimeProcess.start({ taskRoot, handler: "index.handler" });
    running.push(runtime);
    await runtime.ready();
    // Enough output to pass the cork limit several times within one turn of the event loop.
    const outcome = await runtime.invoke({ lines: 3000 });
    expect(outcome.result).toBe("done");
    const lines = outcome.logText.split("\n").filter(Boolean);
    expect(lines).toHaveLength(3001);
    expect(lines[0]).toMatch(/\tINFO\tline 0$/);
    expect(lines[2999]).toMatch(/\tINFO\tline 2999$/);
    expect(lines[3000]).toBe("raw");
  });

  it("writes lines logged while the handler waits, without waiting for the answer", async () => {
    const taskRoot = writeTree({
      "index.js": [
        "exports.handler = async () => {",
        '  console.log("before the wait");',
        "  await new Promise((r) => setTimeout(r, 200));",
        '  return "late";',
        "};",
      ].join("\n"),
    });
    const runtime = RuntimeProcess.start({ taskRoot, handler: "index.handler" });
    running.push(runtime);
    await runtime.ready();
    runtime.send(RuntimeProcess.invokeHeader(randomUUID()), "{}");
    // The line comes on its own, while the handler still waits on its timer.
    const line = await runtime.nextFrame();
    expect(line.header.t).toBe("log");
    expect(line.body.toString("utf8")).toMatch(/\tINFO\tbefore the wait\n$/);
    expect(runtime.frames.some((f) => f.header.t === "response")).toBe(false);
    expect((await runtime.until("response")).frame.body.toString("utf8")).toBe('"late"');
  });

  it("still delivers lines logged just before process.exit", async () => {
    const taskRoot = writeTree({
      "index.js": [
        "exports.handler = async () => {",
        '  console.log("last words");',
        '  process.stderr.write("to stderr\\n");',
        "  process.exit(4);",
        "};",
      ].join("\n"),
    });
    const runtime = RuntimeProcess.start({ taskRoot, handler: "index.handler" });
    running.push(runtime);
    await runtime.ready();
    runtime.send(RuntimeProcess.invokeHeader(randomUUID()), "{}");
    expect(await runtime.exited).toEqual({ code: 4, signal: null });
    const logs = runtime.frames.filter((f) => f.header.t === "log").map((f) => f.body.toString("utf8"));
    expect(logs.join("")).toMatch(/\tINFO\tlast words\nto stderr\n$/);
  });
});
