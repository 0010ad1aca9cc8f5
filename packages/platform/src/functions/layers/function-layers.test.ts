import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import yazl from "yazl";
import { ManualClock } from "../../core/clock.js";
import { FsBlobStore } from "../../storage/fs/fs-blob-store.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { CodeStore } from "../code-store.js";
import { type FunctionRecord, KIND_FUNCTION, layersOf } from "../function-model.js";
import { DEFAULT_FUNCTION_SETTINGS, FunctionService, type FunctionSettings } from "../function-service.js";
import { toFunctionConfiguration } from "../wire-shapes.js";
import { LayerService } from "./layer-service.js";

const SCOPE = { region: "us-east-1", accountId: "123456789012" };
const ARN = "arn:aws:lambda:us-east-1:123456789012:layer";
const LIMIT = 1000;
const SETTINGS: FunctionSettings = {
  ...DEFAULT_FUNCTION_SETTINGS,
  runtime: "nodejs20.x",
  handler: "index.handler",
  role: "arn:aws:iam::123456789012:role/r",
};

let dir: string;
let store: SqliteMetadataStore;
let functions: FunctionService;
let layers: LayerService;

async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) archive.addBuffer(Buffer.from(text), name);
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A zip that unpacks to exactly `bytes` bytes. */
const sized = (bytes: number, name = "f.txt") => zipOf({ [name]: "x".repeat(bytes) });

async function publish(name: string, bytes: number): Promise<string> {
  const v = await layers.publish(name, {
    zip: await sized(bytes, `${name}.txt`),
    description: "",
    licenseInfo: undefined,
    compatibleRuntimes: [],
    compatibleArchitectures: [],
  });
  return layers.versionArn(v.name, v.version);
}

async function create(name: string, layerArns: string[], codeBytes = 10) {
  return functions.create({
    name,
    settings: { ...SETTINGS, layers: layerArns },
    zip: await sized(codeBytes),
    publish: false,
    tags: {},
  });
}

async function failure(promise: Promise<unknown>): Promise<{ awsName: string | undefined; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e as { awsName: string | undefined; message: string },
  );
  return { awsName: error.awsName, message: error.message };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nimbus-fn-layers-"));
  store = new SqliteMetadataStore(join(dir, "nimbus.db"));
  const clock = new ManualClock();
  const code = new CodeStore(join(dir, "code"), new FsBlobStore(join(dir, "blobs")), {
    maxZipBytes: 52_428_800,
    maxUnzippedBytes: LIMIT,
  });
  functions = new FunctionService(store, code, SCOPE, clock, Math.random, { maxUnzippedBytes: LIMIT });
  layers = new LayerService(store, code, SCOPE, clock);
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("functions with layers", () => {
  it("keeps the layers in the given order with their sizes and archives", async () => {
    const b = await publish("b", 20);
    const a = await publish("a", 30);
    const config = await create("fn", [b, a]);
    expect(layersOf(config).map((l) => [l.arn, l.unzippedSizeBytes])).toEqual([
      [`${ARN}:b:1`, 20],
      [`${ARN}:a:1`, 30],
    ]);
    const wire = toFunctionConfiguration(config, "arn");
    expect(wire.Layers).toEqual(layersOf(config).map((l) => ({ Arn: l.arn, CodeSize: l.codeSizeBytes })));
  });

  it("refuses more than 5 layers", async () => {
    const arns = [];
    for (const name of ["l1", "l2", "l3", "l4", "l5", "l6"]) arns.push(await publish(name, 1));
    expect(await failure(create("fn", arns))).toEqual({
      awsName: "InvalidParameterValueException",
      message: "Cannot reference more than 5 layers.",
    });
    expect(layersOf(await create("fn", arns.slice(0, 5)))).toHaveLength(5);
  });

  it("refuses a layer version that does not exist, here or in another account", async () => {
    await publish("lib", 1);
    for (const arn of [
      `${ARN}:lib:2`,
      `${ARN}:nope:1`,
      "arn:aws:lambda:us-east-1:999999999999:layer:lib:1",
    ]) {
      expect(await failure(create("fn", [arn]))).toEqual({
        awsName: "InvalidParameterValueException",
        message: `Layer version ${arn} does not exist.`,
      });
    }
    expect((await failure(create("fn", ["arn:aws:lambda:eu-west-1:123456789012:layer:lib:1"]))).message).toBe(
      "Layers are not in the same region as the function. Layers are expected to be in region us-east-1.",
    );
    expect(await failure(functions.getConfig("fn"))).toMatchObject({ awsName: "ResourceNotFoundException" });
  });

  it("refuses two versions of one layer", async () => {
    const v1 = await publish("lib", 1);
    const v2 = await publish("lib", 1);
    expect((await failure(create("fn", [v1, v2]))).message).toBe(
      `Two different versions of the same layer are not allowed to be referenced in the same function. ${v1} and ${v2} are versions of the same layer.`,
    );
  });

  it("counts the code and all layers against the unzipped limit on create", async () => {
    const a = await publish("a", 400);
    const b = await publish("b", 400);
    expect(await failure(create("fn", [a, b], 201))).toEqual({
      awsName: "InvalidParameterValueException",
      message: `Function code combined with layers exceeds the maximum allowed size of ${LIMIT} bytes. The actual size is 1001 bytes.`,
    });
    expect(layersOf(await create("fn", [a, b], 200))).toHaveLength(2);
  });

  it("counts the layers when the code or the layer list changes", async () => {
    const a = await publish("a", 600);
    const b = await publish("b", 301);
    await create("fn", [a], 100);
    const code = await failure(functions.updateCode("fn", await sized(401), { publish: false }));
    expect(code.message).toContain("The actual size is 1001 bytes.");
    const config = await failure(functions.updateConfiguration("fn", { layers: [a, b] }, undefined));
    expect(config.message).toContain("The actual size is 1001 bytes.");
    await functions.updateCode("fn", await sized(400), { publish: false });
    expect(layersOf(await functions.getConfig("fn")).map((l) => l.arn)).toEqual([a]);
  });

  it("replaces the layer list on update, [] removing every layer, and publishes it with the version", async () => {
    const a = await publish("a", 1);
    const b = await publish("b", 1);
    await create("fn", [a]);
    const before = (await functions.getConfig("fn")).revisionId;
    const updated = await functions.updateConfiguration("fn", { layers: [b, a] }, undefined);
    expect(layersOf(updated).map((l) => l.arn)).toEqual([b, a]);
    expect(updated.revisionId).not.toBe(before);
    const v1 = await functions.publishVersion("fn", {});
    expect(layersOf(v1).map((l) => l.arn)).toEqual([b, a]);
    const cleared = await functions.updateConfiguration("fn", { layers: [] }, undefined);
    expect(layersOf(cleared)).toEqual([]);
    expect(toFunctionConfiguration(cleared, "arn").Layers).toBeUndefined();
    expect(layersOf(await functions.getConfig("fn", "1")).map((l) => l.arn)).toEqual([b, a]);
  });

  it("keeps a deleted layer version's content for the functions that use it", async () => {
    const a = await publish("a", 5);
    await create("fn", [a]);
    await layers.delete("a", 1);
    expect(layersOf(await functions.getConfig("fn")).map((l) => l.arn)).toEqual([a]);
    expect(await failure(create("fn2", [a]))).toMatchObject({
      message: `Layer version ${a} does not exist.`,
    });
  });

  it("reads a function stored before layers existed as having none", async () => {
    const config = await create("fn", []);
    const { layers: _dropped, ...old } = config;
    const record: FunctionRecord = { latest: old, createdAt: 0, tags: {}, lastVersion: 0 };
    const doc = await store.get(KIND_FUNCTION, "fn");
    await store.write([
      { op: "put", kind: KIND_FUNCTION, key: "fn", value: record, expectRevision: doc?.revision ?? 0 },
    ]);
    const read = await functions.getConfig("fn");
    expect("layers" in read).toBe(false);
    expect(layersOf(read)).toEqual([]);
    expect(toFunctionConfiguration(read, "arn").Layers).toBeUndefined();
    const a = await publish("a", 1);
    expect(layersOf(await functions.updateConfiguration("fn", { layers: [a] }, undefined))).toHaveLength(1);
  });
});
