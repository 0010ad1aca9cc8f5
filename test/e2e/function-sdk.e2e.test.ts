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

  it("imports @aws-sdk/client-lambda without bundling it and reaches this Nimbus", async () => {
    const { out, json, log } = await invokeJson(nimbus.lambda, "sdk-caller", { name: "sdk-target" });
    expect(out.FunctionError, `${JSON.stringify(json)}\n${log}`).toBeUndefined();
    expect(json).toEqual({ name: "sdk-target", runtime: "python3.12", endpoint: nimbus.url });
  });
});
