import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipFiles } from "../support/zip.js";

let nimbus: TestNimbus;

beforeAll(async () => {
  nimbus = await startNimbus({ config: { sandbox: { functionNice: 7 } } });
  await nimbus.lambda.send(
    new CreateFunctionCommand({
      FunctionName: "nice",
      Runtime: "nodejs20.x",
      Handler: "index.handler",
      Role: ROLE,
      Code: {
        ZipFile: await zipFiles({ "index.js": 'exports.handler = async () => require("os").getPriority();' }),
      },
    }),
  );
});

afterAll(async () => {
  await nimbus.stop();
});

const priority = async () => {
  const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: "nice" }));
  return JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString()) as number;
};

describe("sandbox.functionNice", () => {
  it("runs a warm function's process at the configured nice value", async () => {
    // Lowered once the environment is up (after its first response is on its way).
    await priority();
    let seen = await priority();
    for (let i = 0; i < 20 && seen !== 7; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await priority();
    }
    expect(seen).toBe(7);
  });
});
