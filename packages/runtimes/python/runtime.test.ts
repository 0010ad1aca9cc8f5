import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Frame } from "./frames.test-helper.js";
import {
  type Exit,
  FIXTURES,
  PYTHON,
  RUNTIME_DIR,
  RuntimeProcess,
  type StartOptions,
} from "./runtime-process.test-helper.js";

const BWRAP = "/usr/bin/bwrap";
let scratch = "";

function start(options: Omit<StartOptions, "pycacheDir">): RuntimeProcess {
  return new RuntimeProcess({ pycacheDir: join(scratch, "pycache"), ...options });
}

async function startReady(options: Omit<StartOptions, "pycacheDir">): Promise<RuntimeProcess> {
  const runtime = start(options);
  const frames = await runtime.init();
  expect(frames.at(-1)?.header.t).toBe("ready");
  return runtime;
}

async function startFailing(
  options: Omit<StartOptions, "pycacheDir">,
): Promise<{ frames: Frame[]; error: unknown; exit: Exit }> {
  const runtime = start(options);
  const frames = await runtime.init();
  const last = frames.at(-1);
  expect(last?.header.t).toBe("init-error");
  return { frames, error: JSON.parse(last?.body.toString("utf8") ?? "null"), exit: await runtime.exited };
}

function json(frame: Frame): unknown {
  return JSON.parse(frame.body.toString("utf8"));
}

function text(frames: Frame[]): string[] {
  return frames.map((frame) => frame.body.toString("utf8"));
}

function pythonVersion(): string {
  const out = spawnSync(PYTHON, ["-c", "import platform; print(platform.python_version())"], {
    encoding: "utf8",
  });
  return out.stdout.trim();
}

const ISO_MS = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "nimbus-python-runtime-"));
});

afterEach(async () => {
  const left = [...RuntimeProcess.running];
  for (const runtime of left) runtime.child.kill("SIGKILL");
  await Promise.all(left.map((runtime) => runtime.exited));
  expect(left).toHaveLength(0);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("python runtime", { timeout: 20_000 }, () => {
  describe("init", () => {
    it("sends ready with the interpreter version once the handler is loaded", async () => {
      const runtime = start({ fixture: "hello", handler: "lambda_function.lambda_handler" });
      const frames = await runtime.init();
      expect(frames.map((frame) => frame.header)).toEqual([
        { t: "ready", runtime: "python", version: pythonVersion() },
      ]);
      expect(frames[0]?.body.length).toBe(0);
      await runtime.closeChannel();
    });

    it.each(["pkg/mod.handler", "pkg.mod.handler"])(
      "loads a handler in a nested module (%s)",
      async (handler) => {
        const runtime = await startReady({ fixture: "nested", handler });
        const { result } = await runtime.invoke('{"a":1}');
        expect(json(result)).toEqual({ module: "pkg.mod", event: { a: 1 } });
        await runtime.closeChannel();
      },
    );

    it("reports a missing module as Runtime.ImportModuleError and exits 1", async () => {
      const { error, exit } = await startFailing({ fixture: "hello", handler: "nope.handler" });
      expect(error).toEqual({
        errorMessage: "Unable to import module 'nope': No module named 'nope'",
        errorType: "Runtime.ImportModuleError",
        requestId: "",
        stackTrace: [],
      });
      expect(exit.code).toBe(1);
    });

    it("reports a failing import inside the module as Runtime.ImportModuleError", async () => {
      const runtime = start({ fixture: "import-fails", handler: "index.handler" });
      const frames = await runtime.init();
      const last = frames.at(-1);
      expect(last?.header).toEqual({ t: "init-error", errorType: "Runtime.ImportModuleError" });
      expect(json(last as Frame)).toMatchObject({
        errorMessage:
          "Unable to import module 'index': No module named 'nimbus_dependency_that_is_not_installed'",
      });
      expect(text(frames.slice(0, -1))).toEqual([
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'index': No module named " +
          "'nimbus_dependency_that_is_not_installed'\nTraceback (most recent call last):\n",
      ]);
      expect((await runtime.exited).code).toBe(1);
    });

    it("reports a missing handler attribute as Runtime.HandlerNotFound", async () => {
      const { error, exit } = await startFailing({ fixture: "missing-handler", handler: "index.handler" });
      expect(error).toEqual({
        errorMessage: "Handler 'handler' missing on module 'index'",
        errorType: "Runtime.HandlerNotFound",
        requestId: "",
        stackTrace: [],
      });
      expect(exit.code).toBe(1);
    });

    it("reports a syntax error as Runtime.UserCodeSyntaxError with the offending line", async () => {
      const { error, exit } = await startFailing({ fixture: "syntax-error", handler: "index.handler" });
      const file = join(FIXTURES, "syntax-error", "index.py");
      expect(error).toMatchObject({
        errorType: "Runtime.UserCodeSyntaxError",
        requestId: "",
        stackTrace: [`  File "${file}" Line 1\n    def handler(event, context)\n`],
      });
      expect((error as { errorMessage: string }).errorMessage).toMatch(
        /^Syntax error in module 'index': .+ \(index\.py, line 1\)$/,
      );
      expect(exit.code).toBe(1);
    });

    it("reports a handler without a module as Runtime.MalformedHandlerName", async () => {
      const { error } = await startFailing({ fixture: "hello", handler: "lambda_handler" });
      expect(error).toMatchObject({
        errorType: "Runtime.MalformedHandlerName",
        errorMessage: "Bad handler 'lambda_handler': not enough values to unpack (expected 2, got 1)",
      });
    });

    it("refuses a built-in module as Runtime.BuiltInModuleConflict", async () => {
      const { error } = await startFailing({ fixture: "hello", handler: "sys.handler" });
      expect(error).toMatchObject({
        errorType: "Runtime.BuiltInModuleConflict",
        errorMessage: "Cannot use built-in module sys as a handler module",
      });
    });

    it("reports an exception raised at import with its own type and the user frame last", async () => {
      const runtime = start({ fixture: "init-raises", handler: "index.handler" });
      const frames = await runtime.init();
      const last = frames.at(-1) as Frame;
      expect(last.header).toEqual({ t: "init-error", errorType: "RuntimeError" });
      const error = json(last) as { errorMessage: string; stackTrace: string[] };
      expect(error.errorMessage).toBe("config missing");
      const file = join(FIXTURES, "init-raises", "index.py");
      expect(error.stackTrace.at(-2)).toBe(
        `  File "${file}", line 5, in <module>\n    CONFIG = _load_config()\n`,
      );
      expect(error.stackTrace.at(-1)).toBe(
        `  File "${file}", line 2, in _load_config\n    raise RuntimeError("config missing")\n`,
      );
      expect(error.stackTrace.some((entry) => entry.includes(RUNTIME_DIR))).toBe(false);
      expect((await runtime.exited).code).toBe(1);
    });

    it("sends output produced during init as log frames before ready", async () => {
      const runtime = start({ fixture: "logs", handler: "index.handler" });
      const frames = await runtime.init();
      expect(frames.map((frame) => frame.header.t)).toEqual(["log", "log", "ready"]);
      expect(frames[0]?.body.toString()).toBe("init: cold start\n");
      expect(frames[1]?.body.toString()).toMatch(
        new RegExp(`^\\[WARNING\\]\\t${ISO_MS}\\t\\tinit warning\\n$`),
      );
      await runtime.closeChannel();
    });
  });

  describe("invoke", () => {
    it("answers hello with the handler's JSON result", async () => {
      const runtime = await startReady({ fixture: "hello", handler: "lambda_function.lambda_handler" });
      const { logs, result } = await runtime.invoke("{}", { id: "5f0e5c52-0000-4000-8000-000000000001" });
      expect(logs).toEqual([]);
      expect(result.header).toEqual({ t: "response", id: "5f0e5c52-0000-4000-8000-000000000001" });
      expect(result.body.toString()).toBe('{"message": "hello"}');
      await runtime.closeChannel();
    });

    it("serves invocations one after another in the same process", async () => {
      const runtime = await startReady({ fixture: "hello", handler: "lambda_function.lambda_handler" });
      for (let i = 0; i < 5; i++) {
        expect(json((await runtime.invoke("{}")).result)).toEqual({ message: "hello" });
      }
      await runtime.closeChannel();
    });

    it("reports a raised exception as an error frame with the RIC's stack trace format", async () => {
      const runtime = await startReady({ fixture: "raises", handler: "index.handler" });
      const { logs, result } = await runtime.invoke('{"orderId": 7}', { id: "req-raise" });
      const file = join(FIXTURES, "raises", "index.py");
      const stackTrace = [
        `  File "${file}", line 16, in handler\n    check(event)\n`,
        `  File "${file}", line 9, in check\n    raise OrderRejected("order %s rejected" % event.get("orderId"))\n`,
      ];
      expect(result.header).toEqual({ t: "error", id: "req-raise", errorType: "OrderRejected" });
      expect(json(result)).toEqual({
        errorMessage: "order 7 rejected",
        errorType: "OrderRejected",
        requestId: "req-raise",
        stackTrace,
      });
      const nbsp = "\u00a0";
      expect(text(logs)).toEqual([
        [
          "[ERROR] OrderRejected: order 7 rejected",
          "Traceback (most recent call last):",
          `${nbsp.repeat(2)}File "${file}", line 16, in handler`,
          `${nbsp.repeat(4)}check(event)`,
          `${nbsp.repeat(2)}File "${file}", line 9, in check`,
          `${nbsp.repeat(4)}raise OrderRejected("order %s rejected" % event.get("orderId"))`,
          "",
        ].join("\n"),
      ]);
      // The environment stays warm after a function error.
      const again = await runtime.invoke('{"orderId": 8}');
      expect(json(again.result)).toMatchObject({ errorMessage: "order 8 rejected" });
      await runtime.closeChannel();
    });

    it("exits with the handler's sys.exit status after sending its output", async () => {
      const runtime = await startReady({ fixture: "raises", handler: "index.handler" });
      runtime.send(
        { t: "invoke", id: "req-exit", deadlineMs: Date.now() + 30_000, functionArn: "arn" },
        '{"exitCode": 3}',
      );
      const frame = await runtime.nextFrame();
      expect(frame.body.toString()).toBe("exiting\n");
      expect((await runtime.exited).code).toBe(3);
    });

    it("reports an event that is not JSON as Runtime.UnmarshalError", async () => {
      const runtime = await startReady({ fixture: "hello", handler: "lambda_function.lambda_handler" });
      const { result } = await runtime.invoke("not json", { id: "req-bad" });
      expect(result.header).toEqual({ t: "error", id: "req-bad", errorType: "Runtime.UnmarshalError" });
      expect(json(result)).toEqual({
        errorMessage: "Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)",
        errorType: "Runtime.UnmarshalError",
        requestId: "req-bad",
        stackTrace: [],
      });
      await runtime.closeChannel();
    });

    it("reports an unserializable result as Runtime.MarshalError", async () => {
      const runtime = await startReady({ fixture: "unserializable", handler: "index.handler" });
      const { result } = await runtime.invoke("{}", { id: "req-set" });
      expect(result.header).toEqual({ t: "error", id: "req-set", errorType: "Runtime.MarshalError" });
      expect(json(result)).toEqual({
        errorMessage: "Unable to marshal response: Object of type set is not JSON serializable",
        errorType: "Runtime.MarshalError",
        requestId: "req-set",
        stackTrace: [],
      });
      await runtime.closeChannel();
    });

    it("returns bytes as raw bytes", async () => {
      const runtime = await startReady({ fixture: "bytes", handler: "index.handler" });
      const { result } = await runtime.invoke("{}");
      expect(result.header.t).toBe("response");
      expect(result.body).toEqual(Buffer.from([0x00, 0xff, ...Buffer.from("raw bytes\n")]));
      await runtime.closeChannel();
    });

    it("serializes Decimal with its exact digits", async () => {
      const runtime = await startReady({ fixture: "decimal", handler: "index.handler" });
      const { result } = await runtime.invoke("{}");
      expect(result.body.toString()).toBe(
        '{"price": 19.990, "big": 12345678901234567890.0000000001, "nan": NaN}',
      );
      await runtime.closeChannel();
    });

    it("carries large events and results across several socket reads", async () => {
      const runtime = await startReady({ fixture: "nested", handler: "pkg.mod.handler" });
      const big = "x".repeat(3 * 1024 * 1024);
      const { result } = await runtime.invoke(JSON.stringify({ big, unicode: "h\u00e9llo \u2603" }));
      expect(json(result)).toEqual({ module: "pkg.mod", event: { big, unicode: "h\u00e9llo \u2603" } });
      await runtime.closeChannel();
    });

    it("decodes events and encodes results exactly as the json module does", async () => {
      const bodies = [
        '  {"n": [1, -0, 1.5e300, 12345678901234567890, 0.1], "c": [NaN, Infinity, -Infinity]}\n',
        '{"s": "\\ud83d\\ude00 \\u00e9 \u00e9 \\n \\"q\\"", "nested": {"a": [{}, [], null, true, false]}}',
        '"just a string"',
        '\ufeff{"bom": true}',
        '{"a": 1} trailing',
        "",
      ];
      const oracle = spawnSync(
        PYTHON,
        [
          "-c",
          [
            "import json, sys",
            "out = []",
            "for body in json.load(sys.stdin):",
            "    try:",
            "        out.append(json.dumps({'module': 'pkg.mod', 'event': json.loads(body.encode())}))",
            "    except ValueError as e:",
            "        out.append('Unable to unmarshal input: %s' % e)",
            "print(json.dumps(out))",
          ].join("\n"),
        ],
        { input: JSON.stringify(bodies), encoding: "utf8" },
      );
      const expected = JSON.parse(oracle.stdout) as string[];
      const runtime = await startReady({ fixture: "nested", handler: "pkg.mod.handler" });
      for (const [i, body] of bodies.entries()) {
        const { result } = await runtime.invoke(body);
        const actual =
          result.header.t === "response"
            ? result.body.toString("utf8")
            : (json(result) as { errorMessage: string }).errorMessage;
        expect(actual).toBe(expected[i]);
      }
      await runtime.closeChannel();
    });

    it("allocates the requested memory", async () => {
      const runtime = await startReady({ fixture: "alloc", handler: "index.handler" });
      const { result } = await runtime.invoke('{"mb": 64}');
      expect(json(result)).toEqual({ allocatedMb: 64 });
      await runtime.closeChannel();
    });

    it("keeps module state and /tmp between invocations", async () => {
      const counterFile = join(scratch, `counter-${randomUUID()}.txt`);
      const runtime = await startReady({
        fixture: "counter",
        handler: "index.handler",
        env: { COUNTER_FILE: counterFile },
      });
      const results = [];
      for (let i = 0; i < 3; i++) results.push(json((await runtime.invoke("{}")).result));
      expect(results).toEqual([
        { count: 1, tmpLines: 1 },
        { count: 2, tmpLines: 2 },
        { count: 3, tmpLines: 3 },
      ]);
      expect(readFileSync(counterFile, "utf8")).toBe("1\n2\n3\n");
      await runtime.closeChannel();
    });

    it("runs a handler that sleeps and answers afterwards", async () => {
      const runtime = await startReady({ fixture: "sleep", handler: "index.handler" });
      const { result } = await runtime.invoke('{"sleepMs": 50}');
      expect(json(result)).toEqual({ sleptMs: 50 });
      await runtime.closeChannel();
    });
  });

  describe("context", () => {
    it("exposes the Lambda context members from the env and the invoke frame", async () => {
      const runtime = await startReady({ fixture: "context", handler: "index.handler" });
      const deadlineMs = Date.now() + 60_000;
      const { result } = await runtime.invoke('{"k": "v"}', {
        id: "req-ctx",
        deadlineMs,
        traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
        clientContext: JSON.stringify({
          client: { installation_id: "inst-1", app_title: "Shop", app_version_name: "1.2" },
          custom: { tenant: "blue" },
          env: { platform: "Android" },
          w3c: { traceparent: "00-abc-def-01" },
        }),
        identity: JSON.stringify({ cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" }),
      });
      const context = json(result) as Record<string, unknown>;
      expect(context).toMatchObject({
        function_name: "orders",
        function_version: "$LATEST",
        invoked_function_arn: "arn:aws:lambda:us-east-1:000000000000:function:orders",
        memory_limit_in_mb: "256",
        aws_request_id: "req-ctx",
        log_group_name: "/aws/lambda/orders",
        log_stream_name: "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
        client_context: {
          client: {
            installation_id: "inst-1",
            app_title: "Shop",
            app_version_name: "1.2",
            app_version_code: null,
            app_package_name: null,
          },
          custom: { tenant: "blue" },
          env: { platform: "Android" },
        },
        identity: { cognito_identity_id: "id-1", cognito_identity_pool_id: "pool-1" },
        w3c: { traceparent: "00-abc-def-01" },
        repr: expect.stringMatching(/^LambdaContext\(\[aws_request_id=req-ctx,.*tenant_id=None\]\)$/),
        trace_id: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
        cwd: join(FIXTURES, "context"),
        event: { k: "v" },
      });
      const remaining = context.remaining_time_in_millis as number;
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(60_000);
      await runtime.closeChannel();
    });

    it("leaves client_context unset and identity empty when the invoke has none", async () => {
      const runtime = await startReady({ fixture: "context", handler: "index.handler" });
      await runtime.invoke("{}", { traceId: "Root=1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb" });
      const { result } = await runtime.invoke("{}");
      expect(json(result)).toMatchObject({
        client_context: null,
        identity: { cognito_identity_id: null, cognito_identity_pool_id: null },
        trace_id: null,
      });
      await runtime.closeChannel();
    });

    it("never reports negative remaining time", async () => {
      const runtime = await startReady({ fixture: "context", handler: "index.handler" });
      const { result } = await runtime.invoke("{}", { deadlineMs: Date.now() - 5_000 });
      expect(json(result)).toMatchObject({ remaining_time_in_millis: 0 });
      await runtime.closeChannel();
    });

    it("reports a client context that is not JSON as Runtime.LambdaContextUnmarshalError", async () => {
      const runtime = await startReady({ fixture: "context", handler: "index.handler" });
      const { result } = await runtime.invoke("{}", { clientContext: "{oops" });
      expect(result.header.errorType).toBe("Runtime.LambdaContextUnmarshalError");
      expect(json(result)).toMatchObject({
        errorMessage: expect.stringMatching(/^Unable to parse Client Context JSON: /),
      });
      await runtime.closeChannel();
    });
  });

  describe("output", () => {
    it("sends print output raw and logging records in the Lambda format, before the response", async () => {
      const runtime = await startReady({ fixture: "logs", handler: "index.handler" });
      const { logs, result } = await runtime.invoke('{"value": 42}', { id: "req-log" });
      expect(json(result)).toEqual({ logged: true });
      const streams = logs.map((frame) => frame.header.stream);
      const bodies = text(logs);
      const record = (level: string, message: string) =>
        new RegExp(`^\\[${level}\\]\\t${ISO_MS}\\treq-log\\t${message}\\n$`);
      expect(bodies[0]).toBe("hello from print\n");
      expect(bodies[1]).toBe("two\nlines\n");
      expect([streams[2], bodies[2]]).toEqual(["stderr", "to stderr\n"]);
      expect(bodies[3]).toBe("bytes via buffer \u00e9\n");
      expect(bodies[4]).toMatch(record("WARNING", "warning message 42"));
      expect(bodies[5]).toMatch(record("ERROR", "error message"));
      expect(bodies[6]).toMatch(
        new RegExp(
          `^\\[ERROR\\]\\t${ISO_MS}\\treq-log\\twith traceback\\nTraceback \\(most recent call last\\):\\n[^]*ValueError: caught\\n$`,
        ),
      );
      expect(bodies[7]).toBe("via context.log\n");
      // A partial line is completed with a newline and sent before the response.
      expect(bodies[8]).toBe("partial line without newline\n");
      expect(bodies).toHaveLength(9);
      expect(streams.filter((stream) => stream === "stdout")).toHaveLength(8);
      await runtime.closeChannel();
    });

    it("honours AWS_LAMBDA_LOG_LEVEL for the root logger", async () => {
      const runtime = await startReady({
        fixture: "logs",
        handler: "index.handler",
        env: { AWS_LAMBDA_LOG_LEVEL: "DEBUG" },
      });
      const { logs } = await runtime.invoke("{}", { id: "req-debug" });
      const bodies = text(logs);
      expect(bodies).toContainEqual(expect.stringMatching(/^\[DEBUG\]\t.+\treq-debug\tdebug message\n$/));
      expect(bodies).toContainEqual(expect.stringMatching(/^\[INFO\]\t.+\treq-debug\tinfo message\n$/));
      await runtime.closeChannel();
    });

    it("writes JSON log records when AWS_LAMBDA_LOG_FORMAT is JSON", async () => {
      const runtime = await startReady({
        fixture: "logs",
        handler: "index.handler",
        env: { AWS_LAMBDA_LOG_FORMAT: "JSON" },
      });
      const { logs } = await runtime.invoke('{"value": 1}', { id: "req-json" });
      const records = text(logs)
        .filter((body) => body.startsWith("{"))
        .map((body) => JSON.parse(body) as Record<string, unknown>);
      expect(records[0]).toEqual({
        timestamp: expect.stringMatching(new RegExp(`^${ISO_MS}$`)),
        level: "WARNING",
        message: "warning message 1",
        logger: "app",
        requestId: "req-json",
      });
      expect(records[2]).toMatchObject({
        level: "ERROR",
        message: "with traceback",
        errorType: "ValueError",
        errorMessage: "caught",
        location: expect.stringMatching(/logs\/index\.py:handler:22$/),
      });
      await runtime.closeChannel();
    });

    it("logs invoke errors as one JSON record when AWS_LAMBDA_LOG_FORMAT is JSON", async () => {
      const runtime = await startReady({
        fixture: "raises",
        handler: "index.handler",
        env: { AWS_LAMBDA_LOG_FORMAT: "JSON" },
      });
      const { logs } = await runtime.invoke('{"orderId": 1}', { id: "req-jerr" });
      expect(logs).toHaveLength(1);
      expect(JSON.parse(text(logs)[0] ?? "")).toMatchObject({
        level: "ERROR",
        errorMessage: "order 1 rejected",
        errorType: "OrderRejected",
        requestId: "req-jerr",
      });
      await runtime.closeChannel();
    });
  });

  describe("lifecycle", () => {
    it("exits at once when fd 3 closes while idle", async () => {
      const runtime = await startReady({ fixture: "hello", handler: "lambda_function.lambda_handler" });
      expect(await runtime.closeChannel()).toEqual({ code: 0, signal: null });
    });

    it("exits at once when fd 3 closes while a handler is running", async () => {
      const runtime = await startReady({ fixture: "sleep", handler: "index.handler" });
      runtime.send(
        { t: "invoke", id: "req-long", deadlineMs: Date.now() + 60_000, functionArn: "arn" },
        '{"sleepMs": 30000}',
      );
      const started = Date.now();
      expect(await runtime.closeChannel()).toEqual({ code: 0, signal: null });
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it("marks fd 3 close-on-exec so processes the function runs do not inherit it", async () => {
      const runtime = await startReady({ fixture: "hello", handler: "lambda_function.lambda_handler" });
      const fdinfo = readFileSync(`/proc/${runtime.child.pid}/fdinfo/3`, "utf8");
      const flags = Number.parseInt(/flags:\s+(\d+)/.exec(fdinfo)?.[1] ?? "0", 8);
      const O_CLOEXEC = 0o2000000;
      expect(flags & O_CLOEXEC).toBe(O_CLOEXEC);
      await runtime.closeChannel();
    });
  });

  describe.skipIf(!existsSync(BWRAP))("under bubblewrap", () => {
    const sandbox = (extra: string[] = []) => [
      BWRAP,
      "--ro-bind",
      "/",
      "/",
      "--tmpfs",
      "/tmp",
      "--dev",
      "/dev",
      "--proc",
      "/proc",
      ...extra,
      "--unshare-all",
      "--die-with-parent",
      "--",
    ];

    it("runs with a read-only file system and a private /tmp", async () => {
      const runtime = await startReady({
        fixture: "counter",
        handler: "index.handler",
        wrapper: sandbox(),
        env: { COUNTER_FILE: "/tmp/counter.txt", PYTHONPYCACHEPREFIX: "/tmp/pycache" },
      });
      expect(json((await runtime.invoke("{}")).result)).toEqual({ count: 1, tmpLines: 1 });
      expect(json((await runtime.invoke("{}")).result)).toEqual({ count: 2, tmpLines: 2 });
      await runtime.closeChannel();
    });

    it("reports init errors and exits inside the sandbox", async () => {
      const { error, exit } = await startFailing({
        fixture: "missing-handler",
        handler: "index.handler",
        wrapper: sandbox(),
      });
      expect(error).toMatchObject({ errorType: "Runtime.HandlerNotFound" });
      expect(exit.code).toBe(1);
    });

    it("puts layers from /opt/python on sys.path after the task root", async () => {
      const version = pythonVersion().split(".").slice(0, 2).join(".");
      const layer = join(scratch, `layer-${randomUUID()}`);
      const sitePackages = join(layer, "lib", `python${version}`, "site-packages");
      mkdirSync(sitePackages, { recursive: true });
      writeFileSync(join(layer, "layer_util.py"), "NAME = 'layer root'\n");
      writeFileSync(join(sitePackages, "layer_pkg.py"), "NAME = 'layer site-packages'\n");
      writeFileSync(join(layer, "index.py"), "raise RuntimeError('the task root must win')\n");
      const task = join(scratch, `task-${randomUUID()}`);
      mkdirSync(task);
      writeFileSync(
        join(task, "index.py"),
        [
          "import sys, layer_util, layer_pkg",
          "def handler(event, context):",
          "    return [layer_util.NAME, layer_pkg.NAME, sys.path[:3]]",
          "",
        ].join("\n"),
      );
      // Laid out as in Lambda: the code read-only at its own path, the layer at /opt/python.
      const runtime = await startReady({
        fixture: task,
        handler: "index.handler",
        wrapper: sandbox([
          "--tmpfs",
          "/opt",
          "--ro-bind",
          layer,
          "/opt/python",
          "--ro-bind",
          task,
          "/opt/task",
        ]),
        env: { LAMBDA_TASK_ROOT: "/opt/task" },
      });
      const { result } = await runtime.invoke("{}");
      expect(json(result)).toEqual([
        "layer root",
        "layer site-packages",
        ["/opt/task", `/opt/python/lib/python${version}/site-packages`, "/opt/python"],
      ]);
      await runtime.closeChannel();
    });
  });
});
