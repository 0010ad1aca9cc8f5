import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  ApiGatewayV2Client,
  BadRequestException,
  CreateApiCommand,
  CreateDeploymentCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  DeleteDeploymentCommand,
  UpdateStageCommand,
} from "@aws-sdk/client-apigatewayv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

// biome-ignore lint/suspicious/noExplicitAny: events and bodies are checked member by member by the assertions
type Loose = any;
const json = async (response: Response | Promise<Response>): Promise<Loose> => (await response).json();

let nimbus: TestNimbus;
let api: ApiGatewayV2Client;
let upstream: Server;
let upstreamSeen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

const call = (apiId: string, path: string, init: RequestInit = {}) =>
  fetch(`${nimbus.url}/_nimbus/execute-api/${apiId}${path}`, init);

/** An API with one integration per function and the given routes, on an auto-deployed $default stage. */
async function apiWith(
  routes: Record<string, { fn?: string; version?: "1.0" | "2.0"; timeoutMs?: number; url?: string }>,
  stage: { autoDeploy?: boolean; variables?: Record<string, string> } | false = {},
): Promise<string> {
  const apiId = (await api.send(new CreateApiCommand({ Name: "dp", ProtocolType: "HTTP" }))).ApiId ?? "";
  for (const [routeKey, target] of Object.entries(routes)) {
    const integration = await api.send(
      new CreateIntegrationCommand({
        ApiId: apiId,
        ...(target.url
          ? {
              IntegrationType: "HTTP_PROXY",
              IntegrationUri: target.url,
              IntegrationMethod: "ANY",
              PayloadFormatVersion: "1.0",
            }
          : {
              IntegrationType: "AWS_PROXY",
              IntegrationUri: ARN(target.fn ?? "http-echo"),
              PayloadFormatVersion: target.version ?? "2.0",
            }),
        ...(target.timeoutMs ? { TimeoutInMillis: target.timeoutMs } : {}),
      }),
    );
    await api.send(
      new CreateRouteCommand({
        ApiId: apiId,
        RouteKey: routeKey,
        Target: `integrations/${integration.IntegrationId}`,
      }),
    );
  }
  if (stage !== false) {
    await api.send(
      new CreateStageCommand({
        ApiId: apiId,
        StageName: "$default",
        AutoDeploy: stage.autoDeploy ?? true,
        ...(stage.variables ? { StageVariables: stage.variables } : {}),
      }),
    );
  }
  return apiId;
}

beforeAll(async () => {
  nimbus = await startNimbus();
  api = new ApiGatewayV2Client(clientConfig(nimbus.url));
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/slow") {
        // Answers long after the integration timeout of the test that calls it.
        setTimeout(() => res.end("late"), 3000).unref();
        return;
      }
      upstreamSeen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(201, {
        "content-type": "text/plain",
        "x-upstream": "yes",
        "set-cookie": ["u1=1", "u2=2"],
      });
      res.end(`upstream saw ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  await Promise.all([
    createFixtureFunction(nimbus.lambda, "http-echo", "node/http-echo"),
    createFixtureFunction(nimbus.lambda, "http-throws", "node/throws"),
    createFixtureFunction(nimbus.lambda, "http-sleep", "node/http-sleep"),
  ]);
});

afterAll(async () => {
  api.destroy();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
  await nimbus.stop();
});

describe("payload format 2.0", () => {
  it("sends the event of events.md section 2, field by field", async () => {
    const apiId = await apiWith({ "POST /items/{id}": {} }, { variables: { env: "test" } });
    const response = await call(apiId, "/items/42?a=1&a=2&b=x%20y", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        cookie: "s=1; t=2",
        "x-custom": "v1",
        "user-agent": "e2e-agent",
      },
      body: JSON.stringify({ a: 1 }),
    });
    expect(response.status).toBe(200);
    const event = await json(response);
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "POST /items/{id}",
      rawPath: "/items/42",
      rawQueryString: "a=1&a=2&b=x%20y",
      cookies: ["s=1", "t=2"],
      queryStringParameters: { a: "1,2", b: "x y" },
      pathParameters: { id: "42" },
      stageVariables: { env: "test" },
      body: '{"a":1}',
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({
      "content-type": "application/json",
      "x-custom": "v1",
      "user-agent": "e2e-agent",
    });
    expect(event.headers.cookie).toBeUndefined();
    const ctx = event.requestContext;
    expect(ctx).toMatchObject({
      accountId: "000000000000",
      apiId,
      domainName: `${apiId}.execute-api.localhost`,
      domainPrefix: apiId,
      http: {
        method: "POST",
        path: "/items/42",
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "e2e-agent",
      },
      routeKey: "POST /items/{id}",
      stage: "$default",
    });
    expect(ctx.requestId).toBe(response.headers.get("apigw-requestid"));
    expect(ctx.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(typeof ctx.timeEpoch).toBe("number");
    expect("authorizer" in ctx).toBe(false);
  });

  it("maps plain return values to 200 JSON, cookies to Set-Cookie lines and a status with headers", async () => {
    const apiId = await apiWith({ "ANY /{proxy+}": {} });
    const text = await call(apiId, "/plain-string");
    expect(text.status).toBe(200);
    expect(text.headers.get("content-type")).toBe("application/json");
    expect(await text.text()).toBe("just text");
    const object = await call(apiId, "/plain-object");
    expect(await json(object)).toEqual({ hello: "world" });
    const cookies = await call(apiId, "/cookies");
    expect(cookies.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
    const teapot = await call(apiId, "/teapot");
    expect(teapot.status).toBe(418);
    expect(teapot.headers.get("x-custom")).toBe("tea");
    expect(await teapot.text()).toBe("short and stout");
  });

  it("round-trips a binary body base64 with isBase64Encoded", async () => {
    const apiId = await apiWith({ "POST /binary": {} });
    const bytes = Buffer.from([0, 1, 2, 128, 254, 255]);
    const response = await call(apiId, "/binary", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });
});

describe("route selection", () => {
  it("follows AWS's precedence: exact path, then parameter, then greedy, method before ANY, $default last", async () => {
    const apiId = await apiWith({
      "GET /pets/dog/1": {},
      "GET /pets/dog/{id}": {},
      "GET /pets/{proxy+}": {},
      "ANY /pets/{proxy+}": {},
      "ANY /{proxy+}": {},
      $default: {},
    });
    const routeOf = async (method: string, path: string) => {
      const event = await json(call(apiId, path, { method }));
      return [event.routeKey, event.pathParameters ?? null];
    };
    expect(await routeOf("GET", "/pets/dog/1")).toEqual(["GET /pets/dog/1", null]);
    expect(await routeOf("GET", "/pets/dog/2")).toEqual(["GET /pets/dog/{id}", { id: "2" }]);
    expect(await routeOf("GET", "/pets/cat/2")).toEqual(["GET /pets/{proxy+}", { proxy: "cat/2" }]);
    expect(await routeOf("POST", "/pets/cat/2")).toEqual(["ANY /pets/{proxy+}", { proxy: "cat/2" }]);
    expect(await routeOf("GET", "/toys/ball")).toEqual(["ANY /{proxy+}", { proxy: "toys/ball" }]);
    expect(await routeOf("GET", "/")).toEqual(["$default", null]);
  });
});

describe("payload format 1.0", () => {
  it("sends the 1.0 event with multi-value maps and the route's resource", async () => {
    const apiId = await apiWith({ "GET /v1/{name}": { version: "1.0" } });
    const response = await call(apiId, "/v1/bob?q=1&q=2", { headers: { "x-one": "a" } });
    expect(response.status).toBe(200);
    const event = await json(response);
    expect(event).toMatchObject({
      version: "1.0",
      resource: "/v1/{name}",
      path: "/v1/bob",
      httpMethod: "GET",
      queryStringParameters: { q: "2" },
      multiValueQueryStringParameters: { q: ["1", "2"] },
      pathParameters: { name: "bob" },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
    expect(event.headers["x-one"]).toBe("a");
    expect(event.multiValueHeaders["x-one"]).toEqual(["a"]);
    expect(event.requestContext).toMatchObject({
      apiId,
      httpMethod: "GET",
      resourceId: "GET /v1/{name}",
      resourcePath: "/v1/{name}",
      stage: "$default",
      identity: { sourceIp: "127.0.0.1" },
    });
    expect(event.requestContext.requestId).toBe(response.headers.get("apigw-requestid"));
  });
});

describe("errors", () => {
  it("answers 502 with AWS's body when the function fails", async () => {
    const apiId = await apiWith({
      "GET /fail": { fn: "http-throws" },
      "GET /fail1": { fn: "http-throws", version: "1.0" },
    });
    for (const path of ["/fail", "/fail1"]) {
      const response = await call(apiId, path);
      expect(response.status).toBe(502);
      expect(await json(response)).toEqual({ message: "Internal Server Error" });
    }
  });

  it("answers 504 when the function outlives the integration timeout", async () => {
    const apiId = await apiWith({ "GET /slow": { fn: "http-sleep", timeoutMs: 300 } });
    const slow = await call(apiId, "/slow?ms=3000");
    expect(slow.status).toBe(504);
    expect(await json(slow)).toEqual({ message: "Service Unavailable" });
    const fast = await call(apiId, "/slow?ms=0");
    expect(fast.status).toBe(200);
  });

  it("answers 404 Not Found for a path no route matches", async () => {
    const apiId = await apiWith({ "GET /only": {} });
    const response = await call(apiId, "/other");
    expect(response.status).toBe(404);
    expect(await json(response)).toEqual({ message: "Not Found" });
  });
});

describe("stages and deployments", () => {
  it("serves a named stage at /<stage> from its deployment, with its stage variables", async () => {
    const apiId = await apiWith({ "GET /hello": {} }, false);
    await api.send(
      new CreateStageCommand({ ApiId: apiId, StageName: "prod", StageVariables: { color: "blue" } }),
    );
    // No deployment yet: nothing is served.
    expect((await call(apiId, "/prod/hello")).status).toBe(404);
    const deployment = await api.send(
      new CreateDeploymentCommand({ ApiId: apiId, StageName: "prod", Description: "v1" }),
    );
    const served = await call(apiId, "/prod/hello");
    expect(served.status).toBe(200);
    const event = await json(served);
    expect(event).toMatchObject({
      rawPath: "/prod/hello",
      stageVariables: { color: "blue" },
      requestContext: { stage: "prod" },
    });
    // A new route is not live until the next deployment.
    const integration = await api.send(
      new CreateIntegrationCommand({
        ApiId: apiId,
        IntegrationType: "AWS_PROXY",
        IntegrationUri: ARN("http-echo"),
        PayloadFormatVersion: "2.0",
      }),
    );
    await api.send(
      new CreateRouteCommand({
        ApiId: apiId,
        RouteKey: "GET /later",
        Target: `integrations/${integration.IntegrationId}`,
      }),
    );
    expect((await call(apiId, "/prod/later")).status).toBe(404);
    await expect(
      api.send(new DeleteDeploymentCommand({ ApiId: apiId, DeploymentId: deployment.DeploymentId })),
    ).rejects.toBeInstanceOf(BadRequestException);
    await api.send(new CreateDeploymentCommand({ ApiId: apiId, StageName: "prod" }));
    expect((await call(apiId, "/prod/later")).status).toBe(200);
    await api.send(new DeleteDeploymentCommand({ ApiId: apiId, DeploymentId: deployment.DeploymentId }));
  });
});

describe("throttling", () => {
  it("answers 429 Too Many Requests past the stage's burst", async () => {
    const apiId = await apiWith({ "GET /t": {}, "GET /free": {} });
    await api.send(
      new UpdateStageCommand({
        ApiId: apiId,
        StageName: "$default",
        RouteSettings: { "GET /t": { ThrottlingBurstLimit: 3, ThrottlingRateLimit: 0.001 } },
      }),
    );
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => call(apiId, "/t").then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    const throttled = await call(apiId, "/t");
    expect(await json(throttled)).toEqual({ message: "Too Many Requests" });
    expect((await call(apiId, "/free")).status).toBe(200);
  });
});

describe("CORS", () => {
  it("answers preflights from the configuration and adds headers to answers", async () => {
    const apiId =
      (
        await api.send(
          new CreateApiCommand({
            Name: "cors",
            ProtocolType: "HTTP",
            Target: ARN("http-echo"),
            CorsConfiguration: {
              AllowOrigins: ["https://app.test"],
              AllowMethods: ["GET", "POST"],
              AllowHeaders: ["x-token"],
              ExposeHeaders: ["x-custom"],
              MaxAge: 600,
            },
          }),
        )
      ).ApiId ?? "";
    const preflight = await call(apiId, "/anything", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.test",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-token",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.test");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET,POST");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("x-token");
    expect(preflight.headers.get("access-control-max-age")).toBe("600");
    const answer = await call(apiId, "/teapot", { headers: { origin: "https://app.test" } });
    expect(answer.headers.get("access-control-allow-origin")).toBe("https://app.test");
    expect(answer.headers.get("access-control-expose-headers")).toBe("x-custom");
    const other = await call(apiId, "/teapot", { headers: { origin: "https://evil.test" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("HTTP_PROXY", () => {
  it("forwards method, path parameters, query, headers and body, and passes the answer back", async () => {
    upstreamSeen = [];
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const apiId = await apiWith({
      "ANY /proxy/{rest+}": { url: `${base}/backend/{rest}` },
      $default: { url: base },
    });
    const response = await call(apiId, "/proxy/a/b?x=1", {
      method: "PUT",
      headers: { "x-in": "1", "content-type": "text/plain" },
      body: "payload",
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-upstream")).toBe("yes");
    expect(response.headers.getSetCookie()).toEqual(["u1=1", "u2=2"]);
    expect(await response.text()).toBe("upstream saw PUT /backend/a/b?x=1");
    expect(upstreamSeen[0]).toMatchObject({ method: "PUT", url: "/backend/a/b?x=1", body: "payload" });
    expect(upstreamSeen[0]?.headers["x-in"]).toBe("1");
    expect(upstreamSeen[0]?.headers["x-forwarded-for"]).toBe("127.0.0.1");
    const fallback = await call(apiId, "/some/where");
    expect(await fallback.text()).toBe("upstream saw GET /some/where");
  });

  it("answers 504 when the backend outlives the integration timeout, and 500 when it is unreachable", async () => {
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const apiId =
      (await api.send(new CreateApiCommand({ Name: "proxy-errors", ProtocolType: "HTTP" }))).ApiId ?? "";
    for (const [routeKey, uri, timeout] of [
      ["GET /slow", `${base}/slow`, 200],
      ["GET /down", "http://127.0.0.1:9/nothing", 5000],
    ] as const) {
      const integration = await api.send(
        new CreateIntegrationCommand({
          ApiId: apiId,
          IntegrationType: "HTTP_PROXY",
          IntegrationUri: uri,
          IntegrationMethod: "GET",
          PayloadFormatVersion: "1.0",
          TimeoutInMillis: timeout,
        }),
      );
      await api.send(
        new CreateRouteCommand({
          ApiId: apiId,
          RouteKey: routeKey,
          Target: `integrations/${integration.IntegrationId}`,
        }),
      );
    }
    await api.send(new CreateStageCommand({ ApiId: apiId, StageName: "$default", AutoDeploy: true }));
    const slow = await call(apiId, "/slow");
    expect(slow.status).toBe(504);
    expect(await json(slow)).toEqual({ message: "Service Unavailable" });
    const down = await call(apiId, "/down");
    expect(down.status).toBe(500);
    expect(await json(down)).toEqual({ message: "Internal Server Error" });
  });
});
