import { request } from "node:http";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type RuleCondition,
  SetRulePrioritiesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const FN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

// biome-ignore lint/suspicious/noExplicitAny: events are checked member by member by the assertions
type Loose = any;

let nimbus: TestNimbus;
let elb: ElasticLoadBalancingV2Client;
let lbArn = "";
let dnsName = "";
let listenerArn = "";
let echoGroup = "";

/** A request with any Host header (fetch does not let a caller set Host). */
function raw(
  path: string,
  options: { method?: string; host?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{
  status: number;
  statusMessage: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}> {
  const url = new URL(nimbus.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? "GET",
        headers: { ...(options.host ? { host: options.host } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? "",
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

async function targetGroup(name: string, fn?: string): Promise<string> {
  const out = await elb.send(new CreateTargetGroupCommand({ Name: name, TargetType: "lambda" }));
  const arn = out.TargetGroups?.[0]?.TargetGroupArn ?? "";
  if (fn) await elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: FN(fn) }] }));
  return arn;
}

const fixed = (body: string) => [
  {
    Type: "fixed-response" as const,
    FixedResponseConfig: { StatusCode: "200", ContentType: "text/plain", MessageBody: body },
  },
];

async function rule(priority: number, conditions: RuleCondition[], body: string): Promise<string> {
  const out = await elb.send(
    new CreateRuleCommand({
      ListenerArn: listenerArn,
      Priority: priority,
      Conditions: conditions,
      Actions: fixed(body),
    }),
  );
  return out.Rules?.[0]?.RuleArn ?? "";
}

beforeAll(async () => {
  nimbus = await startNimbus();
  elb = new ElasticLoadBalancingV2Client(clientConfig(nimbus.url));
  await Promise.all([
    createFixtureFunction(nimbus.lambda, "alb-echo", "node/alb-echo"),
    createFixtureFunction(nimbus.lambda, "alb-multi", "node/alb-echo"),
  ]);
  const lb = await elb.send(
    new CreateLoadBalancerCommand({ Name: "web", Subnets: ["subnet-1", "subnet-2"] }),
  );
  lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? "";
  dnsName = lb.LoadBalancers?.[0]?.DNSName ?? "";
  echoGroup = await targetGroup("echo", "alb-echo");
  const listener = await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Protocol: "HTTP",
      Port: 80,
      DefaultActions: [{ Type: "forward", TargetGroupArn: echoGroup }],
    }),
  );
  listenerArn = listener.Listeners?.[0]?.ListenerArn ?? "";
});

afterAll(async () => {
  elb?.destroy();
  await nimbus?.stop();
});

describe("the ALB event", () => {
  it("carries each field as ALB sends it (query left URL-encoded, last of repeated names)", async () => {
    const res = await raw("/_nimbus/elb/web/echo/x?q=a%20b&q=c&flag", { headers: { "X-Custom": "yes" } });
    expect(res.status).toBe(200);
    expect(res.statusMessage).toBe("OK");
    expect(res.headers["x-target"]).toBe("alb-echo");
    const event: Loose = JSON.parse(res.body.toString());
    expect(Object.keys(event)).toEqual([
      "requestContext",
      "httpMethod",
      "path",
      "queryStringParameters",
      "headers",
      "body",
      "isBase64Encoded",
    ]);
    expect(event.requestContext).toEqual({ elb: { targetGroupArn: echoGroup } });
    expect(event.httpMethod).toBe("GET");
    expect(event.path).toBe("/echo/x");
    expect(event.queryStringParameters).toEqual({ q: "c", flag: "" });
    expect(event.headers["x-custom"]).toBe("yes");
    expect(event.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(event.headers["x-forwarded-port"]).toBe("80");
    expect(event.headers["x-forwarded-proto"]).toBe("http");
    expect(event.headers["x-amzn-trace-id"]).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(event.headers.host).toBe(new URL(nimbus.url).host);
    expect(event.body).toBe("");
    expect(event.isBase64Encoded).toBe(false);
  });

  it("is reached by the load balancer's DNS name as Host too", async () => {
    const port = new URL(nimbus.url).port;
    expect(dnsName).toMatch(/^web-[0-9a-f]{10}\.elb\.localhost$/);
    const res = await raw("/by/host?x=1", { host: `${dnsName}:${port}` });
    const event: Loose = JSON.parse(res.body.toString());
    expect(event.path).toBe("/by/host");
    expect(event.headers.host).toBe(`${dnsName}:${port}`);
  });

  it("sends a text body as is and round-trips a binary body base64", async () => {
    const text = await raw("/_nimbus/elb/web/post", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.from('{"a":1}'),
    });
    expect(JSON.parse(text.body.toString())).toMatchObject({
      httpMethod: "POST",
      body: '{"a":1}',
      isBase64Encoded: false,
    });
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const res = await fetch(`${nimbus.url}/_nimbus/elb/web/binary`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it("answers 502 Bad Gateway when the function fails or answers without a statusCode", async () => {
    for (const path of ["/throw", "/malformed"]) {
      const res = await raw(`/_nimbus/elb/web${path}`);
      expect(res.status).toBe(502);
      expect(res.headers["content-type"]).toBe("text/html");
      expect(res.body.toString()).toContain("<h1>502 Bad Gateway</h1>");
    }
  });
});

describe("multi-value headers", () => {
  it("switches the event and the response to the multi-value maps", async () => {
    const group = await targetGroup("multi", "alb-multi");
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: group,
        Attributes: [{ Key: "lambda.multi_value_headers.enabled", Value: "true" }],
      }),
    );
    await rule(
      900,
      [{ Field: "path-pattern", PathPatternConfig: { Values: ["/multi/*"] } }],
      "placeholder",
    ).then((arn) =>
      elb.send(
        new ModifyRuleCommand({ RuleArn: arn, Actions: [{ Type: "forward", TargetGroupArn: group }] }),
      ),
    );
    const res = await raw("/_nimbus/elb/web/multi/x?q=a%20b&q=c", { headers: { "X-One": "1" } });
    const event: Loose = JSON.parse(res.body.toString());
    expect(event.headers).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.multiValueQueryStringParameters).toEqual({ q: ["a%20b", "c"] });
    expect(event.multiValueHeaders["x-one"]).toEqual(["1"]);
    expect(event.requestContext.elb.targetGroupArn).toBe(group);

    const cookies = await fetch(`${nimbus.url}/_nimbus/elb/web/multi/cookies`);
    expect(cookies.status).toBe(201);
    expect(cookies.statusText).toBe("Made Fresh");
    expect(cookies.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    const single = await fetch(`${nimbus.url}/_nimbus/elb/web/cookies`);
    expect(single.headers.getSetCookie()).toEqual(["a=1, b=2"]);
  });
});

describe("rules", () => {
  it("pick the matching rule of the lowest priority, for each condition type", async () => {
    const special = await rule(5, [{ Field: "path-pattern", Values: ["/api/special"] }], "special");
    const api = await rule(
      10,
      [{ Field: "path-pattern", PathPatternConfig: { Values: ["/api/*", "/v?/x"] } }],
      "api",
    );
    await rule(20, [{ Field: "host-header", HostHeaderConfig: { Values: ["*.example.test"] } }], "host");
    await rule(
      30,
      [{ Field: "http-header", HttpHeaderConfig: { HttpHeaderName: "X-Env", Values: ["prod*"] } }],
      "header",
    );
    await rule(
      40,
      [{ Field: "query-string", QueryStringConfig: { Values: [{ Key: "v", Value: "2" }] } }],
      "query",
    );
    await rule(
      50,
      [{ Field: "http-request-method", HttpRequestMethodConfig: { Values: ["DELETE"] } }],
      "method",
    );
    await rule(
      60,
      [
        { Field: "source-ip", SourceIpConfig: { Values: ["127.0.0.0/8"] } },
        { Field: "path-pattern", Values: ["/ip"] },
      ],
      "ip",
    );
    const body = async (path: string, options: Parameters<typeof raw>[1] = {}) =>
      (await raw(`/_nimbus/elb/web${path}`, options)).body.toString();
    expect(await body("/api/special")).toBe("special");
    expect(await body("/api/other")).toBe("api");
    expect(await body("/v1/x")).toBe("api");
    expect(await body("/x", { host: "www.example.test" })).toBe("host");
    expect(await body("/x", { headers: { "x-env": "Production" } })).toBe("header");
    expect(await body("/x?v=2")).toBe("query");
    expect(await body("/x", { method: "DELETE" })).toBe("method");
    expect(await body("/ip")).toBe("ip");
    // No rule matches: the listener's default action (forward to the echo function).
    expect(JSON.parse(await body("/x?v=3")).path).toBe("/x");

    // Swapping priorities changes which rule wins.
    await elb.send(
      new SetRulePrioritiesCommand({
        RulePriorities: [
          { RuleArn: special, Priority: 10 },
          { RuleArn: api, Priority: 5 },
        ],
      }),
    );
    expect(await body("/api/special")).toBe("api");
    const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    expect(rules.Rules?.map((r) => r.Priority)).toEqual([
      "5",
      "10",
      "20",
      "30",
      "40",
      "50",
      "60",
      "900",
      "default",
    ]);
    expect(rules.Rules?.at(-1)?.IsDefault).toBe(true);
  });
});

describe("fixed-response and redirect actions", () => {
  it("answer from the listener on the port the path form names", async () => {
    const listener = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Port: 8080,
        DefaultActions: [
          {
            Type: "fixed-response",
            FixedResponseConfig: {
              StatusCode: "418",
              ContentType: "application/json",
              MessageBody: '{"tea":true}',
            },
          },
        ],
      }),
    );
    const arn = listener.Listeners?.[0]?.ListenerArn ?? "";
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: arn,
        Priority: 1,
        Conditions: [{ Field: "path-pattern", Values: ["/old/*"] }],
        Actions: [
          {
            Type: "redirect",
            RedirectConfig: { StatusCode: "HTTP_301", Path: "/new/#{path}", Query: "moved=1" },
          },
        ],
      }),
    );
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: arn,
        Priority: 2,
        Conditions: [{ Field: "path-pattern", Values: ["/away"] }],
        Actions: [
          {
            Type: "redirect",
            RedirectConfig: { StatusCode: "HTTP_302", Protocol: "HTTPS", Host: "example.com", Port: "443" },
          },
        ],
      }),
    );
    const tea = await fetch(`${nimbus.url}/_nimbus/elb/web:8080/anything`);
    expect(tea.status).toBe(418);
    expect(tea.headers.get("content-type")).toBe("application/json");
    expect(await tea.json()).toEqual({ tea: true });

    const port = new URL(nimbus.url).port;
    const moved = await fetch(`${nimbus.url}/_nimbus/elb/web:8080/old/page?x=1`, { redirect: "manual" });
    expect(moved.status).toBe(301);
    expect(moved.headers.get("location")).toBe(
      `http://127.0.0.1:${port}/_nimbus/elb/web:8080/new/old/page?moved=1`,
    );
    const away = await fetch(`${nimbus.url}/_nimbus/elb/web:8080/away?q=2`, { redirect: "manual" });
    expect(away.status).toBe(302);
    expect(away.headers.get("location")).toBe("https://example.com/away?q=2");

    // Without a port the lowest port's listener answers (port 80, the echo function).
    expect((await fetch(`${nimbus.url}/_nimbus/elb/web/old/page`)).status).toBe(200);
    // A port no listener has is refused.
    expect((await fetch(`${nimbus.url}/_nimbus/elb/web:9999/`)).status).toBe(503);
  });

  it("answers 503 when the target group has no registered function", async () => {
    const empty = await targetGroup("empty");
    await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 999,
        Conditions: [{ Field: "path-pattern", Values: ["/empty"] }],
        Actions: [{ Type: "forward", TargetGroupArn: empty }],
      }),
    );
    const res = await raw("/_nimbus/elb/web/empty");
    expect(res.status).toBe(503);
    expect(res.body.toString()).toContain("503 Service Temporarily Unavailable");
  });
});
