import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipFiles } from "../support/zip.js";

let nimbus: TestNimbus;

beforeAll(async () => {
  nimbus = await startNimbus();
  await nimbus.lambda.send(
    new CreateFunctionCommand({
      FunctionName: "memory",
      Runtime: "nodejs20.x",
      Handler: "index.handler",
      Role: ROLE,
      MemorySize: 512,
      Code: {
        ZipFile: await zipFiles({
          "index.js":
            "exports.handler = async (e) => { if (e.mb) globalThis.kept = Buffer.alloc(e.mb * 1048576, 1); return 'ok'; };",
        }),
      },
    }),
  );
});

afterAll(async () => {
  await nimbus.stop();
});

async function maxMemoryUsed(event: unknown): Promise<number> {
  const out = await nimbus.lambda.send(
    new InvokeCommand({
      FunctionName: "memory",
      LogType: "Tail",
      Payload: Buffer.from(JSON.stringify(event)),
    }),
  );
  const log = Buffer.from(out.LogResult ?? "", "base64").toString();
  const used = /Max Memory Used: (\d+) MB/.exec(log)?.[1];
  if (used === undefined) throw new Error(`no REPORT line in ${log}`);
  return Number(used);
}

describe("REPORT's Max Memory Used", () => {
  it("reflects memory an invocation touched, even right after a short one of the same environment", async () => {
    const before = await maxMemoryUsed({});
    expect(before).toBeLessThan(150);
    // Straight after a short invocation, whose reading a short one could reuse: writing 200 MB
    // makes this invocation long enough that its REPORT reads the peak afresh.
    expect(await maxMemoryUsed({ mb: 200 })).toBeGreaterThanOrEqual(before + 150);
  });
});
