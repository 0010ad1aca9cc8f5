import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import yazl from "yazl";
import { toWireError } from "../aws/aws-errors.js";
import type { AwsRequest } from "../aws/http-types.js";
import { RestRouter } from "../aws/rest-router.js";
import { ManualClock } from "../core/clock.js";
import { FsBlobStore } from "../storage/fs/fs-blob-store.js";
import { SqliteMetadataStore } from "../storage/sqlite/sqlite-metadata-store.js";
import { AliasService } from "./alias-service.js";
import { CodeStore } from "./code-store.js";
import { DEFAULT_FUNCTION_SETTINGS, FunctionService } from "./function-service.js";
import { addFunctionUrlRoutes } from "./function-url-api.js";
import { FunctionUrlService } from "./function-url-service.js";

const SCOPE = { region: "us-east-1", accountId: "123456789012" };

let dir: string;
let store: SqliteMetadataStore;
let clock: ManualClock;
let functions: FunctionService;
let urls: FunctionUrlService;
let router: RestRouter;

interface Answer {
  status: number;
  json: Record<string, unknown>;
  errorType: string | undefined;
}

/** Sends one request through the routes, mapping errors the way the front door does. */
async function send(method: string, path: string, body?: unknown): Promise<Answer> {
  const q = path.indexOf("?");
  const rawPath = q === -1 ? path : path.slice(0, q);
  const rawQuery = q === -1 ? "" : path.slice(q + 1);
  const req: AwsRequest = {
    requestId: "r",
    method,
    rawPath,
    query: new URLSearchParams(rawQuery),
    rawQuery,
    headers: { host: "127.0.0.1:4566" },
    body: body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body)),
    hostname: "127.0.0.1",
    origin: "http://127.0.0.1:4566",
    caller: { accessKeyId: "test", signingService: "lambda", region: "us-east-1", accountId: "123456789012" },
  };
  const match = router.match(method, rawPath);
  if (!match) throw new Error(`no route for ${method} ${rawPath}`);
  try {
    const result = await match.handler(req, match.params);
    const text = result.body === undefined ? "" : result.body.toString();
    return { status: result.status, json: text ? JSON.parse(text) : {}, errorType: undefined };
  } catch (error) {
    const wire = toWireError(error);
    return { status: wire.status, json: { message: wire.message }, errorType: wire.name };
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nimbus-url-api-"));
  store = new SqliteMetadataStore(join(dir, "nimbus.db"));
  clock = new ManualClock(Date.UTC(2025, 0, 1, 12, 0, 0));
  const code = new CodeStore(join(dir, "code"), new FsBlobStore(join(dir, "blobs")), {
    maxZipBytes: 52_428_800,
    maxUnzippedBytes: 262_144_000,
  });
  functions = new FunctionService(store, code, SCOPE, clock);
  urls = new FunctionUrlService(store, functions, SCOPE, clock, pino({ enabled: false }));
  router = new RestRouter();
  addFunctionUrlRoutes(router, { urls, region: SCOPE.region });
  const archive = new yazl.ZipFile();
  archive.addBuffer(Buffer.from("exports.handler = async () => 1;"), "index.js");
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  await functions.create({
    name: "web",
    settings: {
      ...DEFAULT_FUNCTION_SETTINGS,
      runtime: "nodejs20.x",
      handler: "index.handler",
      role: "arn:aws:iam::123456789012:role/r",
    },
    zip: Buffer.concat(chunks),
    publish: false,
    tags: {},
  });
});

afterEach(async () => {
  await urls.idle();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("CreateFunctionUrlConfig", () => {
  it("answers 201 with the host-form URL on the caller's port and no LastModifiedTime", async () => {
    const answer = await send("POST", "/2021-10-31/functions/web/url", {
      AuthType: "NONE",
      Cors: { AllowOrigins: ["*"], AllowMethods: ["GET"], MaxAge: 60, AllowCredentials: false },
    });
    expect(answer.status).toBe(201);
    expect(answer.json.FunctionUrl).toMatch(
      /^http:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:4566\/$/,
    );
    expect(answer.json).toMatchObject({
      FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:web",
      AuthType: "NONE",
      Cors: { AllowOrigins: ["*"], AllowMethods: ["GET"], MaxAge: 60, AllowCredentials: false },
      CreationTime: "2025-01-01T12:00:00.000Z",
    });
    expect(answer.json.LastModifiedTime).toBeUndefined();
    expect(answer.json.InvokeMode).toBeUndefined();
  });

  it("echoes InvokeMode BUFFERED when it was given", async () => {
    const answer = await send("POST", "/2021-10-31/functions/web/url", {
      AuthType: "NONE",
      InvokeMode: "BUFFERED",
    });
    expect(answer.json.InvokeMode).toBe("BUFFERED");
  });

  it("refuses RESPONSE_STREAM by name", async () => {
    const answer = await send("POST", "/2021-10-31/functions/web/url", {
      AuthType: "NONE",
      InvokeMode: "RESPONSE_STREAM",
    });
    expect(answer.status).toBe(400);
    expect(answer.errorType).toBe("InvalidParameterValueException");
    expect(answer.json.message).toContain("RESPONSE_STREAM");
  });

  it("requires AuthType and checks its values", async () => {
    const missing = await send("POST", "/2021-10-31/functions/web/url", {});
    expect(missing.errorType).toBe("ValidationException");
    expect(missing.json.message).toContain(
      "'authType' failed to satisfy constraint: Member must not be null",
    );
    const wrong = await send("POST", "/2021-10-31/functions/web/url", { AuthType: "OPEN" });
    expect(wrong.errorType).toBe("ValidationException");
    expect(wrong.json.message).toContain("[NONE, AWS_IAM]");
  });

  it("reports every Cors constraint failure in one ValidationException", async () => {
    const answer = await send("POST", "/2021-10-31/functions/web/url", {
      AuthType: "NONE",
      Cors: {
        AllowMethods: ["GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"],
        AllowOrigins: ["x".repeat(254)],
        MaxAge: 86401,
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.errorType).toBe("ValidationException");
    const message = String(answer.json.message);
    expect(message).toMatch(/^3 validation errors detected/);
    expect(message).toContain("at 'cors.allowMethods' failed to satisfy constraint");
    expect(message).toContain("at 'cors.allowOrigins' failed to satisfy constraint");
    expect(message).toContain("Value '86401' at 'cors.maxAge'");
  });

  it("accepts MaxAge 0 and 86400", async () => {
    expect(
      (await send("POST", "/2021-10-31/functions/web/url", { AuthType: "NONE", Cors: { MaxAge: 0 } })).status,
    ).toBe(201);
    await send("DELETE", "/2021-10-31/functions/web/url");
    expect(
      (await send("POST", "/2021-10-31/functions/web/url", { AuthType: "NONE", Cors: { MaxAge: 86400 } }))
        .status,
    ).toBe(201);
  });

  it("refuses a Cors member of the wrong type with SerializationException", async () => {
    const answer = await send("POST", "/2021-10-31/functions/web/url", {
      AuthType: "NONE",
      Cors: { AllowOrigins: "*" },
    });
    expect(answer.errorType).toBe("SerializationException");
  });

  it("answers ResourceConflictException for a second URL", async () => {
    await send("POST", "/2021-10-31/functions/web/url", { AuthType: "NONE" });
    const again = await send("POST", "/2021-10-31/functions/web/url", { AuthType: "NONE" });
    expect(again.status).toBe(409);
    expect(again.errorType).toBe("ResourceConflictException");
  });

  it("answers ValidationException for a $LATEST qualifier", async () => {
    const answer = await send("POST", "/2021-10-31/functions/web/url?Qualifier=%24LATEST", {
      AuthType: "NONE",
    });
    expect(answer.errorType).toBe("ValidationException");
  });
});

describe("Get, Update, Delete and ListFunctionUrlConfigs", () => {
  it("gets the configuration with LastModifiedTime and InvokeMode", async () => {
    const created = await send("POST", "/2021-10-31/functions/web/url", { AuthType: "AWS_IAM" });
    const got = await send("GET", "/2021-10-31/functions/web/url");
    expect(got.status).toBe(200);
    expect(got.json).toEqual({
      FunctionUrl: created.json.FunctionUrl,
      FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:web",
      AuthType: "AWS_IAM",
      CreationTime: "2025-01-01T12:00:00.000Z",
      LastModifiedTime: "2025-01-01T12:00:00.000Z",
      InvokeMode: "BUFFERED",
    });
  });

  it("updates AuthType and Cors and reports the new LastModifiedTime", async () => {
    await send("POST", "/2021-10-31/functions/web/url", { AuthType: "NONE" });
    clock.advance(60_000);
    const updated = await send("PUT", "/2021-10-31/functions/web/url", {
      AuthType: "AWS_IAM",
      Cors: { AllowOrigins: ["https://a.test"] },
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({
      AuthType: "AWS_IAM",
      Cors: { AllowOrigins: ["https://a.test"] },
      CreationTime: "2025-01-01T12:00:00.000Z",
      LastModifiedTime: "2025-01-01T12:01:00.000Z",
    });
  });

  it("deletes with 204, then answers ResourceNotFoundException", async () => {
    await send("POST", "/2021-10-31/functions/web/url", { AuthType: "NONE" });
    expect((await send("DELETE", "/2021-10-31/functions/web/url")).status).toBe(204);
    const gone = await send("GET", "/2021-10-31/functions/web/url");
    expect(gone.status).toBe(404);
    expect(gone.errorType).toBe("ResourceNotFoundException");
  });

  it("lists the URLs with Marker and MaxItems, omitting NextMarker on the last page", async () => {
    await functions.publishVersion("web", {});
    await new AliasService(store, functions).create("web", "live", { functionVersion: "1" });
    await send("POST", "/2021-10-31/functions/web/url", { AuthType: "NONE" });
    await send("POST", "/2021-10-31/functions/web/url?Qualifier=live", { AuthType: "AWS_IAM" });
    const first = await send("GET", "/2021-10-31/functions/web/urls?MaxItems=1");
    expect(first.json.FunctionUrlConfigs).toEqual([
      expect.objectContaining({ FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:web" }),
    ]);
    expect(typeof first.json.NextMarker).toBe("string");
    const second = await send(
      "GET",
      `/2021-10-31/functions/web/urls?MaxItems=1&Marker=${String(first.json.NextMarker)}`,
    );
    expect(second.json.FunctionUrlConfigs).toEqual([
      expect.objectContaining({
        FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:web:live",
        AuthType: "AWS_IAM",
        InvokeMode: "BUFFERED",
      }),
    ]);
    expect("NextMarker" in second.json).toBe(false);
  });

  it("refuses MaxItems outside 1-50 with ValidationException", async () => {
    expect((await send("GET", "/2021-10-31/functions/web/urls?MaxItems=51")).errorType).toBe(
      "ValidationException",
    );
    expect((await send("GET", "/2021-10-31/functions/web/urls?MaxItems=0")).errorType).toBe(
      "ValidationException",
    );
  });

  it("refuses a malformed function name with ValidationException", async () => {
    expect((await send("GET", "/2021-10-31/functions/bad%20name/url")).errorType).toBe("ValidationException");
  });
});
