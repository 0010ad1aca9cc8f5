import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  TestInvokeMethodCommand,
} from "@aws-sdk/client-api-gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { lambdaUri, resourcePath, rootId, stageUrl } from "../support/rest-api.js";

let nimbus: TestNimbus;
let client: APIGatewayClient;
let backend: Server;
let backendUrl: string;
let base: string;
let apiRef: { apiId: string; itemsId: string };

const REQUEST_TEMPLATE = `#set($id = $input.params('id'))
{"id": "$id", "q": "$util.escapeJavaScript($input.params('q'))", "stage": "$context.stage", "color": "$stageVariables.color",
 "headers": {#foreach($h in $input.params().header.keySet())"$h.toLowerCase()": "$util.escapeJavaScript($input.params().header.get($h))"#if($foreach.hasNext),#end#end}}`;

/** A method with an integration and its responses, all through the SDK. */
async function method(
  restApiId: string,
  resourceId: string,
  httpMethod: string,
  integration: Omit<
    ConstructorParameters<typeof PutIntegrationCommand>[0],
    "restApiId" | "resourceId" | "httpMethod"
  >,
  responses: {
    statusCode: string;
    selectionPattern?: string;
    responseTemplates?: Record<string, string>;
    responseParameters?: Record<string, string>;
    contentHandling?: "CONVERT_TO_TEXT" | "CONVERT_TO_BINARY";
  }[] = [],
) {
  await client.send(new PutMethodCommand({ restApiId, resourceId, httpMethod, authorizationType: "NONE" }));
  await client.send(new PutIntegrationCommand({ restApiId, resourceId, httpMethod, ...integration }));
  for (const r of responses) {
    await client.send(
      new PutMethodResponseCommand({
        restApiId,
        resourceId,
        httpMethod,
        statusCode: r.statusCode,
        ...(r.responseParameters
          ? {
              responseParameters: Object.fromEntries(
                Object.keys(r.responseParameters).map((k) => [k, false]),
              ),
            }
          : {}),
      }),
    );
    await client.send(new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod, ...r }));
  }
}

beforeAll(async () => {
  nimbus = await startNimbus();
  client = new APIGatewayClient(clientConfig(nimbus.url));
  // The backend of the HTTP integrations: echoes what it received as JSON.
  backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const status = req.url?.includes("fail") ? 404 : 200;
      res.writeHead(status, {
        "content-type": "application/json",
        "x-backend": "yes",
        "set-cookie": ["s=1", "t=2"],
      });
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
  await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  await createFixtureFunction(nimbus.lambda, "rest-custom", "node/rest-custom");

  const api = await client.send(new CreateRestApiCommand({ name: "integrations" }));
  const apiId = api.id ?? "";
  const root = await rootId(client, apiId);
  const items = await resourcePath(client, apiId, root, "/items/{id}");
  apiRef = { apiId, itemsId: items };
  await method(
    apiId,
    items,
    "GET",
    {
      type: "AWS",
      integrationHttpMethod: "POST",
      uri: lambdaUri("rest-custom"),
      requestTemplates: {
        "application/json": REQUEST_TEMPLATE,
      },
    },
    [
      {
        statusCode: "200",
        responseTemplates: {
          "application/json": `{"name": $input.json('$.item.name'), "id": "$input.path('$.item.id')", "requestId": "$context.requestId"}`,
        },
        responseParameters: { "method.response.header.X-Kind": "'custom'" },
      },
      {
        statusCode: "404",
        selectionPattern: "Not Found.*",
        responseTemplates: {
          "application/json": `{"error": "$util.escapeJavaScript($input.path('$.errorMessage'))"}`,
        },
      },
    ],
  );
  await method(
    apiId,
    items,
    "POST",
    {
      type: "AWS",
      integrationHttpMethod: "POST",
      uri: lambdaUri("rest-custom"),
      requestTemplates: { "application/json": REQUEST_TEMPLATE },
    },
    [{ statusCode: "200" }],
  );
  // CORS the way the console and SAM set it up: an OPTIONS MOCK method answering the headers.
  await method(
    apiId,
    items,
    "OPTIONS",
    { type: "MOCK", requestTemplates: { "application/json": '{"statusCode": 200}' } },
    [
      {
        statusCode: "200",
        responseParameters: {
          "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'",
          "method.response.header.Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
          "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Api-Key'",
        },
      },
    ],
  );
  const mock = await resourcePath(client, apiId, root, "/mock");
  await method(
    apiId,
    mock,
    "GET",
    {
      type: "MOCK",
      requestTemplates: {
        "application/json": `{"statusCode": #if($input.params('fail') == "yes")500#{else}200#end}`,
      },
    },
    [
      {
        statusCode: "200",
        responseTemplates: { "application/json": `{"mocked": true, "stage": "$context.stage"}` },
      },
      {
        statusCode: "500",
        selectionPattern: "5\\d\\d",
        responseTemplates: { "application/json": `{"mocked": "failure"}` },
      },
    ],
  );
  const broken = await resourcePath(client, apiId, root, "/broken");
  await method(
    apiId,
    broken,
    "GET",
    { type: "MOCK", requestTemplates: { "application/json": "$util.parseJson('not json')" } },
    [{ statusCode: "200" }],
  );
  const http = await resourcePath(client, apiId, root, "/http/{name}");
  await method(
    apiId,
    http,
    "POST",
    {
      type: "HTTP",
      integrationHttpMethod: "PUT",
      uri: `${backendUrl}/things/{name}`,
      requestParameters: {
        "integration.request.path.name": "method.request.path.name",
        "integration.request.header.x-from-query": "method.request.querystring.tag",
      },
      requestTemplates: { "application/json": `{"wrapped": $input.json('$')}` },
    },
    [
      {
        statusCode: "200",
        responseTemplates: { "application/json": `{"backendSaw": $input.json('$')}` },
        responseParameters: { "method.response.header.X-Backend": "integration.response.header.x-backend" },
      },
      {
        statusCode: "400",
        selectionPattern: "4\\d\\d",
        responseTemplates: { "application/json": `{"backendStatus": "client error"}` },
      },
    ],
  );
  const proxy = await resourcePath(client, apiId, root, "/proxy/{proxy+}");
  await method(apiId, proxy, "ANY", {
    type: "HTTP_PROXY",
    integrationHttpMethod: "ANY",
    uri: `${backendUrl}/up/{proxy}`,
    requestParameters: { "integration.request.path.proxy": "method.request.path.proxy" },
  });
  await client.send(
    new CreateDeploymentCommand({ restApiId: apiId, stageName: "dev", variables: { color: "green" } }),
  );
  base = stageUrl(nimbus.url, apiId, "dev");
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await new Promise((r) => backend?.close(r));
  await nimbus?.stop();
});

describe("non-proxy Lambda integration (AWS) with mapping templates", () => {
  it("renders the request template, calls the function and renders the response template", async () => {
    const res = await fetch(`${base}/items/7?q=say%20%22hi%22`, { headers: { "X-Trace": "t-1" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-kind")).toBe("custom");
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({ name: "item-7", id: "7" });
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("passes $context, $stageVariables, query and header params into the event", async () => {
    // POST has a default response without a template: the function's answer passes through.
    const res = await fetch(`${base}/items/8?q=say%20%22hi%22`, {
      method: "POST",
      headers: { "X-Trace": "t-2" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const { received } = (await res.json()) as {
      received: Record<string, unknown> & { headers: Record<string, string> };
    };
    expect(received).toMatchObject({ id: "8", q: 'say "hi"', stage: "dev", color: "green" });
    expect(received.headers["x-trace"]).toBe("t-2");
  });

  it("selects the error response by selectionPattern on the function's error message", async () => {
    const res = await fetch(`${base}/items/missing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Not Found: missing" });
  });
});

describe("MOCK integration", () => {
  it("answers a CORS preflight from an OPTIONS MOCK method", async () => {
    const res = await fetch(`${base}/items/7`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET,POST,OPTIONS");
    expect(res.headers.get("access-control-allow-headers")).toBe("Content-Type,X-Api-Key");
  });

  it("answers from the response template the statusCode selects", async () => {
    const ok = await fetch(`${base}/mock`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ mocked: true, stage: "dev" });
    const failed = await fetch(`${base}/mock?fail=yes`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ mocked: "failure" });
  });

  it("answers 500 Internal server error when a template fails to render", async () => {
    const res = await fetch(`${base}/broken`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: "Internal server error" });
  });
});

describe("HTTP integrations", () => {
  it("HTTP: maps path, header and body, selects the response by backend status", async () => {
    const res = await fetch(`${base}/http/widget?tag=blue`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"n":1}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-backend")).toBe("yes");
    const { backendSaw } = (await res.json()) as {
      backendSaw: { method: string; url: string; headers: Record<string, string>; body: string };
    };
    expect(backendSaw.method).toBe("PUT");
    expect(backendSaw.url).toBe("/things/widget");
    expect(backendSaw.headers["x-from-query"]).toBe("blue");
    expect(JSON.parse(backendSaw.body)).toEqual({ wrapped: { n: 1 } });
    const failed = await fetch(`${base}/http/fail`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(failed.status).toBe(400);
    expect(await failed.json()).toEqual({ backendStatus: "client error" });
  });

  it("HTTP_PROXY: passes method, path, query, headers and body through and returns the backend's answer", async () => {
    const res = await fetch(`${base}/proxy/a/b?x=1&x=2`, {
      method: "PATCH",
      headers: { "content-type": "text/plain", "x-client": "c" },
      body: "hello",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-backend")).toBe("yes");
    expect(res.headers.getSetCookie()).toEqual(["s=1", "t=2"]);
    const seen = (await res.json()) as {
      method: string;
      url: string;
      headers: Record<string, string>;
      body: string;
    };
    expect(seen.method).toBe("PATCH");
    expect(seen.url).toBe("/up/a/b?x=1&x=2");
    expect(seen.headers["x-client"]).toBe("c");
    expect(seen.body).toBe("hello");
    const missing = await fetch(`${base}/proxy/fail`);
    expect(missing.status).toBe(404);
  });
});

describe("TestInvokeMethod", () => {
  it("runs the integration of the undeployed API and reports status, body, headers and a log", async () => {
    const out = await client.send(
      new TestInvokeMethodCommand({
        restApiId: apiRef.apiId,
        resourceId: apiRef.itemsId,
        httpMethod: "GET",
        pathWithQueryString: "/items/5?q=x",
        headers: { "X-Trace": "t-9" },
        stageVariables: { color: "violet" },
      }),
    );
    expect(out.status).toBe(200);
    expect(JSON.parse(out.body ?? "")).toMatchObject({ name: "item-5", id: "5" });
    expect(out.headers?.["X-Kind"]).toBe("custom");
    expect(out.log).toContain("Method completed with status: 200");
    expect(typeof out.latency).toBe("number");
    const failing = await client.send(
      new TestInvokeMethodCommand({
        restApiId: apiRef.apiId,
        resourceId: apiRef.itemsId,
        httpMethod: "GET",
        pathWithQueryString: "/items/missing",
      }),
    );
    expect(failing.status).toBe(404);
  });
});

describe("content handling", () => {
  it("converts a binary request to base64 text and a base64 answer to binary", async () => {
    const api = await client.send(
      new CreateRestApiCommand({ name: "binary", binaryMediaTypes: ["application/octet-stream"] }),
    );
    const id = api.id ?? "";
    const root = await rootId(client, id);
    const upload = await resourcePath(client, id, root, "/upload");
    await method(
      id,
      upload,
      "POST",
      {
        type: "HTTP",
        integrationHttpMethod: "POST",
        uri: `${backendUrl}/upload`,
        contentHandling: "CONVERT_TO_TEXT",
      },
      [{ statusCode: "200" }],
    );
    const download = await resourcePath(client, id, root, "/download");
    await method(
      id,
      download,
      "GET",
      {
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: lambdaUri("rest-custom"),
        requestTemplates: { "application/json": `{"base64": "$util.base64Encode('bytes!')"}` },
      },
      [{ statusCode: "200", contentHandling: "CONVERT_TO_BINARY" }],
    );
    await client.send(new CreateDeploymentCommand({ restApiId: id, stageName: "b" }));
    const url = stageUrl(nimbus.url, id, "b");
    const bytes = Buffer.from([0, 255, 1, 254, 10]);
    const up = await fetch(`${url}/upload`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    expect(up.status).toBe(200);
    const seen = (await up.json()) as { body: string };
    expect(seen.body).toBe(bytes.toString("base64"));
    const down = await fetch(`${url}/download`);
    expect(down.status).toBe(200);
    expect(Buffer.from(await down.arrayBuffer()).toString()).toBe("bytes!");
  });
});
