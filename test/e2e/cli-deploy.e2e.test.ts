import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

const CLI = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child process (asynchronously: the server runs in this process). */
function run(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, NIMBUS_ENDPOINT: nimbus.url, ...options.env },
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

async function json<T = Record<string, unknown>>(
  args: string[],
  options: Parameters<typeof run>[1] = {},
): Promise<T> {
  const r = await run([...args, "--output", "json"], options);
  if (r.code !== 0) throw new Error(`nimbus ${args.join(" ")} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

interface DeployJson {
  stackName: string;
  status: string;
  ok: boolean;
  reason?: string;
  outputs: Record<string, string>;
  failures: { logicalId: string; reason?: string }[];
  plan?: { changes: { action: string; logicalId: string; resourceType: string }[]; notes: string[] };
  artifacts: { logicalId: string; key: string; uploaded: boolean }[];
}

let nimbus: TestNimbus;
let work: string;
let app: string;

beforeAll(async () => {
  nimbus = await startNimbus();
  work = await mkdtemp(join(tmpdir(), "nimbus-cli-"));
  app = join(work, "hello-app");
});

afterAll(async () => {
  await nimbus?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("nimbus init + deploy: the starter app", () => {
  it("init writes the starter app and refuses a folder that is not empty", async () => {
    const r = await run(["init", app]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("template.yaml");
    const template = await readFile(join(app, "template.yaml"), "utf8");
    expect(template).toContain("Transform: AWS::Serverless-2016-10-31");
    expect(template).toContain("Runtime: python3.12");
    expect(await readFile(join(app, "test/app.test.mjs"), "utf8")).toContain('"hello-app"');
    expect(await readFile(join(app, ".gitignore"), "utf8")).toContain(".nimbus/");
    const again = await run(["init", app]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("not empty");
  });

  it("deploys it as is: plan, events on stderr, outputs; the HTTP API answers", async () => {
    const r = await run(["deploy", "--output", "json"], { cwd: app });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as DeployJson;
    expect(result).toMatchObject({ stackName: "hello-app", status: "CREATE_COMPLETE", ok: true });
    expect(result.plan?.changes.map((c) => c.logicalId)).toEqual(
      expect.arrayContaining(["HelloFunction", "WorkerFunction", "WorkQueue", "ServerlessHttpApi"]),
    );
    expect(result.plan?.notes.join("\n")).toMatch(/IAM::Role/);
    expect(result.artifacts.map((a) => a.logicalId).sort()).toEqual(["HelloFunction", "WorkerFunction"]);
    expect(r.stderr).toContain("Uploading src/hello/");
    expect(r.stderr).toMatch(/CREATE_COMPLETE\s+AWS::CloudFormation::Stack\s+hello-app/);

    const res = await fetch(`${nimbus.url}/_nimbus/execute-api/${result.outputs.HelloApiId}/hello?name=Ada`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: "Hello, Ada!" });
  });

  it("a second deploy of the same code has nothing to do and uploads nothing", async () => {
    const r = await run(["deploy"], { cwd: app });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No changes to deploy");
    expect(r.stderr).toContain("already in s3://nimbus-artifacts-000000000000-us-east-1");
    expect(r.stderr).not.toContain("Uploading");
  });

  it("the starter's own test passes against the deployed stack", async () => {
    const r = await new Promise<Run>((done) => {
      const child = spawn(process.execPath, ["--test", "test/"], {
        cwd: app,
        env: { ...process.env, NIMBUS_ENDPOINT: nimbus.url, NIMBUS_CLI: CLI },
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.on("close", (code) => done({ code, stdout: out, stderr: "" }));
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/# pass 4/);
  });

  it("a code change is deployed as an update", async () => {
    const file = join(app, "src/hello/app.mjs");
    await writeFile(file, (await readFile(file, "utf8")).replace("}!`", "}!!`"));
    const result = await json<DeployJson>(["deploy"], { cwd: app });
    expect(result.status).toBe("UPDATE_COMPLETE");
    expect(result.plan?.changes).toEqual(
      expect.arrayContaining([expect.objectContaining({ logicalId: "HelloFunction", action: "Modify" })]),
    );
    const res = await fetch(`${nimbus.url}/_nimbus/execute-api/${result.outputs.HelloApiId}/hello?name=Bo`);
    expect(await res.json()).toEqual({ message: "Hello, Bo!!" });
  });

  it("invoke resolves a logical id through the stack; --log prints the log tail to stderr", async () => {
    const event = join(app, "events/event.json");
    const r = await run(["invoke", "HelloFunction", "--stack-name", "hello-app", "--event", event, "--log"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ statusCode: 200 });
    expect(r.stderr).toMatch(/REPORT RequestId/);
    const viaStdin = await json<{ payload: { statusCode: number } }>(
      ["invoke", "HelloFunction", "--stack-name", "hello-app", "--event", "-"],
      { input: await readFile(event, "utf8") },
    );
    expect(viaStdin.payload.statusCode).toBe(200);
  });

  it("logs prints the function's lines, JSON with --output json", async () => {
    const logs = await json<{ events: { message: string }[] }>([
      "logs",
      "HelloFunction",
      "--stack-name",
      "hello-app",
      "--since",
      "1h",
    ]);
    expect(logs.events.some((e) => e.message.includes("greeting Nimbus (GET /hello)"))).toBe(true);
    const filtered = await json<{ events: { message: string }[] }>([
      "logs",
      "HelloFunction",
      "--stack-name",
      "hello-app",
      "--filter",
      "REPORT",
    ]);
    expect(filtered.events.length).toBeGreaterThan(0);
    expect(filtered.events.every((e) => e.message.startsWith("REPORT"))).toBe(true);
  });

  it("logs --tail follows new lines until Ctrl-C, then exits 0", async () => {
    const child = spawn(
      process.execPath,
      [CLI, "logs", "HelloFunction", "--stack-name", "hello-app", "--tail", "--filter", "tail-me"],
      {
        env: { ...process.env, NIMBUS_ENDPOINT: nimbus.url },
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const closed = new Promise<number | null>((done) => child.on("close", done));
    const event = JSON.parse(await readFile(join(app, "events/event.json"), "utf8")) as Record<
      string,
      unknown
    >;
    event.queryStringParameters = { name: "tail-me" };
    const deadline = Date.now() + 30_000;
    while (!out.includes("greeting tail-me")) {
      expect(Date.now()).toBeLessThan(deadline);
      await run(["invoke", "HelloFunction", "--stack-name", "hello-app", "--event", "-"], {
        input: JSON.stringify(event),
      });
      await new Promise((r) => setTimeout(r, 300));
    }
    child.kill("SIGINT");
    expect(await closed).toBe(0);
  });

  it("lists stacks, functions, queues, APIs (with their URLs) and shows one stack", async () => {
    const stacks = await json<{ stacks: { stackName: string; status: string }[] }>(["stacks"]);
    expect(stacks.stacks).toContainEqual(
      expect.objectContaining({ stackName: "hello-app", status: "UPDATE_COMPLETE" }),
    );
    const show = await json<{
      resources: { logicalId: string }[];
      outputs: { key: string }[];
      events: unknown[];
    }>(["stacks", "show", "hello-app"]);
    expect(show.resources.map((r) => r.logicalId)).toContain("WorkerFunctionWork");
    expect(show.outputs.map((o) => o.key)).toContain("HelloApiUrl");
    expect(show.events.length).toBeGreaterThan(0);
    const fns = await json<{ functions: { functionName: string; runtime: string }[] }>(["functions", "list"]);
    expect(fns.functions.map((f) => f.runtime).sort()).toEqual(["nodejs20.x", "python3.12"]);
    const queues = await json<{ queues: { queueName: string; messages: number }[] }>(["queues", "list"]);
    expect(queues.queues[0]?.queueName).toMatch(/^hello-app-WorkQueue-/);
    const apis = await json<{
      apis: { kind: string; apiId: string; stages: { stageName: string; url: string }[] }[];
    }>(["apis", "list"]);
    const api = apis.apis[0];
    expect(api?.kind).toBe("HTTP");
    expect(api?.stages[0]).toMatchObject({
      stageName: "$default",
      url: `${nimbus.url}/_nimbus/execute-api/${api?.apiId}/`,
    });
    const res = await fetch(`${api?.stages[0]?.url}hello`);
    expect(res.status).toBe(200);
    const text = await run(["apis", "list"]);
    expect(text.stdout).toMatch(/hello-app\s+HTTP/);
  });

  it("delete removes the stack; then it is gone", async () => {
    const r = await run(["delete", "--stack-name", "hello-app", "--yes"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Stack hello-app deleted.");
    const show = await run(["stacks", "show", "hello-app"]);
    expect(show.code).toBe(1);
    const fns = await json<{ functions: unknown[] }>(["functions", "list"]);
    expect(fns.functions).toEqual([]);
    const noYes = await run(["delete", "--stack-name", "nothing-here"]);
    expect(noYes.code).toBe(0);
  });
});

describe("nimbus deploy: failures and exit codes", () => {
  async function project(name: string, files: Record<string, string>): Promise<string> {
    const dir = join(work, name);
    for (const [file, text] of Object.entries(files)) {
      await mkdir(join(dir, file, ".."), { recursive: true });
      await writeFile(join(dir, file), text);
    }
    return dir;
  }

  it("--strict fails the change set on a property Nimbus does not apply (exit 1); without it the plan names it", async () => {
    const dir = await project("strict-app", {
      "template.yaml": "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      FancyThing: 1\n",
    });
    const strict = await run(["deploy", "--strict", "--output", "json"], { cwd: dir });
    expect(strict.code).toBe(1);
    const failed = JSON.parse(strict.stdout) as DeployJson;
    expect(failed.status).toBe("CHANGE_SET_FAILED");
    expect(failed.reason).toContain("FancyThing");
    const planOnly = await run(["deploy", "--no-execute", "--output", "json"], { cwd: dir });
    expect(planOnly.code).toBe(0);
    expect((JSON.parse(planOnly.stdout) as DeployJson).status).toBe("CHANGE_SET_CREATED");
    const lenient = await run(["deploy"], { cwd: dir });
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/Not applied by Nimbus:\n\s+- Q \(AWS::SQS::Queue\) property FancyThing/);
  });

  it("a failing resource rolls the stack back: exit 1 with the resource's reason; the next deploy starts over", async () => {
    const bad =
      "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 99999999\n  T:\n    Type: AWS::SNS::Topic\n";
    const dir = await project("rollback-app", { "template.yaml": bad });
    const r = await run(["deploy"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Stack rollback-app: ROLLBACK_COMPLETE");
    expect(r.stdout).toMatch(/Q \(AWS::SQS::Queue\): .*VisibilityTimeout/);
    await writeFile(join(dir, "template.yaml"), bad.replace("99999999", "30"));
    const fixed = await run(["deploy", "--output", "json"], { cwd: dir });
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toContain("deleting it first");
    expect((JSON.parse(fixed.stdout) as DeployJson).status).toBe("CREATE_COMPLETE");
  });

  it("packages every artifact kind; a template over 51,200 bytes goes through S3", async () => {
    const big = "x".repeat(60_000);
    const dir = await project("artifacts-app", {
      "layer/nodejs/lib.mjs": "export const v = 1;\n",
      "fn/app.py": "def handler(event, context):\n    return {'from': 'python', 'n': event.get('n')}\n",
      "sm.json": '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
      "template.yaml": `Transform: AWS::Serverless-2016-10-31
Metadata:
  Padding: "${big}"
Parameters:
  Greeting:
    Type: String
    Default: hi
Resources:
  Layer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: layer/
      CompatibleRuntimes: [nodejs20.x]
  Py:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/app.py
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          GREETING: !Ref Greeting
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      InlineCode: "exports.handler = async () => 'inline';"
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::000000000000:role/sfn
      DefinitionS3Location: sm.json
Outputs:
  Greeting:
    Value: !Ref Greeting
`,
    });
    const r = await run(
      ["deploy", "--stack-name", "arts", "--parameter-overrides", "Greeting=hello", "--output", "json"],
      {
        cwd: dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Template is over 51200 bytes");
    const result = JSON.parse(r.stdout) as DeployJson;
    expect(result.outputs.Greeting).toBe("hello");
    const keys = Object.fromEntries(result.artifacts.map((a) => [a.logicalId, a.key]));
    expect(keys.Layer).toMatch(/^[0-9a-f]{64}\.zip$/);
    expect(keys.Py).toMatch(/^[0-9a-f]{64}\.zip$/); // a single code file is zipped
    expect(keys.Machine).toMatch(/^[0-9a-f]{64}\.json$/); // a definition is uploaded as is
    expect(Object.keys(keys).sort()).toEqual(["Layer", "Machine", "Py"]); // InlineCode needs no package
    const invoked = await json<{ payload: unknown }>(
      ["invoke", "Py", "--stack-name", "arts", "--event", "-"],
      {
        input: '{"n": 7}',
      },
    );
    expect(invoked.payload).toEqual({ from: "python", n: 7 });
    const machines = await json<{ stateMachines: { name: string }[] }>(["state-machines", "list"]);
    expect(machines.stateMachines.map((m) => m.name)).toEqual([expect.stringMatching(/^arts-Machine-/)]);
    // Parameters not overridden keep their previous values on update.
    await writeFile(join(dir, "sm.json"), '{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}');
    const update = await json<DeployJson>(["deploy", "--stack-name", "arts"], { cwd: dir });
    expect(update.status).toBe("UPDATE_COMPLETE");
    expect(update.outputs.Greeting).toBe("hello");
  });

  it("Globals.Function.CodeUri is packaged once and inherited by functions without their own", async () => {
    const dir = await project("globals-app", {
      "src/index.mjs": "export const a = async () => 'a';\nexport const b = async () => 'b';\n",
      "template.yaml": `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    CodeUri: src/
    Runtime: nodejs20.x
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.a
  B:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.b
`,
    });
    const result = await json<DeployJson>(["deploy"], { cwd: dir });
    expect(result.status).toBe("CREATE_COMPLETE");
    expect(result.artifacts.map((a) => a.logicalId)).toEqual(["Globals.Function"]);
    for (const [fn, answer] of [
      ["A", "a"],
      ["B", "b"],
    ] as const) {
      const out = await json<{ payload: unknown }>(["invoke", fn, "--stack-name", "globals-app"]);
      expect(out.payload).toBe(answer);
    }
  });

  it("a function error exits 1 after printing the error payload", async () => {
    const dir = await project("failing-app", {
      "code/index.mjs": "export const handler = async () => { throw new Error('nope'); };\n",
      "template.yaml":
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: nodejs20.x\n      Handler: index.handler\n      Role: arn:aws:iam::000000000000:role/r\n      Code: code/\n",
    });
    expect((await run(["deploy"], { cwd: dir })).code).toBe(0);
    const r = await run(["invoke", "Fn", "--stack-name", "failing-app"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ errorType: "Error", errorMessage: "nope" });
  });

  it("usage and input errors exit 2", async () => {
    const dir = await project("usage-app", {
      "template.yaml": "Resources:\n  T:\n    Type: AWS::SNS::Topic\n",
    });
    const cases: string[][] = [
      ["deploy", "--bogus"],
      ["deploy", "-t", "missing.yaml"],
      ["deploy", "--parameter-overrides", "NoEquals"],
      ["deploy", "--parameter-overrides", "Undeclared=1"],
      ["deploy", "--stack-name", "1-bad_name"],
      ["deploy", "--output", "yaml"],
      ["invoke", "x", "--event", "missing.json"],
      ["logs", "x", "--since", "yesterday"],
      ["generate-event", "kafka"],
    ];
    for (const args of cases) {
      const r = await run(args, { cwd: dir });
      expect(r.code, `nimbus ${args.join(" ")}: ${r.stderr}`).toBe(2);
    }
    const unresolved = await project("unresolved-app", {
      "template.yaml":
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Nope\n",
    });
    const refused = await run(["deploy"], { cwd: unresolved });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      "ValidationError: Template format error: Unresolved resource dependencies [Nope]",
    );
    const broken = await project("broken-app", { "template.yaml": "Resources: [\n" });
    expect((await run(["deploy"], { cwd: broken })).code).toBe(2);
    const missingCode = await project("missing-code-app", {
      "template.yaml":
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: nowhere/\n      Handler: a.b\n      Runtime: nodejs20.x\n",
    });
    const r = await run(["deploy"], { cwd: missingCode });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "Unable to upload artifact nowhere/ referenced by CodeUri parameter of F resource",
    );
  });

  it("an unreachable server is an operation failure (exit 1) with a hint", async () => {
    const r = await run(["functions", "list", "--endpoint", "http://127.0.0.1:9"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nimbus: /);
  });
});
