import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// These commands need no running server: `local invoke` starts its own, `generate-event` and
// `init` are offline.
const CLI = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { cwd?: string; input?: string } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? process.cwd(),
      // A server address that answers nothing: proves local invoke does not use it.
      env: { ...process.env, NIMBUS_ENDPOINT: "http://127.0.0.1:9" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

let work: string;
let app: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "nimbus-cli-local-"));
  app = join(work, "starter");
  const init = await run(["init", app, "--name", "Local Starter", "--output", "json"]);
  expect(init.code, init.stderr).toBe(0);
  expect(JSON.parse(init.stdout)).toMatchObject({ name: "Local Starter", stackName: "Local-Starter" });
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("nimbus local invoke", () => {
  it("runs the starter's Node function with its sample event and prints its log, without a server", async () => {
    const before = (await readdir(tmpdir())).filter((d) => d.startsWith("nimbus-local-"));
    const r = await run(["local", "invoke", "HelloFunction", "-e", "events/event.json"], { cwd: app });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "Hello, Nimbus!" }),
    });
    expect(r.stderr).toContain("greeting Nimbus (GET /hello)");
    expect(r.stderr).toMatch(/START RequestId[\s\S]*END RequestId[\s\S]*REPORT RequestId/);
    // The embedded server's temporary data folder is gone.
    const after = (await readdir(tmpdir())).filter((d) => d.startsWith("nimbus-local-"));
    expect(after.filter((d) => !before.includes(d))).toEqual([]);
  });

  it("runs the Python worker (without wiring its queue) and answers JSON with --output json", async () => {
    const r = await run(["local", "invoke", "WorkerFunction", "-e", "events/sqs.json", "--output", "json"], {
      cwd: app,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { payload: unknown; log: string; functionError?: string };
    expect(out.payload).toEqual({
      batchItemFailures: [{ itemIdentifier: "2e1424d4-f796-459a-8184-9c92662be6da" }],
    });
    expect(out.functionError).toBeUndefined();
    expect(out.log).toContain('processed job {"id": 1, "job": "resize"}');
  });

  it("takes the event on stdin, from generate-event", async () => {
    const event = await run(["generate-event", "apigateway", "http-api", "--path", "/hello?name=Pipe"]);
    expect(event.code).toBe(0);
    const r = await run(["local", "invoke", "HelloFunction", "-e", "-"], { cwd: app, input: event.stdout });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse((JSON.parse(r.stdout) as { body: string }).body)).toEqual({ message: "Hello, Pipe!" });
  });

  it("exits 1 on a function error, after printing the error payload", async () => {
    await writeFile(
      join(app, "src/hello/app.mjs"),
      "export const handler = async () => { throw new TypeError('broken'); };\n",
    );
    const r = await run(["local", "invoke", "HelloFunction"], { cwd: app });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ errorType: "TypeError", errorMessage: "broken" });
  });

  it("exits 2 for a function the template does not have, naming the ones it has", async () => {
    const r = await run(["local", "invoke", "Nope"], { cwd: app });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("functions: HelloFunction, WorkerFunction");
    const unnamed = await run(["local", "invoke"], { cwd: app });
    expect(unnamed.code).toBe(2);
  });
});

describe("nimbus generate-event", () => {
  const cases: [string[], (e: Record<string, unknown>) => void][] = [
    [
      ["apigateway"],
      (e) =>
        expect(e).toMatchObject({ httpMethod: "GET", path: "/hello", requestContext: { stage: "prod" } }),
    ],
    [
      ["apigateway", "http-api", "--method", "post", "--body", '{"a":1}'],
      (e) =>
        expect(e).toMatchObject({
          version: "2.0",
          routeKey: "POST /hello",
          body: '{"a":1}',
          isBase64Encoded: false,
        }),
    ],
    [["alb"], (e) => expect(e).toHaveProperty("requestContext.elb.targetGroupArn")],
    [
      ["sqs", "--queue", "jobs"],
      (e) =>
        expect(e).toHaveProperty(["Records", 0, "eventSourceARN"], "arn:aws:sqs:us-east-1:000000000000:jobs"),
    ],
    [["sns", "--subject", "Hi"], (e) => expect(e).toHaveProperty(["Records", 0, "Sns", "Subject"], "Hi")],
    [
      ["s3", "delete", "--bucket", "b"],
      (e) => expect(e).toHaveProperty(["Records", 0, "eventName"], "ObjectRemoved:Delete"),
    ],
    [
      ["eventbridge", "--detail", '{"x":1}'],
      (e) => expect(e).toMatchObject({ version: "0", detail: { x: 1 } }),
    ],
    [
      ["schedule", "--region", "eu-west-1"],
      (e) => expect(e).toMatchObject({ "detail-type": "Scheduled Event", region: "eu-west-1" }),
    ],
  ];

  it.each(cases)("generate-event %j prints the event", async (args, check) => {
    const r = await run(["generate-event", ...args]);
    expect(r.code, r.stderr).toBe(0);
    check(JSON.parse(r.stdout) as Record<string, unknown>);
  });

  it("refuses options that do not apply, unknown types and bad values (exit 2)", async () => {
    for (const args of [
      ["sqs", "--bucket", "x"],
      ["s3", "copy"],
      ["eventbridge", "--detail", "[1]"],
      ["s3", "put", "--size", "-1"],
      ["sqs", "--account", "12"],
    ]) {
      const r = await run(["generate-event", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
    }
  });

  it("the starter's event file is what generate-event gives for GET /hello?name=Nimbus", async () => {
    const file = JSON.parse(await readFile(join(app, "events/event.json"), "utf8")) as Record<
      string,
      unknown
    >;
    const r = await run(["generate-event", "apigateway", "http-api", "--path", "/hello?name=Nimbus"]);
    const generated = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(generated).sort()).toEqual(Object.keys(file).sort());
    expect(generated.queryStringParameters).toEqual(file.queryStringParameters);
  });
});
