import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { InvokeCommand, LambdaClient, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nimbusApi, probeLines, waitFor } from "../support/async.js";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig } from "../support/nimbus.js";

const BIN = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");
const run = promisify(execFile);

interface Failure {
  id: string;
  requestId: string;
  functionName: string;
  attempts: number;
  reason: string;
  errorMessage?: string;
}

/** `nimbus async failures ...` against the running server; returns stdout. */
async function cli(url: string, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, "async", "failures", ...args, "--endpoint", url]);
  return stdout;
}

describe("the failure store through its Nimbus API and the CLI (server started with --async-retry-delay-scale)", () => {
  let dataDir: string;
  let child: ChildProcess;
  let url: string;
  let lambda: LambdaClient;
  let logs: CloudWatchLogsClient;
  const requestIds: Record<string, string> = {};

  const failures = async (fn = "doomed") =>
    JSON.parse(await cli(url, ["list", "--function", fn, "--json"])) as { failures: Failure[] };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "nimbus-async-failures-"));
    child = spawn(
      process.execPath,
      [
        BIN,
        "server",
        "--port",
        "0",
        "--data-dir",
        dataDir,
        "--log-level",
        "warn",
        "--async-retry-delay-scale",
        "0.001",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    url = await new Promise<string>((resolvePromise, reject) => {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (match?.[1]) resolvePromise(match[1]);
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.once("exit", (code) => reject(new Error(`nimbus exited early (${code}): ${out}`)));
    });
    lambda = new LambdaClient(clientConfig(url));
    logs = new CloudWatchLogsClient(clientConfig(url));
    await createFixtureFunction(lambda, "doomed", "node/async-probe", { env: { PROBE_MODE: "fail" } });
    for (const tag of ["a", "b", "c"]) {
      const out = await lambda.send(
        new InvokeCommand({
          FunctionName: "doomed",
          InvocationType: "Event",
          Payload: Buffer.from(JSON.stringify({ tag })),
        }),
      );
      requestIds[tag] = out.$metadata.requestId ?? "";
    }
  });

  afterAll(async () => {
    lambda.destroy();
    logs.destroy();
    await new Promise<void>((resolvePromise) => {
      child.once("exit", () => resolvePromise());
      child.kill("SIGTERM");
    });
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps every event whose retries ran out, after three attempts each", async () => {
    const listed = await waitFor(failures, (l) => l.failures.length === 3);
    expect(listed.failures.map((f) => f.requestId).sort()).toEqual(Object.values(requestIds).sort());
    for (const f of listed.failures) {
      expect(f).toMatchObject({ functionName: "doomed", reason: "RetriesExhausted", attempts: 3 });
    }
    const lines = await probeLines({ logs }, "doomed");
    expect(lines).toHaveLength(9);
    const text = await cli(url, ["list", "--function", "doomed"]);
    expect(text.trim().split("\n")).toHaveLength(3);
    expect(text).toContain("probe failed: a");
  });

  it("shows one failed event with its payload, last error and deliveries", async () => {
    const { failures: all } = await failures();
    const a = all.find((f) => f.requestId === requestIds.a) as Failure;
    const shown = JSON.parse(await cli(url, ["show", a.id])) as Record<string, unknown>;
    expect(shown).toMatchObject({
      id: a.id,
      payload: { tag: "a" },
      condition: "RetriesExhausted",
      error: {
        statusCode: 200,
        functionError: "Unhandled",
        errorType: "Error",
        errorMessage: "probe failed: a",
      },
      deliveries: [],
    });
  });

  it("pages the list and answers unknown ids and bad limits with errors", async () => {
    const first = await nimbusApi(url, "GET", "/_nimbus/async/failures?function=doomed&limit=2");
    const page = first.body as { failures: Failure[]; nextMarker: string };
    expect(page.failures).toHaveLength(2);
    const second = await nimbusApi(
      url,
      "GET",
      `/_nimbus/async/failures?function=doomed&limit=2&marker=${encodeURIComponent(page.nextMarker)}`,
    );
    expect((second.body as { failures: Failure[]; nextMarker?: string }).failures).toHaveLength(1);
    expect((second.body as { nextMarker?: string }).nextMarker).toBeUndefined();
    expect((await nimbusApi(url, "GET", "/_nimbus/async/failures/nope")).status).toBe(404);
    expect((await nimbusApi(url, "GET", "/_nimbus/async/failures?limit=0")).status).toBe(400);
    await expect(cli(url, ["show", "nope"])).rejects.toThrow(/ResourceNotFoundException/);
  });

  it("redrives one event as a fresh event, deletes one, then redrives all", async () => {
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: "doomed",
        Environment: { Variables: { PROBE_MODE: "ok" } },
      }),
    );
    const { failures: all } = await failures();
    const byTag = (tag: string) => all.find((f) => f.requestId === requestIds[tag]) as Failure;

    const redriven = await cli(url, ["redrive", byTag("a").id]);
    expect(redriven).toContain(`Redriven ${byTag("a").id} as request`);
    const ranA = await waitFor(
      () => probeLines({ logs }, "doomed"),
      (l) => l.filter((x) => (x.event as { tag: string }).tag === "a").length === 4,
    );
    const fresh = ranA.filter((x) => (x.event as { tag: string }).tag === "a").map((x) => x.requestId);
    expect(new Set(fresh).size).toBe(2);

    expect(await cli(url, ["delete", byTag("b").id])).toContain(`Deleted ${byTag("b").id}`);
    expect((await failures()).failures.map((f) => f.requestId)).toEqual([requestIds.c]);

    const all2 = await cli(url, ["redrive", "--all", "--function", "doomed"]);
    expect(all2).toContain("1 redriven, 0 skipped.");
    await waitFor(
      () => probeLines({ logs }, "doomed"),
      (l) => l.filter((x) => (x.event as { tag: string }).tag === "c").length === 4,
    );
    expect((await failures()).failures).toEqual([]);
    expect(
      (await probeLines({ logs }, "doomed")).filter((x) => (x.event as { tag: string }).tag === "b"),
    ).toHaveLength(3);
  });
});
