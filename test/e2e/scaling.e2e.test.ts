import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBarrier } from "../support/barrier.js";
import { ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipFiles } from "../support/zip.js";

let nimbus: TestNimbus;

beforeAll(async () => {
  nimbus = await startNimbus({ config: { sandbox: { idleTimeoutMs: 300 } } });
  const zip = await zipFiles({
    "index.js":
      "exports.handler = async (e, ctx) => { await (await fetch(e.barrier)).text(); return ctx.logStreamName; };",
  });
  await nimbus.lambda.send(
    new CreateFunctionCommand({
      FunctionName: "burst",
      Runtime: "nodejs20.x",
      Handler: "index.handler",
      Role: ROLE,
      // The first to arrive waits in the barrier while the other 19 environments start: on a
      // slow 2-core machine that can pass Lambda's default 3 s timeout.
      Timeout: 30,
      Code: { ZipFile: zip },
    }),
  );
});

afterAll(async () => {
  await nimbus.stop();
});

const environments = () =>
  (nimbus.server.health() as { environments: { idle: number; busy: number } }).environments;

describe("scaling out and back in", () => {
  it("starts one environment per concurrent invocation, then shuts idle ones down", async () => {
    const burst = 20;
    // A barrier: nobody is answered until all 20 wait in it at once.
    const barrier = await startBarrier(burst);
    const url = barrier.url;
    const results = await Promise.all(
      Array.from({ length: burst }, () =>
        nimbus.lambda.send(
          new InvokeCommand({
            FunctionName: "burst",
            Payload: Buffer.from(JSON.stringify({ barrier: url })),
          }),
        ),
      ),
    ).finally(() => barrier.close());
    // Each environment has its own log stream: count the distinct ones that answered.
    const streams = new Set(results.map((r) => Buffer.from(r.Payload ?? new Uint8Array()).toString()));
    expect(results.every((r) => r.FunctionError === undefined)).toBe(true);
    expect(streams.size).toBe(burst);
    // Idle environments go after sandbox.idleTimeoutMs (300 ms here).
    for (let i = 0; i < 100 && environments().idle > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(environments()).toMatchObject({ idle: 0, busy: 0 });
  });
});
