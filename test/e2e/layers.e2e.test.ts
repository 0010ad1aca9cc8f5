import { createHash } from "node:crypto";
import {
  AddLayerVersionPermissionCommand,
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  type LambdaClient,
  type LayerVersionsListItem,
  ListLayersCommand,
  ListLayerVersionsCommand,
  PublishLayerVersionCommand,
  type PublishLayerVersionCommandOutput,
  paginateListLayerVersions,
  RemoveLayerVersionPermissionCommand,
  type Runtime,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeJson } from "../support/functions.js";
import { ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipFiles } from "../support/zip.js";

/**
 * Lambda layers end to end: the layer API through the AWS SDK, and functions that load code
 * from /opt, under the default sandbox (bubblewrap when available) and as plain processes.
 */
const MAX_UNZIPPED = 200_000;
const ACCOUNT = "000000000000";
const LAYER_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:layer`;

let nimbus: TestNimbus;
let plain: TestNimbus;
let isolated = false;
let pythonDir = "";

const nodeLayer = (greeting: string) =>
  zipFiles({
    "nodejs/node_modules/greeter/index.js": `exports.greet = (name) => ${JSON.stringify(greeting)} + " " + name;`,
  });
const pythonLayer = (greeting: string) =>
  zipFiles({
    "python/pyhello.py": `def greet(name):\n    return ${JSON.stringify(greeting)} + " " + name\n`,
  });
const nodeUser = () =>
  zipFiles({
    "index.js": `const greeter = require("greeter");
exports.handler = async () => ({ greeting: greeter.greet("nimbus") });`,
  });
const pythonUser = () =>
  zipFiles({
    "lambda_function.py": `import pyhello\n\ndef lambda_handler(event, context):\n    return {"greeting": pyhello.greet("nimbus")}\n`,
  });

async function publish(
  lambda: LambdaClient,
  name: string,
  zip: Buffer,
  extra: { runtimes?: Runtime[]; description?: string } = {},
): Promise<PublishLayerVersionCommandOutput> {
  return lambda.send(
    new PublishLayerVersionCommand({
      LayerName: name,
      Content: { ZipFile: zip },
      ...(extra.description === undefined ? {} : { Description: extra.description }),
      ...(extra.runtimes === undefined ? {} : { CompatibleRuntimes: extra.runtimes }),
    }),
  );
}

async function createWithLayers(
  lambda: LambdaClient,
  name: string,
  zip: Buffer,
  layers: string[],
  python = false,
): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: python ? "python3.11" : "nodejs20.x",
      Handler: python ? "lambda_function.lambda_handler" : "index.handler",
      Role: ROLE,
      Code: { ZipFile: zip },
      Timeout: 10,
      Layers: layers,
    }),
  );
}

beforeAll(async () => {
  [nimbus, plain] = await Promise.all([
    startNimbus({ config: { functions: { maxUnzippedBytes: MAX_UNZIPPED } } }),
    startNimbus({ config: { sandbox: { isolation: "process" } } }),
  ]);
  const health = nimbus.server.health() as {
    sandbox: { isolated: boolean };
    runtimes: { python: { version: string } | null };
  };
  isolated = health.sandbox.isolated;
  if (!isolated) console.warn("SKIPPING the read-only /opt test: bubblewrap is unavailable");
  const version = health.runtimes.python?.version.split(".").slice(0, 2).join(".") ?? "3.11";
  pythonDir = `python${version}`;
});

afterAll(async () => {
  await Promise.all([nimbus.stop(), plain.stop()]);
});

describe("layer versions through the Lambda API", () => {
  it("publishes numbered versions with their digest, size and a download location", async () => {
    const zip = await nodeLayer("hello");
    const v1 = await publish(nimbus.lambda, "api-layer", zip, {
      description: "first",
      runtimes: ["nodejs20.x"],
    });
    expect(v1).toMatchObject({
      LayerArn: `${LAYER_ARN}:api-layer`,
      LayerVersionArn: `${LAYER_ARN}:api-layer:1`,
      Version: 1,
      Description: "first",
      CompatibleRuntimes: ["nodejs20.x"],
      Content: { CodeSha256: createHash("sha256").update(zip).digest("base64"), CodeSize: zip.length },
    });
    expect(v1.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const download = await fetch(v1.Content?.Location ?? "");
    expect(Buffer.from(await download.arrayBuffer()).equals(zip)).toBe(true);
    const v2 = await publish(nimbus.lambda, "api-layer", await nodeLayer("hi"), { runtimes: ["python3.12"] });
    expect(v2.Version).toBe(2);
  });

  it("gets a version by name and by ARN, and lists layers and versions", async () => {
    const byName = await nimbus.lambda.send(
      new GetLayerVersionCommand({ LayerName: "api-layer", VersionNumber: 1 }),
    );
    expect(byName.Description).toBe("first");
    const byArn = await nimbus.lambda.send(
      new GetLayerVersionByArnCommand({ Arn: `${LAYER_ARN}:api-layer:2` }),
    );
    expect(byArn.Version).toBe(2);

    const listed = await nimbus.lambda.send(new ListLayersCommand({}));
    const entry = listed.Layers?.find((l) => l.LayerName === "api-layer");
    expect(entry).toMatchObject({
      LayerArn: `${LAYER_ARN}:api-layer`,
      LatestMatchingVersion: { LayerVersionArn: `${LAYER_ARN}:api-layer:2`, Version: 2 },
    });
    const node = await nimbus.lambda.send(new ListLayersCommand({ CompatibleRuntime: "nodejs20.x" }));
    expect(node.Layers?.find((l) => l.LayerName === "api-layer")?.LatestMatchingVersion?.Version).toBe(1);

    const versions = await nimbus.lambda.send(new ListLayerVersionsCommand({ LayerName: "api-layer" }));
    expect(versions.LayerVersions?.map((v) => v.Version)).toEqual([2, 1]);
    const pages: LayerVersionsListItem[][] = [];
    for await (const page of paginateListLayerVersions(
      { client: nimbus.lambda, pageSize: 1 },
      { LayerName: "api-layer" },
    )) {
      pages.push(page.LayerVersions ?? []);
    }
    expect(pages.map((p) => p.map((v) => v.Version))).toEqual([[2], [1]]);
  });

  it("deletes a version idempotently and never reuses its number", async () => {
    await publish(nimbus.lambda, "short-lived", await nodeLayer("x"));
    await nimbus.lambda.send(new DeleteLayerVersionCommand({ LayerName: "short-lived", VersionNumber: 1 }));
    await nimbus.lambda.send(new DeleteLayerVersionCommand({ LayerName: "short-lived", VersionNumber: 1 }));
    await expect(
      nimbus.lambda.send(new GetLayerVersionCommand({ LayerName: "short-lived", VersionNumber: 1 })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    expect((await publish(nimbus.lambda, "short-lived", await nodeLayer("y"))).Version).toBe(2);
  });

  it("grants, shows and revokes permissions on a layer version", async () => {
    const added = await nimbus.lambda.send(
      new AddLayerVersionPermissionCommand({
        LayerName: "api-layer",
        VersionNumber: 1,
        StatementId: "xaccount",
        Action: "lambda:GetLayerVersion",
        Principal: "210987654321",
      }),
    );
    expect(JSON.parse(added.Statement ?? "")).toEqual({
      Sid: "xaccount",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::210987654321:root" },
      Action: "lambda:GetLayerVersion",
      Resource: `${LAYER_ARN}:api-layer:1`,
    });
    await nimbus.lambda.send(
      new AddLayerVersionPermissionCommand({
        LayerName: "api-layer",
        VersionNumber: 1,
        StatementId: "everyone",
        Action: "lambda:GetLayerVersion",
        Principal: "*",
        RevisionId: added.RevisionId,
      }),
    );
    await expect(
      nimbus.lambda.send(
        new AddLayerVersionPermissionCommand({
          LayerName: "api-layer",
          VersionNumber: 1,
          StatementId: "xaccount",
          Action: "lambda:GetLayerVersion",
          Principal: "*",
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceConflictException" });
    const policy = await nimbus.lambda.send(
      new GetLayerVersionPolicyCommand({ LayerName: "api-layer", VersionNumber: 1 }),
    );
    const document = JSON.parse(policy.Policy ?? "") as { Version: string; Statement: { Sid: string }[] };
    expect(document.Version).toBe("2012-10-17");
    expect(document.Statement.map((s) => s.Sid)).toEqual(["xaccount", "everyone"]);
    for (const sid of ["xaccount", "everyone"]) {
      await nimbus.lambda.send(
        new RemoveLayerVersionPermissionCommand({
          LayerName: "api-layer",
          VersionNumber: 1,
          StatementId: sid,
        }),
      );
    }
    await expect(
      nimbus.lambda.send(new GetLayerVersionPolicyCommand({ LayerName: "api-layer", VersionNumber: 1 })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(
      nimbus.lambda.send(
        new AddLayerVersionPermissionCommand({
          LayerName: "api-layer",
          VersionNumber: 9,
          StatementId: "s",
          Action: "lambda:GetLayerVersion",
          Principal: "*",
        }),
      ),
    ).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: `Layer version ${LAYER_ARN}:api-layer:9 does not exist.`,
    });
  });
});

describe("layer API input errors", () => {
  it("answers bad input with AWS's exceptions", async () => {
    const zip = await nodeLayer("x");
    // Thunks: each call starts only when the previous one has been checked.
    const cases: [() => Promise<unknown>, string][] = [
      [() => publish(nimbus.lambda, "bad name", zip), "ValidationException"],
      [() => publish(nimbus.lambda, "ok", zip, { runtimes: ["cobol" as Runtime] }), "ValidationException"],
      [
        () =>
          nimbus.lambda.send(
            new PublishLayerVersionCommand({ LayerName: "s3", Content: { S3Bucket: "b", S3Key: "k" } }),
          ),
        "InvalidParameterValueException",
      ],
      [
        () => nimbus.lambda.send(new GetLayerVersionCommand({ LayerName: "api-layer", VersionNumber: 0 })),
        "InvalidParameterValueException",
      ],
      [
        () => nimbus.lambda.send(new GetLayerVersionByArnCommand({ Arn: `${LAYER_ARN}:api-layer` })),
        "ValidationException",
      ],
      [
        () =>
          nimbus.lambda.send(
            new AddLayerVersionPermissionCommand({
              LayerName: "api-layer",
              VersionNumber: 1,
              StatementId: "s",
              Action: "lambda:InvokeFunction",
              Principal: "*",
            }),
          ),
        "ValidationException",
      ],
    ];
    for (const [call, name] of cases) await expect(call()).rejects.toMatchObject({ name });
    const listed = await nimbus.lambda.send(new ListLayerVersionsCommand({ LayerName: "ok" }));
    expect(listed.LayerVersions).toEqual([]);
  });
});

describe("functions with layers", () => {
  it("runs a Node function that requires a module from its layer", async () => {
    const layer = await publish(nimbus.lambda, "node-greeter", await nodeLayer("hello"));
    await createWithLayers(nimbus.lambda, "layer-node", await nodeUser(), [layer.LayerVersionArn ?? ""]);
    const { out, json } = await invokeJson(nimbus.lambda, "layer-node");
    expect(out.FunctionError).toBeUndefined();
    expect(json).toEqual({ greeting: "hello nimbus" });
    const config = await nimbus.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: "layer-node" }),
    );
    expect(config.Layers).toEqual([{ Arn: layer.LayerVersionArn, CodeSize: layer.Content?.CodeSize }]);
  });

  it("runs a Python function that imports from python/ and from site-packages in its layers", async () => {
    const layer = await publish(nimbus.lambda, "py-greeter", await pythonLayer("hello"));
    const site = await publish(
      nimbus.lambda,
      "py-site",
      await zipFiles({ [`python/lib/${pythonDir}/site-packages/sitemod.py`]: "VALUE = 42\n" }),
    );
    const code = await zipFiles({
      "lambda_function.py": `import pyhello, sitemod\n\ndef lambda_handler(event, context):\n    return {"greeting": pyhello.greet("nimbus"), "value": sitemod.VALUE}\n`,
    });
    await createWithLayers(
      nimbus.lambda,
      "layer-python",
      code,
      [layer.LayerVersionArn ?? "", site.LayerVersionArn ?? ""],
      true,
    );
    const { out, json } = await invokeJson(nimbus.lambda, "layer-python");
    expect(out.FunctionError).toBeUndefined();
    expect(json).toEqual({ greeting: "hello nimbus", value: 42 });
  });

  it("unpacks layers in order, later layers overwriting earlier files", async () => {
    const first = await publish(nimbus.lambda, "order-first", await nodeLayer("first"));
    const second = await publish(nimbus.lambda, "order-second", await nodeLayer("second"));
    const arns = [first.LayerVersionArn ?? "", second.LayerVersionArn ?? ""];
    await createWithLayers(nimbus.lambda, "layer-order", await nodeUser(), arns);
    expect((await invokeJson(nimbus.lambda, "layer-order")).json).toEqual({ greeting: "second nimbus" });
    const updated = await nimbus.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "layer-order", Layers: [...arns].reverse() }),
    );
    expect(updated.Layers?.map((l) => l.Arn)).toEqual([...arns].reverse());
    expect((await invokeJson(nimbus.lambda, "layer-order")).json).toEqual({ greeting: "first nimbus" });
  });

  it("refuses more than 5 layers", async () => {
    const arns: string[] = [];
    for (let i = 1; i <= 6; i++) {
      arns.push((await publish(nimbus.lambda, `many-${i}`, await nodeLayer(`n${i}`))).LayerVersionArn ?? "");
    }
    await expect(createWithLayers(nimbus.lambda, "layer-many", await nodeUser(), arns)).rejects.toMatchObject(
      {
        name: "InvalidParameterValueException",
        message: "Cannot reference more than 5 layers.",
      },
    );
    await createWithLayers(nimbus.lambda, "layer-five", await nodeUser(), arns.slice(0, 5));
    expect((await invokeJson(nimbus.lambda, "layer-five")).json).toEqual({ greeting: "n5 nimbus" });
  });

  it("refuses a layer version that does not exist", async () => {
    const missing = `${LAYER_ARN}:no-such-layer:1`;
    await expect(
      createWithLayers(nimbus.lambda, "layer-missing", await nodeUser(), [missing]),
    ).rejects.toMatchObject({
      name: "InvalidParameterValueException",
      message: `Layer version ${missing} does not exist.`,
    });
    await expect(
      nimbus.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "layer-missing" })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("counts the layers with the code against the unzipped size limit", async () => {
    const big = await publish(
      nimbus.lambda,
      "big-layer",
      await zipFiles({ "data/blob.txt": "x".repeat(150_000) }),
    );
    const code = await zipFiles({
      "index.js": "exports.handler = async () => 1;",
      "pad.txt": "y".repeat(60_000),
    });
    const arn = big.LayerVersionArn ?? "";
    await expect(createWithLayers(nimbus.lambda, "layer-big", code, [arn])).rejects.toMatchObject({
      name: "InvalidParameterValueException",
      message: expect.stringContaining(
        `Function code combined with layers exceeds the maximum allowed size of ${MAX_UNZIPPED} bytes.`,
      ),
    });
    await createWithLayers(nimbus.lambda, "layer-big", code, []);
    await expect(
      nimbus.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: "layer-big", Layers: [arn] }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValueException" });
    await nimbus.lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: "layer-big",
        ZipFile: await zipFiles({ "index.js": "exports.handler = async () => 1;" }),
      }),
    );
    const withLayer = await nimbus.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "layer-big", Layers: [arn] }),
    );
    expect(withLayer.Layers).toHaveLength(1);
  });

  it("keeps /opt read-only under bubblewrap", async ({ skip }) => {
    if (!isolated) skip();
    const layer = await publish(nimbus.lambda, "ro-layer", await nodeLayer("ro"));
    const code = await zipFiles({
      "index.js": `const fs = require("node:fs");
const attempt = (path) => { try { fs.writeFileSync(path, "x"); return "written"; } catch (e) { return e.code; } };
exports.handler = async () => ({
  layerFile: attempt("/opt/nodejs/node_modules/greeter/index.js"),
  newFile: attempt("/opt/new.txt"),
  read: fs.readFileSync("/opt/nodejs/node_modules/greeter/index.js", "utf8").includes("ro"),
});`,
    });
    await createWithLayers(nimbus.lambda, "layer-ro", code, [layer.LayerVersionArn ?? ""]);
    const { json } = await invokeJson(nimbus.lambda, "layer-ro");
    expect(json).toEqual({ layerFile: "EROFS", newFile: "EROFS", read: true });
  });
});

describe("functions with layers as plain processes", () => {
  it("finds Node modules and Python imports in the merged layer folder", async () => {
    const node = await publish(plain.lambda, "plain-node", await nodeLayer("plain"));
    const py = await publish(plain.lambda, "plain-py", await pythonLayer("plain"));
    await createWithLayers(plain.lambda, "plain-node-fn", await nodeUser(), [node.LayerVersionArn ?? ""]);
    await createWithLayers(plain.lambda, "plain-py-fn", await pythonUser(), [py.LayerVersionArn ?? ""], true);
    expect((await invokeJson(plain.lambda, "plain-node-fn")).json).toEqual({ greeting: "plain nimbus" });
    expect((await invokeJson(plain.lambda, "plain-py-fn")).json).toEqual({ greeting: "plain nimbus" });
  });
});
