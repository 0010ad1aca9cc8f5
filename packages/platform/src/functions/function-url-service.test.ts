import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import yazl from "yazl";
import { ManualClock } from "../core/clock.js";
import { FsBlobStore } from "../storage/fs/fs-blob-store.js";
import { SqliteMetadataStore } from "../storage/sqlite/sqlite-metadata-store.js";
import { AliasService } from "./alias-service.js";
import { CodeStore } from "./code-store.js";
import { DEFAULT_FUNCTION_SETTINGS, FunctionService, type FunctionSettings } from "./function-service.js";
import { FunctionUrlService, functionUrlFor, randomUrlId } from "./function-url-service.js";

const SCOPE = { region: "us-east-1", accountId: "123456789012" };
const SETTINGS: FunctionSettings = {
  ...DEFAULT_FUNCTION_SETTINGS,
  runtime: "nodejs20.x",
  handler: "index.handler",
  role: "arn:aws:iam::123456789012:role/r",
};

let dir: string;
let store: SqliteMetadataStore;
let clock: ManualClock;
let functions: FunctionService;
let aliases: AliasService;
let urls: FunctionUrlService;
let zip: Buffer;

async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) archive.addBuffer(Buffer.from(text), name);
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function createFunction(name: string, publish = false): Promise<void> {
  await functions.create({ name, settings: SETTINGS, zip, publish, tags: {} });
}

/** Rejects with the AWS exception name and message the API would answer with. */
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
  dir = await mkdtemp(join(tmpdir(), "nimbus-urls-"));
  store = new SqliteMetadataStore(join(dir, "nimbus.db"));
  clock = new ManualClock(Date.UTC(2025, 0, 1));
  const code = new CodeStore(join(dir, "code"), new FsBlobStore(join(dir, "blobs")), {
    maxZipBytes: 52_428_800,
    maxUnzippedBytes: 262_144_000,
  });
  functions = new FunctionService(store, code, SCOPE, clock);
  aliases = new AliasService(store, functions);
  urls = new FunctionUrlService(store, functions, SCOPE, clock, pino({ enabled: false }));
  zip ??= await zipOf({ "index.js": "exports.handler = async () => 'ok';" });
  await createFunction("web");
});

afterEach(async () => {
  await urls.idle();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("FunctionUrlService.create", () => {
  it("gives the function a URL with a 32-character lowercase url-id", async () => {
    const config = await urls.create("web", undefined, { authType: "NONE" });
    expect(config.urlId).toMatch(/^[a-z0-9]{32}$/);
    expect(config).toMatchObject({ functionName: "web", authType: "NONE", invokeMode: "BUFFERED" });
    expect(config.qualifier).toBeUndefined();
    expect(config.createdAt).toBe(clock.now());
    expect(urls.functionArn(config)).toBe("arn:aws:lambda:us-east-1:123456789012:function:web");
  });

  it("accepts the function as an ARN", async () => {
    const config = await urls.create("arn:aws:lambda:us-east-1:123456789012:function:web", undefined, {
      authType: "AWS_IAM",
      cors: { allowOrigins: ["*"] },
    });
    expect(config).toMatchObject({ functionName: "web", authType: "AWS_IAM", cors: { allowOrigins: ["*"] } });
  });

  it("refuses a second URL for the same function with ResourceConflictException", async () => {
    await urls.create("web", undefined, { authType: "NONE" });
    expect(await failure(urls.create("web", undefined, { authType: "NONE" }))).toEqual({
      awsName: "ResourceConflictException",
      message:
        "Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:123456789012:function:web]. Error message:  FunctionUrlConfig exists for this Lambda function",
    });
  });

  it("refuses $LATEST and version numbers as the qualifier with ValidationException", async () => {
    const latest = await failure(urls.create("web", "$LATEST", { authType: "NONE" }));
    expect(latest.awsName).toBe("ValidationException");
    expect(latest.message).toContain("Value '$LATEST' at 'qualifier'");
    const version = await failure(urls.create("web:1", undefined, { authType: "NONE" }));
    expect(version.awsName).toBe("ValidationException");
    expect(version.message).toContain("Value '1' at 'qualifier'");
  });

  it("refuses a qualifier in the name that differs from the Qualifier parameter", async () => {
    const mismatch = await failure(urls.create("web:live", "prod", { authType: "NONE" }));
    expect(mismatch.awsName).toBe("InvalidParameterValueException");
  });

  it("refuses a missing function, and an alias that does not exist, with ResourceNotFoundException", async () => {
    expect(await failure(urls.create("nope", undefined, { authType: "NONE" }))).toEqual({
      awsName: "ResourceNotFoundException",
      message: "Function does not exist",
    });
    expect((await failure(urls.create("web", "live", { authType: "NONE" }))).awsName).toBe(
      "ResourceNotFoundException",
    );
  });

  it("gives an alias its own URL, answering for the qualified ARN", async () => {
    await functions.publishVersion("web", {});
    await aliases.create("web", "live", { functionVersion: "1" });
    const plain = await urls.create("web", undefined, { authType: "NONE" });
    const live = await urls.create("web", "live", { authType: "NONE" });
    expect(live.urlId).not.toBe(plain.urlId);
    expect(live.qualifier).toBe("live");
    expect(urls.functionArn(live)).toBe("arn:aws:lambda:us-east-1:123456789012:function:web:live");
  });
});

describe("FunctionUrlService.get, update, delete", () => {
  it("returns the configuration, and ResourceNotFoundException when there is none", async () => {
    const created = await urls.create("web", undefined, { authType: "NONE" });
    expect(await urls.get("web", undefined)).toEqual(created);
    expect(await failure(urls.get("web", "live"))).toEqual({
      awsName: "ResourceNotFoundException",
      message: "The resource you requested does not exist.",
    });
  });

  it("updates only the members given and moves LastModifiedTime", async () => {
    const created = await urls.create("web", undefined, { authType: "NONE", cors: { allowOrigins: ["*"] } });
    clock.advance(5000);
    const authOnly = await urls.update("web", undefined, { authType: "AWS_IAM" });
    expect(authOnly).toMatchObject({
      urlId: created.urlId,
      authType: "AWS_IAM",
      cors: { allowOrigins: ["*"] },
    });
    expect(authOnly.createdAt).toBe(created.createdAt);
    expect(authOnly.lastModifiedAt).toBe(created.createdAt + 5000);
    const corsOnly = await urls.update("web", undefined, { cors: { allowOrigins: ["https://a.test"] } });
    expect(corsOnly).toMatchObject({ authType: "AWS_IAM", cors: { allowOrigins: ["https://a.test"] } });
    expect(await urls.get("web", undefined)).toEqual(corsOnly);
  });

  it("refuses to update a URL that does not exist", async () => {
    expect((await failure(urls.update("web", undefined, { authType: "NONE" }))).awsName).toBe(
      "ResourceNotFoundException",
    );
  });

  it("deletes the URL: the url-id stops resolving and a new URL gets a new id", async () => {
    const created = await urls.create("web", undefined, { authType: "NONE" });
    await urls.delete("web", undefined);
    expect(await urls.byUrlId(created.urlId)).toBeUndefined();
    expect((await failure(urls.delete("web", undefined))).awsName).toBe("ResourceNotFoundException");
    const again = await urls.create("web", undefined, { authType: "NONE" });
    expect(again.urlId).not.toBe(created.urlId);
  });
});

describe("FunctionUrlService.list", () => {
  it("lists the function's URLs, unqualified first, a page at a time", async () => {
    await functions.publishVersion("web", {});
    await aliases.create("web", "live", { functionVersion: "1" });
    await aliases.create("web", "beta", { functionVersion: "1" });
    await urls.create("web", "live", { authType: "NONE" });
    await urls.create("web", undefined, { authType: "NONE" });
    await urls.create("web", "beta", { authType: "NONE" });
    await createFunction("webby");
    await urls.create("webby", undefined, { authType: "NONE" });

    const first = await urls.list("web", { limit: 2 });
    expect(first.items.map((c) => c.qualifier)).toEqual([undefined, "beta"]);
    expect(first.next).toBeDefined();
    const second = await urls.list("web", { after: first.next, limit: 2 });
    expect(second.items.map((c) => c.qualifier)).toEqual(["live"]);
    expect(second.next).toBeUndefined();
  });

  it("refuses a function that does not exist", async () => {
    expect((await failure(urls.list("nope", { limit: 50 }))).awsName).toBe("ResourceNotFoundException");
  });
});

describe("FunctionUrlService.byUrlId", () => {
  it("finds a URL by its id and ignores unknown or malformed ids", async () => {
    const created = await urls.create("web", undefined, { authType: "NONE" });
    expect(await urls.byUrlId(created.urlId)).toEqual(created);
    expect(await urls.byUrlId(randomUrlId())).toBeUndefined();
    expect(await urls.byUrlId("../../etc")).toBeUndefined();
  });

  it("forgets the URLs of a deleted function; a function created again under its name starts without", async () => {
    const created = await urls.create("web", undefined, { authType: "NONE" });
    await functions.delete("web", undefined);
    expect(await urls.byUrlId(created.urlId)).toBeUndefined();
    await urls.idle();
    expect(await store.list("function-url")).toEqual({ items: [] });
    expect(await store.list("function-url-ref")).toEqual({ items: [] });
    await createFunction("web");
    expect((await failure(urls.get("web", undefined))).awsName).toBe("ResourceNotFoundException");
  });

  it("forgets the URL of an alias that was deleted", async () => {
    await functions.publishVersion("web", {});
    await aliases.create("web", "live", { functionVersion: "1" });
    const live = await urls.create("web", "live", { authType: "NONE" });
    await aliases.delete("web", "live");
    expect(await urls.byUrlId(live.urlId)).toBeUndefined();
    await urls.idle();
    expect(await store.get("function-url", live.urlId)).toBeUndefined();
  });
});

describe("url ids and URLs", () => {
  it("draws ids from a-z0-9 only, 32 characters long, without repeats in practice", () => {
    const ids = new Set(Array.from({ length: 200 }, () => randomUrlId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{32}$/);
  });

  it("builds the host-form URL on the caller's port", () => {
    expect(functionUrlFor("x".repeat(32), "eu-west-1", "4566")).toBe(
      `http://${"x".repeat(32)}.lambda-url.eu-west-1.localhost:4566/`,
    );
    expect(functionUrlFor("x".repeat(32), "eu-west-1", undefined)).toBe(
      `http://${"x".repeat(32)}.lambda-url.eu-west-1.localhost/`,
    );
  });
});
