import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { InvokeCommand, PutFunctionConcurrencyCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/async.js";
import { createFixtureFunction } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

const BIN = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");
const run = promisify(execFile);

/** `nimbus async failures ...` with the given AWS credentials in its environment. */
async function cli(url: string, args: string[], key?: { id: string; secret: string }): Promise<string> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  if (key) Object.assign(env, { AWS_ACCESS_KEY_ID: key.id, AWS_SECRET_ACCESS_KEY: key.secret });
  const { stdout } = await run(process.execPath, [BIN, "async", "failures", ...args, "--endpoint", url], {
    env,
  });
  return stdout;
}

describe("the failure-store API with --auth", () => {
  let nimbus: TestNimbus;

  beforeAll(async () => {
    nimbus = await startNimbus({
      config: { auth: { enabled: true, credentials: [{ accessKeyId: "test", secretAccessKey: "test" }] } },
    });
    await createFixtureFunction(nimbus.lambda, "off", "node/async-probe");
    await nimbus.lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: "off", ReservedConcurrentExecutions: 0 }),
    );
    await nimbus.lambda.send(
      new InvokeCommand({ FunctionName: "off", InvocationType: "Event", Payload: Buffer.from("{}") }),
    );
  });

  afterAll(async () => {
    await nimbus.stop();
  });

  it("refuses unsigned and wrongly signed requests", async () => {
    const unsigned = await fetch(`${nimbus.url}/_nimbus/async/failures`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    await expect(cli(nimbus.url, ["list"], { id: "test", secret: "wrong" })).rejects.toThrow(
      /InvalidSignatureException/,
    );
    await expect(cli(nimbus.url, ["list"], { id: "someone", secret: "test" })).rejects.toThrow(
      /UnrecognizedClientException/,
    );
  });

  it("answers the CLI signing with a configured key", async () => {
    const listed = await waitFor(
      async () =>
        JSON.parse(
          await cli(nimbus.url, ["list", "--function", "off", "--json"], { id: "test", secret: "test" }),
        ) as {
          failures: { id: string }[];
        },
      (l) => l.failures.length === 1,
    );
    const id = listed.failures[0]?.id ?? "";
    expect(await cli(nimbus.url, ["delete", id], { id: "test", secret: "test" })).toContain(`Deleted ${id}`);
  });
});
