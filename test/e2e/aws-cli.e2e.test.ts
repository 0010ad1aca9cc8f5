import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { FIXTURES, ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipDirectory } from "../support/zip.js";

let nimbus: TestNimbus;
let cli: string | undefined;
let work: string;

beforeAll(async () => {
  cli = requireAwsCli();
  nimbus = await startNimbus();
  work = await mkdtemp(join(tmpdir(), "nimbus-cli-"));
  await writeFile(join(work, "fn.zip"), await zipDirectory(join(FIXTURES, "node/logging")));
});

afterAll(async () => {
  await nimbus.stop();
});

describe("the AWS CLI (Debian awscli) against Nimbus", () => {
  it("creates, lists, invokes and reads the logs of a function", async ({ skip }) => {
    if (!cli) skip();
    const path = cli as string;
    const created = JSON.parse(
      await aws(path, nimbus.url, [
        "lambda",
        "create-function",
        "--function-name",
        "cli-fn",
        "--runtime",
        "nodejs20.x",
        "--handler",
        "index.handler",
        "--role",
        ROLE,
        "--zip-file",
        `fileb://${join(work, "fn.zip")}`,
      ]),
    ) as { FunctionName: string; State: string };
    expect(created).toMatchObject({ FunctionName: "cli-fn", State: "Active" });
    await aws(path, nimbus.url, ["lambda", "wait", "function-active-v2", "--function-name", "cli-fn"]);

    const listed = JSON.parse(await aws(path, nimbus.url, ["lambda", "list-functions"])) as {
      Functions: { FunctionName: string }[];
    };
    expect(listed.Functions.map((f) => f.FunctionName)).toContain("cli-fn");

    const outFile = join(work, "out.json");
    const invoked = JSON.parse(
      await aws(path, nimbus.url, [
        "lambda",
        "invoke",
        "--function-name",
        "cli-fn",
        "--cli-binary-format",
        "raw-in-base64-out",
        "--payload",
        '{"from":"cli"}',
        "--log-type",
        "Tail",
        outFile,
      ]),
    ) as { StatusCode: number; LogResult: string; ExecutedVersion: string };
    expect(invoked.StatusCode).toBe(200);
    expect(invoked.ExecutedVersion).toBe("$LATEST");
    expect(Buffer.from(invoked.LogResult, "base64").toString()).toContain("REPORT RequestId:");
    const { readFile } = await import("node:fs/promises");
    expect(JSON.parse(await readFile(outFile, "utf8"))).toBe("logged");

    const groups = JSON.parse(
      await aws(path, nimbus.url, [
        "logs",
        "describe-log-groups",
        "--log-group-name-prefix",
        "/aws/lambda/cli",
      ]),
    ) as {
      logGroups: { logGroupName: string }[];
    };
    expect(groups.logGroups.map((g) => g.logGroupName)).toContain("/aws/lambda/cli-fn");
    const tail = await aws(path, nimbus.url, ["logs", "tail", "/aws/lambda/cli-fn", "--since", "1h"]);
    expect(tail).toContain("START RequestId:");
    expect(tail).toContain("log text 42");
  });

  it("follows new log lines with `aws logs tail --follow`", async ({ skip }) => {
    if (!cli) skip();
    const follower = spawn(
      cli as string,
      ["--endpoint-url", nimbus.url, "logs", "tail", "/aws/lambda/cli-fn", "--follow", "--since", "1m"],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_DEFAULT_REGION: "us-east-1",
          AWS_PAGER: "",
        },
      },
    );
    let seen = "";
    follower.stdout.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
    });
    try {
      const marker = `marker-${Date.now()}`;
      await aws(cli as string, nimbus.url, [
        "lambda",
        "invoke",
        "--function-name",
        "cli-fn",
        "--cli-binary-format",
        "raw-in-base64-out",
        "--payload",
        JSON.stringify({ marker }),
        join(work, "o2.json"),
      ]);
      const deadline = Date.now() + 20_000;
      while (!seen.includes("log text 42") || (seen.match(/START RequestId/g) ?? []).length < 2) {
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect((seen.match(/START RequestId/g) ?? []).length).toBeGreaterThanOrEqual(2);
    } finally {
      follower.kill("SIGTERM");
    }
  });
});
