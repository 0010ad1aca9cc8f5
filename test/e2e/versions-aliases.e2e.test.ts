import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction, invokeJson } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipFiles } from "../support/zip.js";

let nimbus: TestNimbus;

const versionCode = (label: string) =>
  zipFiles({
    "index.js": `let calls = 0; exports.handler = async (e, ctx) => ({ label: ${JSON.stringify(label)}, version: ctx.functionVersion, arn: ctx.invokedFunctionArn, calls: ++calls });`,
  });

beforeAll(async () => {
  nimbus = await startNimbus();
  await createFixtureFunction(nimbus.lambda, "va", "node/hello");
  await nimbus.lambda.send(
    new UpdateFunctionCodeCommand({ FunctionName: "va", ZipFile: await versionCode("one") }),
  );
  await nimbus.lambda.send(new PublishVersionCommand({ FunctionName: "va" }));
  await nimbus.lambda.send(
    new UpdateFunctionCodeCommand({ FunctionName: "va", ZipFile: await versionCode("two") }),
  );
  await nimbus.lambda.send(new PublishVersionCommand({ FunctionName: "va" }));
});

afterAll(async () => {
  await nimbus.stop();
});

describe("versions", () => {
  it("keeps each published version's code immutable and lists them", async () => {
    await nimbus.lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: "va", ZipFile: await versionCode("latest") }),
    );
    expect((await invokeJson(nimbus.lambda, "va", {}, { qualifier: "1" })).json).toMatchObject({
      label: "one",
      version: "1",
    });
    expect((await invokeJson(nimbus.lambda, "va", {}, { qualifier: "2" })).json).toMatchObject({
      label: "two",
      version: "2",
    });
    expect((await invokeJson(nimbus.lambda, "va:1")).json).toMatchObject({ label: "one" });
    expect((await invokeJson(nimbus.lambda, "va")).json).toMatchObject({
      label: "latest",
      version: "$LATEST",
    });
    const versions = await nimbus.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: "va" }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(["$LATEST", "1", "2"]);
    expect(versions.Versions?.[0]?.FunctionArn).toBe(
      "arn:aws:lambda:us-east-1:000000000000:function:va:$LATEST",
    );
  });

  it("refuses a qualifier in the name that differs from the Qualifier parameter", async () => {
    const error = await nimbus.lambda
      .send(new InvokeCommand({ FunctionName: "va:1", Qualifier: "2" }))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("InvalidParameterValueException");
  });

  it("reports ExecutedVersion and a missing version as ResourceNotFoundException", async () => {
    const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: "va", Qualifier: "2" }));
    expect(out.ExecutedVersion).toBe("2");
    await expect(
      nimbus.lambda.send(new InvokeCommand({ FunctionName: "va", Qualifier: "9" })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe("aliases", () => {
  it("creates, gets, lists, updates and deletes an alias", async () => {
    const created = await nimbus.lambda.send(
      new CreateAliasCommand({ FunctionName: "va", Name: "live", FunctionVersion: "1", Description: "prod" }),
    );
    expect(created).toMatchObject({
      AliasArn: "arn:aws:lambda:us-east-1:000000000000:function:va:live",
      Name: "live",
      FunctionVersion: "1",
    });
    await expect(
      nimbus.lambda.send(new CreateAliasCommand({ FunctionName: "va", Name: "live", FunctionVersion: "1" })),
    ).rejects.toBeInstanceOf(ResourceConflictException);
    expect(
      (await nimbus.lambda.send(new GetAliasCommand({ FunctionName: "va", Name: "live" }))).Description,
    ).toBe("prod");
    const { json } = await invokeJson(nimbus.lambda, "va", {}, { qualifier: "live" });
    expect(json).toMatchObject({
      label: "one",
      version: "1",
      arn: "arn:aws:lambda:us-east-1:000000000000:function:va:live",
    });
    const stale = await nimbus.lambda
      .send(
        new UpdateAliasCommand({
          FunctionName: "va",
          Name: "live",
          FunctionVersion: "2",
          RevisionId: "nope",
        }),
      )
      .catch((e: unknown) => e);
    expect((stale as Error).name).toBe("PreconditionFailedException");
    await nimbus.lambda.send(
      new UpdateAliasCommand({ FunctionName: "va", Name: "live", FunctionVersion: "2" }),
    );
    expect((await invokeJson(nimbus.lambda, "va:live")).json).toMatchObject({ label: "two" });
    const listed = await nimbus.lambda.send(new ListAliasesCommand({ FunctionName: "va" }));
    expect(listed.Aliases?.map((a) => a.Name)).toContain("live");
    await nimbus.lambda.send(new DeleteAliasCommand({ FunctionName: "va", Name: "live" }));
    await expect(
      nimbus.lambda.send(new GetAliasCommand({ FunctionName: "va", Name: "live" })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("refuses to delete a version an alias points to", async () => {
    await nimbus.lambda.send(
      new CreateAliasCommand({ FunctionName: "va", Name: "pin", FunctionVersion: "1" }),
    );
    await expect(
      nimbus.lambda.send(new DeleteFunctionCommand({ FunctionName: "va", Qualifier: "1" })),
    ).rejects.toBeInstanceOf(ResourceConflictException);
    await nimbus.lambda.send(new DeleteAliasCommand({ FunctionName: "va", Name: "pin" }));
  });

  it("routes a 60/40 alias by its weights, names the version that ran, and never mixes code", async () => {
    await nimbus.lambda.send(
      new CreateAliasCommand({
        FunctionName: "va",
        Name: "canary",
        FunctionVersion: "1",
        RoutingConfig: { AdditionalVersionWeights: { "2": 0.4 } },
      }),
    );
    const counts: Record<string, number> = { "1": 0, "2": 0 };
    const batch = 50;
    for (let i = 0; i < 2000; i += batch) {
      const outs = await Promise.all(
        Array.from({ length: batch }, () =>
          nimbus.lambda.send(new InvokeCommand({ FunctionName: "va", Qualifier: "canary" })),
        ),
      );
      for (const out of outs) {
        const body = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString()) as {
          label: string;
          version: string;
        };
        expect(out.ExecutedVersion).toBe(body.version);
        expect(body.label).toBe(body.version === "1" ? "one" : "two");
        counts[body.version] = (counts[body.version] ?? 0) + 1;
      }
    }
    expect((counts["2"] ?? 0) / 2000).toBeGreaterThan(0.35);
    expect((counts["2"] ?? 0) / 2000).toBeLessThan(0.45);
  });

  it("validates routing: one extra version, published, weight within 0..1", async () => {
    const bad = [
      { FunctionVersion: "1", RoutingConfig: { AdditionalVersionWeights: { "2": 1.5 } } },
      { FunctionVersion: "$LATEST", RoutingConfig: { AdditionalVersionWeights: { "2": 0.5 } } },
      { FunctionVersion: "1", RoutingConfig: { AdditionalVersionWeights: { "7": 0.5 } } },
    ];
    for (const [i, input] of bad.entries()) {
      const error = await nimbus.lambda
        .send(new CreateAliasCommand({ FunctionName: "va", Name: `bad${i}`, ...input }))
        .catch((e: unknown) => e);
      expect([
        "InvalidParameterValueException",
        "ResourceNotFoundException",
        "ValidationException",
      ]).toContain((error as Error).name);
    }
  });
});
