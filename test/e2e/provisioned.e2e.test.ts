import {
  CreateFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ProvisionedConcurrencyConfigNotFoundException,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBarrier } from "../support/barrier.js";
import { invokeJson } from "../support/functions.js";
import { ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipFiles } from "../support/zip.js";

let nimbus: TestNimbus;

beforeAll(async () => {
  nimbus = await startNimbus();
  const zip = await zipFiles({
    "index.js":
      "exports.handler = async (e) => { if (e.barrier) await (await fetch(e.barrier)).text(); return { init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE, stream: process.env.AWS_LAMBDA_LOG_STREAM_NAME }; };",
  });
  await nimbus.lambda.send(
    new CreateFunctionCommand({
      FunctionName: "pc",
      Runtime: "nodejs20.x",
      Handler: "index.handler",
      Role: ROLE,
      Code: { ZipFile: zip },
    }),
  );
  await nimbus.lambda.send(new PublishVersionCommand({ FunctionName: "pc" }));
});

afterAll(async () => {
  await nimbus.stop();
});

async function waitReady(): Promise<string | undefined> {
  let status: string | undefined;
  for (let i = 0; i < 100; i++) {
    status = (
      await nimbus.lambda.send(
        new GetProvisionedConcurrencyConfigCommand({ FunctionName: "pc", Qualifier: "1" }),
      )
    ).Status;
    if (status !== "IN_PROGRESS") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return status;
}

describe("provisioned concurrency", () => {
  it("refuses $LATEST", async () => {
    const error = await nimbus.lambda
      .send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: "pc",
          Qualifier: "$LATEST",
          ProvisionedConcurrentExecutions: 1,
        }),
      )
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("InvalidParameterValueException");
  });

  it("keeps initialised environments ready and serves invocations from them first", async () => {
    const put = await nimbus.lambda.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: "pc",
        Qualifier: "1",
        ProvisionedConcurrentExecutions: 2,
      }),
    );
    expect(put.RequestedProvisionedConcurrentExecutions).toBe(2);
    expect(await waitReady()).toBe("READY");
    const got = await nimbus.lambda.send(
      new GetProvisionedConcurrencyConfigCommand({ FunctionName: "pc", Qualifier: "1" }),
    );
    expect(got.AvailableProvisionedConcurrentExecutions).toBe(2);
    expect(
      (nimbus.server.health() as { environments: { provisioned: number } }).environments.provisioned,
    ).toBe(2);
    const { json, log } = await invokeJson(nimbus.lambda, "pc", {}, { qualifier: "1" });
    expect(json).toMatchObject({ init: "provisioned-concurrency" });
    expect(log).not.toContain("Init Duration");
    const listed = await nimbus.lambda.send(
      new ListProvisionedConcurrencyConfigsCommand({ FunctionName: "pc" }),
    );
    expect(listed.ProvisionedConcurrencyConfigs?.[0]?.FunctionArn).toBe(
      "arn:aws:lambda:us-east-1:000000000000:function:pc:1",
    );
  });

  it("uses on-demand environments beyond the provisioned ones", async () => {
    const barrier = await startBarrier(3);
    const results = await Promise.all(
      [1, 2, 3].map(() => invokeJson(nimbus.lambda, "pc", { barrier: barrier.url }, { qualifier: "1" })),
    ).finally(barrier.close);
    const kinds = results.map((r) => (r.json as { init: string }).init).sort();
    expect(kinds).toEqual(["on-demand", "provisioned-concurrency", "provisioned-concurrency"]);
  });

  it("releases the environments when the config is deleted", async () => {
    await nimbus.lambda.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: "pc", Qualifier: "1" }),
    );
    expect(
      (nimbus.server.health() as { environments: { provisioned: number } }).environments.provisioned,
    ).toBe(0);
    await expect(
      nimbus.lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: "pc", Qualifier: "1" })),
    ).rejects.toBeInstanceOf(ProvisionedConcurrencyConfigNotFoundException);
  });
});
