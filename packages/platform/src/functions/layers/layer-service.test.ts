import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import yazl from "yazl";
import { ManualClock } from "../../core/clock.js";
import { FsBlobStore } from "../../storage/fs/fs-blob-store.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { CodeStore } from "../code-store.js";
import type { LayerStatement } from "./layer-model.js";
import { LayerService, type PublishLayerInput } from "./layer-service.js";

const SCOPE = { region: "us-east-1", accountId: "123456789012" };
const ARN = "arn:aws:lambda:us-east-1:123456789012:layer";

let dir: string;
let store: SqliteMetadataStore;
let clock: ManualClock;
let code: CodeStore;
let layers: LayerService;

async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) archive.addBuffer(Buffer.from(text), name);
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function input(extra: Partial<PublishLayerInput> = {}): Promise<PublishLayerInput> {
  return {
    zip: await zipOf({ "nodejs/node_modules/lib/index.js": "module.exports = 1;" }),
    description: "",
    licenseInfo: undefined,
    compatibleRuntimes: [],
    compatibleArchitectures: [],
    ...extra,
  };
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

const statement = (sid: string): LayerStatement => ({
  sid,
  action: "lambda:GetLayerVersion",
  principal: "*",
  organizationId: undefined,
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nimbus-layers-"));
  store = new SqliteMetadataStore(join(dir, "nimbus.db"));
  clock = new ManualClock(Date.UTC(2025, 0, 1));
  code = new CodeStore(join(dir, "code"), new FsBlobStore(join(dir, "blobs")), {
    maxZipBytes: 52_428_800,
    maxUnzippedBytes: 262_144_000,
  });
  layers = new LayerService(store, code, SCOPE, clock);
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("LayerService.publish", () => {
  it("numbers versions from 1 and never hands out a deleted number again", async () => {
    expect((await layers.publish("lib", await input())).version).toBe(1);
    expect((await layers.publish("lib", await input())).version).toBe(2);
    await layers.delete("lib", 2);
    expect((await layers.publish("lib", await input())).version).toBe(3);
    expect((await layers.publish("other", await input())).version).toBe(1);
  });

  it("keeps the archive in the code store, unpacked once, with AWS's digest and sizes", async () => {
    const zip = (await input()).zip;
    const v1 = await layers.publish("lib", await input({ zip }));
    const v2 = await layers.publish("lib", await input({ zip }));
    expect(v2.codeKey).toBe(v1.codeKey);
    expect(v1.codeSizeBytes).toBe(zip.length);
    expect(v1.codeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(v1.unzippedSizeBytes).toBe("module.exports = 1;".length);
    expect(existsSync(join(code.codeDir(v1.codeKey), "nodejs/node_modules/lib/index.js"))).toBe(true);
  });

  it("records the publish time and the given settings", async () => {
    clock.advance(1234);
    const v = await layers.publish(
      "lib",
      await input({
        description: "d",
        licenseInfo: "MIT",
        compatibleRuntimes: ["nodejs20.x"],
        compatibleArchitectures: ["arm64"],
      }),
    );
    expect(v).toMatchObject({
      name: "lib",
      description: "d",
      licenseInfo: "MIT",
      compatibleRuntimes: ["nodejs20.x"],
      compatibleArchitectures: ["arm64"],
      createdAt: Date.UTC(2025, 0, 1) + 1234,
      policy: undefined,
    });
  });

  it("accepts the layer ARN as name and refuses another account's", async () => {
    expect((await layers.publish(`${ARN}:lib`, await input())).name).toBe("lib");
    const other = await failure(
      layers.publish("arn:aws:lambda:us-east-1:999999999999:layer:lib", await input()),
    );
    expect(other.awsName).toBe("InvalidParameterValueException");
  });

  it("refuses an archive that is not a zip and keeps no version", async () => {
    const bad = await failure(layers.publish("lib", await input({ zip: Buffer.from("not a zip") })));
    expect(bad.awsName).toBe("InvalidParameterValueException");
    expect(await layers.listVersions("lib", {})).toEqual([]);
  });
});

describe("LayerService reads", () => {
  it("gets a version by name, layer ARN and version ARN", async () => {
    await layers.publish("lib", await input());
    expect((await layers.get("lib", 1)).version).toBe(1);
    expect((await layers.get(`${ARN}:lib`, 1)).version).toBe(1);
    expect((await layers.getByArn(`${ARN}:lib:1`)).name).toBe("lib");
  });

  it("answers ResourceNotFoundException for a missing version or another account's", async () => {
    await layers.publish("lib", await input());
    for (const call of [
      layers.get("lib", 2),
      layers.get("nope", 1),
      layers.getByArn("arn:aws:lambda:us-east-1:999999999999:layer:lib:1"),
      layers.getByArn("arn:aws:lambda:eu-west-1:123456789012:layer:lib:1"),
    ]) {
      expect(await failure(call)).toEqual({
        awsName: "ResourceNotFoundException",
        message: "The resource you requested does not exist.",
      });
    }
  });

  it("refuses version numbers below 1", async () => {
    expect(await failure(layers.get("lib", 0))).toEqual({
      awsName: "InvalidParameterValueException",
      message: "Layer Version Cannot be less than 1",
    });
  });

  it("lists a layer's versions newest first, filtered by runtime and architecture", async () => {
    await layers.publish("lib", await input({ compatibleRuntimes: ["nodejs20.x"] }));
    await layers.publish(
      "lib",
      await input({ compatibleRuntimes: ["python3.12"], compatibleArchitectures: ["arm64"] }),
    );
    await layers.publish("lib", await input({ compatibleRuntimes: ["nodejs20.x", "python3.12"] }));
    await layers.publish("library", await input());
    const versions = (filter: { runtime?: string; architecture?: string }) =>
      layers.listVersions("lib", filter).then((all) => all.map((v) => v.version));
    expect(await versions({})).toEqual([3, 2, 1]);
    expect(await versions({ runtime: "nodejs20.x" })).toEqual([3, 1]);
    expect(await versions({ runtime: "python3.12", architecture: "arm64" })).toEqual([2]);
    expect(await layers.listVersions("missing", {})).toEqual([]);
  });

  it("lists each layer once, by name, with its newest matching version", async () => {
    await layers.publish("b", await input({ compatibleRuntimes: ["nodejs20.x"] }));
    await layers.publish("b", await input({ compatibleRuntimes: ["python3.12"] }));
    await layers.publish("a", await input({ compatibleRuntimes: ["python3.12"] }));
    const all = await layers.listLayers({});
    expect(all.map((l) => [l.name, l.latest.version])).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    const node = await layers.listLayers({ runtime: "nodejs20.x" });
    expect(node.map((l) => [l.name, l.latest.version])).toEqual([["b", 1]]);
  });

  it("deletes idempotently", async () => {
    await layers.publish("lib", await input());
    await layers.delete("lib", 1);
    await layers.delete("lib", 1);
    await layers.delete("never", 7);
    expect(await layers.listLayers({})).toEqual([]);
  });
});

describe("LayerService permissions", () => {
  beforeEach(async () => {
    await layers.publish("lib", await input());
  });

  it("adds statements, each with a new policy revision, and reads them back in order", async () => {
    const first = await layers.addPermission("lib", 1, statement("a"), undefined);
    const second = await layers.addPermission(
      "lib",
      1,
      { ...statement("b"), principal: "210987654321" },
      first.revisionId,
    );
    expect(second.revisionId).not.toBe(first.revisionId);
    const policy = await layers.getPolicy("lib", 1);
    expect(policy.revisionId).toBe(second.revisionId);
    expect(policy.statements.map((s) => [s.sid, s.principal])).toEqual([
      ["a", "*"],
      ["b", "210987654321"],
    ]);
  });

  it("refuses a statement id twice and a stale revision id", async () => {
    const { revisionId } = await layers.addPermission("lib", 1, statement("a"), undefined);
    expect(await failure(layers.addPermission("lib", 1, statement("a"), undefined))).toEqual({
      awsName: "ResourceConflictException",
      message:
        "The statement id (a) provided already exists. Please provide a new statement id, or remove the existing statement.",
    });
    const stale = await failure(layers.addPermission("lib", 1, statement("b"), "not-the-revision"));
    expect(stale.awsName).toBe("PreconditionFailedException");
    await layers.addPermission("lib", 1, statement("b"), revisionId);
  });

  it("removes statements; without any the version has no policy", async () => {
    await layers.addPermission("lib", 1, statement("a"), undefined);
    await layers.addPermission("lib", 1, statement("b"), undefined);
    await layers.removePermission("lib", 1, "a", undefined);
    expect((await layers.getPolicy("lib", 1)).statements.map((s) => s.sid)).toEqual(["b"]);
    expect(await failure(layers.removePermission("lib", 1, "a", undefined))).toEqual({
      awsName: "ResourceNotFoundException",
      message: "Statement a is not found in resource policy.",
    });
    await layers.removePermission("lib", 1, "b", undefined);
    expect(await failure(layers.getPolicy("lib", 1))).toEqual({
      awsName: "ResourceNotFoundException",
      message: "No policy is associated with the given resource.",
    });
  });

  it("names the missing layer version in policy operations", async () => {
    expect(await failure(layers.addPermission("lib", 2, statement("a"), undefined))).toEqual({
      awsName: "ResourceNotFoundException",
      message: `Layer version ${ARN}:lib:2 does not exist.`,
    });
    expect((await failure(layers.getPolicy("nope", 1))).message).toBe(
      `Layer version ${ARN}:nope:1 does not exist.`,
    );
  });
});
