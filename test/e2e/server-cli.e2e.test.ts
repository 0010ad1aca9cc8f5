import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateFunctionCommand, GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeJson } from "../support/functions.js";
import { clientConfig, FIXTURES, ROLE } from "../support/nimbus.js";
import { zipDirectory } from "../support/zip.js";

const BIN = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "nimbus-cli-server-"));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `nimbus server --port 0` and waits for the line that names the endpoint. */
function startCli(args: string[]): Promise<Running> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, "server", "--port", "0", "--data-dir", dataDir, "--log-level", "warn", ...args],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (match?.[1]) resolvePromise({ child, url: match[1], output: () => out });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`nimbus exited early (${code}): ${out}`)));
  });
}

function stop(running: Running, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolvePromise) => {
    running.child.once("exit", (code) => resolvePromise(code));
    running.child.kill(signal);
  });
}

function descendants(pid: number): string {
  try {
    return execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(pid)])
      .toString()
      .trim();
  } catch {
    return "";
  }
}

describe("nimbus server (the CLI)", () => {
  it("prints --help with every option", () => {
    const help = execFileSync(process.execPath, [BIN, "server", "--help"]).toString();
    for (const option of [
      "--port",
      "--host",
      "--data-dir",
      "--config",
      "--auth",
      "--auth-key",
      "--isolation",
      "--log-level",
    ]) {
      expect(help).toContain(option);
    }
  });

  it("starts, answers health, serves the Lambda API, and stops cleanly on SIGTERM leaving nothing running", async () => {
    const running = await startCli([]);
    const health = await fetch(`${running.url}/_nimbus/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; account: unknown; sandbox: { driver: string } };
    expect(body.status).toBe("ok");
    // The CLI names its artifacts bucket after the account it reads here.
    expect(body.account).toEqual({ accountId: "000000000000", region: "us-east-1" });
    const lambda = new LambdaClient(clientConfig(running.url));
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "persisted",
        Runtime: "nodejs20.x",
        Handler: "index.handler",
        Role: ROLE,
        Code: { ZipFile: await zipDirectory(join(FIXTURES, "node/counter")) },
      }),
    );
    expect((await invokeJson(lambda, "persisted")).json).toEqual({ count: 1, fileCount: 1 });
    expect(descendants(running.child.pid ?? 0)).not.toBe("");
    lambda.destroy();
    const pid = running.child.pid ?? 0;
    const code = await stop(running, "SIGTERM");
    expect(code).toBe(0);
    expect(running.output()).toContain("Nimbus stopped.");
    expect(descendants(pid)).toBe("");
  });

  it("keeps every function across a restart on the same data directory", async () => {
    const running = await startCli([]);
    const lambda = new LambdaClient(clientConfig(running.url));
    const out = await lambda.send(new GetFunctionCommand({ FunctionName: "persisted" }));
    expect(out.Configuration?.FunctionName).toBe("persisted");
    const invoked = await invokeJson(lambda, "persisted");
    expect(invoked.json).toEqual({ count: 1, fileCount: 1 });
    lambda.destroy();
    expect(await stop(running, "SIGINT")).toBe(0);
  });

  it("finishes an in-flight invocation before shutting down", async () => {
    const running = await startCli([]);
    const lambda = new LambdaClient(clientConfig(running.url));
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "slow",
        Runtime: "nodejs20.x",
        Handler: "index.handler",
        Role: ROLE,
        Timeout: 10,
        Code: { ZipFile: await zipDirectory(join(FIXTURES, "node/sleep")) },
      }),
    );
    await invokeJson(lambda, "slow", { sleepMs: 1 });
    const inflight = invokeJson(lambda, "slow", { sleepMs: 1500 });
    await new Promise((r) => setTimeout(r, 300));
    const exited = stop(running, "SIGTERM");
    const result = await inflight;
    expect(result.out.FunctionError).toBeUndefined();
    expect(result.json).toMatchObject({ sleptMs: expect.any(Number) });
    expect(await exited).toBe(0);
    lambda.destroy();
  });

  it("refuses a second server on a data directory a running server holds", async () => {
    const running = await startCli([]);
    const second = await startCli([]).then(
      () => "started",
      (error: Error) => error.message,
    );
    expect(second).toMatch(/in use by another Nimbus server \(pid \d+\)/);
    expect(await stop(running, "SIGTERM")).toBe(0);
  });
});
