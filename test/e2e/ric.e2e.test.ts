import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateFunctionCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeJson } from "../support/functions.js";
import { FIXTURES, ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { copyRicInto, findRic } from "../support/ric.js";
import { zipDirectory } from "../support/zip.js";

/**
 * The official Node runtime interface client (npm `aws-lambda-ric`) as a custom runtime's
 * bootstrap, against Nimbus's HTTP Runtime API. CI builds it (its install compiles native code)
 * and sets NIMBUS_REQUIRE_RIC=1, which turns a missing client into a failure.
 */
let nimbus: TestNimbus;
let work: string;
let ricDir: string | undefined;

beforeAll(async () => {
  ricDir = findRic();
  nimbus = await startNimbus();
  work = await mkdtemp(join(tmpdir(), "nimbus-ric-"));
  if (ricDir) {
    await cp(join(FIXTURES, "ric"), work, { recursive: true });
    await copyRicInto(ricDir, work);
    const zip = await zipDirectory(work);
    for (const [name, handler] of [
      ["ric-ok", "index.handler"],
      ["ric-fails", "index.fails"],
    ] as const) {
      await nimbus.lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: "provided.al2023",
          Handler: handler,
          Role: ROLE,
          Code: { ZipFile: zip },
          Timeout: 10,
        }),
      );
    }
  }
});

/** The group's log text once it contains `needle` (the log sink writes within ~50 ms). */
async function streamText(group: string, needle: string): Promise<string> {
  let text = "";
  for (let attempt = 0; attempt < 40 && !text.includes(needle); attempt++) {
    // The group itself appears with the first flush.
    const out = await nimbus.logs
      .send(new FilterLogEventsCommand({ logGroupName: group }))
      .catch(() => ({ events: [] }));
    text = (out.events ?? []).map((e) => e.message).join("\n");
    if (!text.includes(needle)) await new Promise((r) => setTimeout(r, 50));
  }
  return text;
}

afterAll(async () => {
  await nimbus.stop();
  await rm(work, { recursive: true, force: true });
});

describe("aws-lambda-ric as a function's bootstrap", () => {
  it("receives events with the Runtime API headers and answers them", async ({ skip }) => {
    if (!ricDir) skip();
    const first = await invokeJson(nimbus.lambda, "ric-ok", { n: 1 });
    expect(first.out.FunctionError).toBeUndefined();
    expect(first.json).toMatchObject({
      ric: true,
      event: { n: 1 },
      functionName: "ric-ok",
      invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:ric-ok",
      remaining: true,
    });
    expect((first.json as { awsRequestId: string }).awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    // The client's own start-up line is Init output: in the log stream before START, not in the tail.
    expect(first.log).not.toContain("Executing");
    expect(await streamText("/aws/lambda/ric-ok", "Executing 'index.handler'")).toContain(
      "Executing 'index.handler'",
    );
    const second = await invokeJson(nimbus.lambda, "ric-ok", { n: 2 });
    expect(second.json).toMatchObject({ event: { n: 2 } });
    expect(second.log).not.toContain("Init Duration");
  });

  it("reports handler errors through the Runtime API error endpoint", async ({ skip }) => {
    if (!ricDir) skip();
    const { out, json } = await invokeJson(nimbus.lambda, "ric-fails");
    expect(out.FunctionError).toBe("Unhandled");
    expect(json).toMatchObject({ errorType: "RangeError", errorMessage: "ric failure" });
  });
});
