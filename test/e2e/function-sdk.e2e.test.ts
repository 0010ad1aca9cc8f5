import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction, invokeJson } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

describe.each([
  ["with authentication off", false],
  ["with authentication on (the function signs with its own credentials)", true],
])("functions call Nimbus's services through the AWS SDK the runtime provides, %s", (_label, auth) => {
  let nimbus: TestNimbus;

  beforeAll(async () => {
    nimbus = await startNimbus({
      config: auth
        ? { auth: { enabled: true, credentials: [{ accessKeyId: "test", secretAccessKey: "test" }] } }
        : {},
    });
    await createFixtureFunction(nimbus.lambda, "sdk-caller", "node/sdk-caller");
    await createFixtureFunction(nimbus.lambda, "sdk-target", "node/hello", { runtime: "python3.12" });
  });

  afterAll(async () => {
    await nimbus.stop();
  });

  it("imports boto3 (where the host's Python has it) and reaches this Nimbus", async ({ skip }) => {
    const probe = spawnSync("python3", ["-c", "import boto3"]);
    if (probe.status !== 0) {
      console.warn("SKIPPING the boto3 test: the host's python3 has no boto3");
      skip();
    }
    await createFixtureFunction(nimbus.lambda, "boto3-caller", "python/boto3-caller", { timeout: 20 });
    const { out, json, log } = await invokeJson(nimbus.lambda, "boto3-caller", { name: "sdk-target" });
    expect(out.FunctionError, `${JSON.stringify(json)}\n${log}`).toBeUndefined();
    expect(json).toEqual({ name: "sdk-target", runtime: "python3.12", endpoint: nimbus.url });
  });

  it("imports @aws-sdk/client-lambda without bundling it and reaches this Nimbus", async () => {
    const { out, json, log } = await invokeJson(nimbus.lambda, "sdk-caller", { name: "sdk-target" });
    expect(out.FunctionError, `${JSON.stringify(json)}\n${log}`).toBeUndefined();
    expect(json).toEqual({ name: "sdk-target", runtime: "python3.12", endpoint: nimbus.url });
  });
});
