import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import {
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ListFunctionUrlConfigsCommand,
  UpdateFunctionUrlConfigCommand,
} from "@aws-sdk/client-lambda";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Call {
  method?: string;
  /** Path and query as sent. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** One HTTP request to 127.0.0.1:port with the Host header as given (fetch would not send it). */
function call(port: number, options: Call): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "GET",
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The url-id of a FunctionUrl (`http://<url-id>.lambda-url.<region>.localhost:<port>/`). */
const urlIdOf = (functionUrl: string | undefined) => new URL(functionUrl ?? "").hostname.split(".")[0] ?? "";

/** Signs a request for a function URL the way an AWS SDK does (SigV4, service lambda). */
async function signed(
  options: { host: string; path: string; query?: Record<string, string>; method?: string; body?: string },
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: "lambda", region: "us-east-1", credentials, sha256: Sha256 });
  const [hostname = "", port] = options.host.split(":");
  const request = await signer.sign({
    method: options.method ?? "GET",
    protocol: "http:",
    hostname,
    ...(port ? { port: Number(port) } : {}),
    path: options.path,
    query: options.query ?? {},
    headers: { host: options.host, ...(options.body ? { "content-type": "application/json" } : {}) },
    ...(options.body ? { body: options.body } : {}),
  });
  return request.headers;
}

let nimbus: TestNimbus;
let port: number;
const ids: Record<string, string> = {};

const hostOf = (name: string) => `${ids[name]}.lambda-url.us-east-1.localhost:${port}`;

beforeAll(async () => {
  nimbus = await startNimbus();
  port = nimbus.server.port;
  await Promise.all([
    createFixtureFunction(nimbus.lambda, "url-echo", "node/url-echo"),
    createFixtureFunction(nimbus.lambda, "url-response", "node/url-response"),
    createFixtureFunction(nimbus.lambda, "url-plain", "node/url-plain"),
    createFixtureFunction(nimbus.lambda, "url-iam", "node/url-echo"),
  ]);
  for (const name of ["url-echo", "url-response", "url-plain"]) {
    const out = await nimbus.lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE" }),
    );
    ids[name] = urlIdOf(out.FunctionUrl);
  }
  const iam = await nimbus.lambda.send(
    new CreateFunctionUrlConfigCommand({ FunctionName: "url-iam", AuthType: "AWS_IAM" }),
  );
  ids["url-iam"] = urlIdOf(iam.FunctionUrl);
});

afterAll(async () => {
  await nimbus.stop();
});

describe("function URL control plane (AWS SDK)", () => {
  it("creates, reads, updates, lists and deletes a URL configuration", async () => {
    await createFixtureFunction(nimbus.lambda, "url-crud", "node/url-plain");
    const created = await nimbus.lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: "url-crud",
        AuthType: "NONE",
        Cors: { AllowOrigins: ["https://app.test"], AllowMethods: ["GET"], MaxAge: 60 },
      }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created.FunctionUrl).toMatch(
      new RegExp(`^http://[a-z0-9]{32}\\.lambda-url\\.us-east-1\\.localhost:${port}/$`),
    );
    expect(created.FunctionArn).toBe("arn:aws:lambda:us-east-1:000000000000:function:url-crud");
    expect(created.Cors).toEqual({ AllowOrigins: ["https://app.test"], AllowMethods: ["GET"], MaxAge: 60 });
    expect(Number.isNaN(Date.parse(created.CreationTime ?? ""))).toBe(false);

    const got = await nimbus.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: "url-crud" }));
    expect(got).toMatchObject({ FunctionUrl: created.FunctionUrl, AuthType: "NONE", InvokeMode: "BUFFERED" });
    expect(got.LastModifiedTime).toBeDefined();

    const updated = await nimbus.lambda.send(
      new UpdateFunctionUrlConfigCommand({ FunctionName: "url-crud", AuthType: "AWS_IAM" }),
    );
    expect(updated).toMatchObject({ FunctionUrl: created.FunctionUrl, AuthType: "AWS_IAM" });
    expect(updated.Cors?.AllowOrigins).toEqual(["https://app.test"]);

    const listed = await nimbus.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: "url-crud" }));
    expect(listed.FunctionUrlConfigs?.map((c) => c.FunctionUrl)).toEqual([created.FunctionUrl]);
    expect(listed.NextMarker).toBeUndefined();

    await nimbus.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: "url-crud" }));
    const error = await nimbus.lambda
      .send(new GetFunctionUrlConfigCommand({ FunctionName: "url-crud" }))
      .catch((e: unknown) => e as Error);
    expect((error as Error).name).toBe("ResourceNotFoundException");
  });

  it("names the AWS exceptions for a second URL, a $LATEST qualifier and RESPONSE_STREAM", async () => {
    const refuse = (command: CreateFunctionUrlConfigCommand) =>
      nimbus.lambda.send(command).then(
        () => "accepted",
        (e: unknown) => (e as Error).name,
      );
    expect(
      await refuse(new CreateFunctionUrlConfigCommand({ FunctionName: "url-echo", AuthType: "NONE" })),
    ).toBe("ResourceConflictException");
    expect(
      await refuse(
        new CreateFunctionUrlConfigCommand({
          FunctionName: "url-echo",
          Qualifier: "$LATEST",
          AuthType: "NONE",
        }),
      ),
    ).toBe("ValidationException");
    expect(
      await refuse(
        new CreateFunctionUrlConfigCommand({
          FunctionName: "url-plain",
          AuthType: "NONE",
          InvokeMode: "RESPONSE_STREAM",
        }),
      ),
    ).toBe("InvalidParameterValueException");
    expect(await refuse(new CreateFunctionUrlConfigCommand({ FunctionName: "nope", AuthType: "NONE" }))).toBe(
      "ResourceNotFoundException",
    );
  });
});

describe("function URL requests: the event", () => {
  it("sends the payload 2.0 event through the host form", async () => {
    const reply = await call(port, {
      method: "POST",
      path: "/items/42?a=1&a=2&b=x%20y",
      headers: {
        host: hostOf("url-echo"),
        "content-type": "application/json",
        "user-agent": "e2e/1.0",
        "X-Custom": "v1",
        cookie: "s=1; t=2",
      },
      body: '{"hello":"world"}',
    });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json");
    const { event } = JSON.parse(reply.body.toString()) as { event: Record<string, unknown> };
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "$default",
      rawPath: "/items/42",
      rawQueryString: "a=1&a=2&b=x%20y",
      cookies: ["s=1", "t=2"],
      queryStringParameters: { a: "1,2", b: "x y" },
      body: '{"hello":"world"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: "anonymous",
        apiId: ids["url-echo"],
        domainName: `${ids["url-echo"]}.lambda-url.us-east-1.localhost`,
        domainPrefix: ids["url-echo"],
        http: {
          method: "POST",
          path: "/items/42",
          protocol: "HTTP/1.1",
          sourceIp: "127.0.0.1",
          userAgent: "e2e/1.0",
        },
        requestId: reply.headers["x-amzn-requestid"],
        routeKey: "$default",
        stage: "$default",
      },
    });
    const headers = event.headers as Record<string, string>;
    expect(headers["x-custom"]).toBe("v1");
    expect(headers.host).toBe(hostOf("url-echo"));
    expect(headers.cookie).toBeUndefined();
    const context = event.requestContext as { time: string; timeEpoch: number };
    expect(context.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(Math.abs(context.timeEpoch - Date.now())).toBeLessThan(60_000);
    expect("authorizer" in (event.requestContext as object)).toBe(false);
  });

  it("reaches the same URL through the path form, with the prefix stripped", async () => {
    const res = await fetch(`${nimbus.url}/_nimbus/lambda-url/${ids["url-echo"]}/items/1?x=y`);
    expect(res.status).toBe(200);
    const { event } = (await res.json()) as { event: Record<string, unknown> };
    expect(event).toMatchObject({
      rawPath: "/items/1",
      rawQueryString: "x=y",
      queryStringParameters: { x: "y" },
      requestContext: { http: { method: "GET", path: "/items/1" }, domainPrefix: ids["url-echo"] },
    });
    expect("body" in event).toBe(false);
    const root = await fetch(`${nimbus.url}/_nimbus/lambda-url/${ids["url-echo"]}`);
    expect(((await root.json()) as { event: { rawPath: string } }).event.rawPath).toBe("/");
  });

  it("sends a binary body base64-encoded", async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    const res = await fetch(`${nimbus.url}/_nimbus/lambda-url/${ids["url-echo"]}/upload`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    const { event } = (await res.json()) as { event: { body: string; isBase64Encoded: boolean } };
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body, "base64").equals(bytes)).toBe(true);
  });
});

describe("function URL requests: the response", () => {
  it("maps statusCode, headers and cookies (one Set-Cookie line each)", async () => {
    const reply = await call(port, { path: "/text", headers: { host: hostOf("url-response") } });
    expect(reply.status).toBe(201);
    expect(reply.headers["content-type"]).toBe("text/plain");
    expect(reply.headers["x-custom"]).toBe("yes");
    expect(reply.headers["set-cookie"]).toEqual([
      "a=1; Path=/",
      "b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly",
    ]);
    expect(reply.body.toString()).toBe("created");
  });

  it("decodes an isBase64Encoded body to bytes", async () => {
    const reply = await call(port, { path: "/binary", headers: { host: hostOf("url-response") } });
    expect(reply.headers["content-type"]).toBe("application/octet-stream");
    expect(reply.body.equals(Buffer.from([0, 1, 2, 255]))).toBe(true);
  });

  it("accepts a numeric string statusCode and defaults content-type to JSON", async () => {
    const res = await fetch(`${nimbus.url}/_nimbus/lambda-url/${ids["url-response"]}/teapot`);
    expect(res.status).toBe(418);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.text()).toBe("i'm a teapot");
  });

  it("answers a function error with 502 Internal Server Error", async () => {
    const res = await fetch(`${nimbus.url}/_nimbus/lambda-url/${ids["url-response"]}/throw`);
    expect(res.status).toBe(502);
    expect(await res.text()).toBe("Internal Server Error");
  });

  it("sends a returned string as the body and an object as JSON, both 200 application/json", async () => {
    const text = await fetch(`${nimbus.url}/_nimbus/lambda-url/${ids["url-plain"]}/`);
    expect(text.status).toBe(200);
    expect(text.headers.get("content-type")).toBe("application/json");
    expect(await text.text()).toBe("hello");
    const object = await fetch(`${nimbus.url}/_nimbus/lambda-url/${ids["url-plain"]}/object`);
    expect(await object.text()).toBe('{"hello":"world"}');
    const number = await fetch(`${nimbus.url}/_nimbus/lambda-url/${ids["url-plain"]}/number`);
    expect(await number.text()).toBe("3");
  });

  it("answers an unknown url-id with 403 and a null message", async () => {
    const reply = await call(port, {
      path: "/",
      headers: { host: `0123456789abcdefghijklmnopqrstuv.lambda-url.us-east-1.localhost:${port}` },
    });
    expect(reply.status).toBe(403);
    expect(reply.headers["x-amzn-errortype"]).toBe("AccessDeniedException");
    expect(reply.body.toString()).toBe('{"Message":null}');
  });
});

describe("function URL CORS", () => {
  let corsId = "";

  beforeAll(async () => {
    await createFixtureFunction(nimbus.lambda, "url-cors", "node/url-response");
    const out = await nimbus.lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: "url-cors",
        AuthType: "NONE",
        Cors: {
          AllowOrigins: ["https://app.test"],
          AllowMethods: ["GET", "POST"],
          AllowHeaders: ["content-type"],
          ExposeHeaders: ["x-custom"],
          MaxAge: 300,
        },
      }),
    );
    corsId = urlIdOf(out.FunctionUrl);
  });

  it("answers a preflight from the configuration without invoking the function", async () => {
    const res = await fetch(`${nimbus.url}/_nimbus/lambda-url/${corsId}/text`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.test",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.test");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET,POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type");
    expect(res.headers.get("access-control-max-age")).toBe("300");
    // The function's /text answer would be 201 "created".
    expect(await res.text()).toBe("");
  });

  it("adds the configured headers to answers for an allowed origin, over the function's own", async () => {
    const res = await fetch(`${nimbus.url}/_nimbus/lambda-url/${corsId}/cors`, {
      headers: { origin: "https://app.test" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.test");
    expect(res.headers.get("access-control-expose-headers")).toBe("x-custom");
    const other = await fetch(`${nimbus.url}/_nimbus/lambda-url/${corsId}/text`, {
      headers: { origin: "https://evil.test" },
    });
    expect(other.status).toBe(201);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("function URL AuthType AWS_IAM (server auth off)", () => {
  it("refuses an unsigned request with 403 Forbidden", async () => {
    const reply = await call(port, { path: "/", headers: { host: hostOf("url-iam") } });
    expect(reply.status).toBe(403);
    expect(reply.body.toString()).toBe('{"Message":"Forbidden"}');
  });

  it("accepts a request signed with any key and names the caller in the event", async () => {
    const headers = await signed(
      { host: hostOf("url-iam"), path: "/who", query: { q: "1" } },
      { accessKeyId: "AKIDANY", secretAccessKey: "whatever" },
    );
    const reply = await call(port, { path: "/who?q=1", headers });
    expect(reply.status).toBe(200);
    const { event } = JSON.parse(reply.body.toString()) as {
      event: { requestContext: { accountId: string; authorizer: { iam: { accessKey: string } } } };
    };
    expect(event.requestContext.accountId).toBe("000000000000");
    expect(event.requestContext.authorizer.iam.accessKey).toBe("AKIDANY");
  });

  it("refuses a request signed for another service", async () => {
    const signer = new SignatureV4({
      service: "execute-api",
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDANY", secretAccessKey: "x" },
      sha256: Sha256,
    });
    const request = await signer.sign({
      method: "GET",
      protocol: "http:",
      hostname: "127.0.0.1",
      port,
      path: `/_nimbus/lambda-url/${ids["url-iam"]}/`,
      headers: { host: `127.0.0.1:${port}` },
    });
    const reply = await call(port, { path: request.path, headers: request.headers });
    expect(reply.status).toBe(403);
  });
});

describe("function URL AuthType AWS_IAM (server auth on)", () => {
  let secured: TestNimbus;
  let securedId = "";

  beforeAll(async () => {
    secured = await startNimbus({
      config: {
        auth: { enabled: true, credentials: [{ accessKeyId: "AKIDNIMBUS", secretAccessKey: "right" }] },
      },
    });
    const lambda = new LambdaClient({
      endpoint: secured.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDNIMBUS", secretAccessKey: "right" },
      maxAttempts: 1,
    });
    try {
      await createFixtureFunction(lambda, "iam-echo", "node/url-echo");
      const out = await lambda.send(
        new CreateFunctionUrlConfigCommand({ FunctionName: "iam-echo", AuthType: "AWS_IAM" }),
      );
      securedId = urlIdOf(out.FunctionUrl);
    } finally {
      lambda.destroy();
    }
  });

  afterAll(async () => {
    await secured.stop();
  });

  const host = () => `${securedId}.lambda-url.us-east-1.localhost:${secured.server.port}`;

  it("accepts a signature made with a configured key, body included", async () => {
    const body = '{"n":1}';
    const headers = await signed(
      { host: host(), path: "/orders", method: "POST", body },
      { accessKeyId: "AKIDNIMBUS", secretAccessKey: "right" },
    );
    const reply = await call(secured.server.port, { method: "POST", path: "/orders", headers, body });
    expect(reply.status).toBe(200);
    expect((JSON.parse(reply.body.toString()) as { event: { body: string } }).event.body).toBe(body);
  });

  it("refuses a wrong secret, an unknown key and a changed body", async () => {
    const wrong = await signed(
      { host: host(), path: "/" },
      { accessKeyId: "AKIDNIMBUS", secretAccessKey: "wrong" },
    );
    expect((await call(secured.server.port, { path: "/", headers: wrong })).status).toBe(403);
    const unknown = await signed(
      { host: host(), path: "/" },
      { accessKeyId: "AKIDOTHER", secretAccessKey: "right" },
    );
    expect((await call(secured.server.port, { path: "/", headers: unknown })).status).toBe(403);
    const headers = await signed(
      { host: host(), path: "/", method: "POST", body: '{"n":1}' },
      { accessKeyId: "AKIDNIMBUS", secretAccessKey: "right" },
    );
    const tampered = await call(secured.server.port, { method: "POST", path: "/", headers, body: '{"n":2}' });
    expect(tampered.status).toBe(403);
  });

  it("leaves AuthType NONE URLs open with server auth on", async () => {
    const lambda = new LambdaClient({
      endpoint: secured.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDNIMBUS", secretAccessKey: "right" },
      maxAttempts: 1,
    });
    try {
      await createFixtureFunction(lambda, "open-echo", "node/url-plain");
      const out = await lambda.send(
        new CreateFunctionUrlConfigCommand({ FunctionName: "open-echo", AuthType: "NONE" }),
      );
      const res = await fetch(`${secured.url}/_nimbus/lambda-url/${urlIdOf(out.FunctionUrl)}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("hello");
    } finally {
      lambda.destroy();
    }
  });
});

describe("function URL lifetime", () => {
  it("stops answering once its function is deleted", async () => {
    await createFixtureFunction(nimbus.lambda, "url-short", "node/url-plain");
    const out = await nimbus.lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: "url-short", AuthType: "NONE" }),
    );
    const id = urlIdOf(out.FunctionUrl);
    expect((await fetch(`${nimbus.url}/_nimbus/lambda-url/${id}/`)).status).toBe(200);
    await nimbus.lambda.send(new DeleteFunctionCommand({ FunctionName: "url-short" }));
    const gone = await fetch(`${nimbus.url}/_nimbus/lambda-url/${id}/`);
    expect(gone.status).toBe(403);
  });
});
