import { describe, expect, it } from "vitest";
import { compileListener, type RequestFacts, selectActions, wildcard } from "./conditions.js";
import type { ListenerRecord, RuleAction, RuleCondition } from "./model.js";

const fixed = (body: string): RuleAction[] => [
  { type: "fixed-response", statusCode: "200", messageBody: body },
];

function listener(rules: { priority: number; conditions: RuleCondition[]; body: string }[]): ListenerRecord {
  return {
    listenerId: "l",
    defaultRuleId: "d",
    port: 80,
    protocol: "HTTP",
    defaultActions: fixed("default"),
    rules: rules.map((r, i) => ({
      ruleId: `r${i}`,
      priority: r.priority,
      conditions: r.conditions,
      actions: fixed(r.body),
    })),
  };
}

const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  method: "GET",
  path: "/",
  host: "example.com",
  headers: {},
  query: [],
  sourceIp: "10.0.0.5",
  ...over,
});

function chosen(l: ListenerRecord, f: RequestFacts): string | undefined {
  const [action] = selectActions(compileListener(l), f);
  return action?.type === "fixed-response" ? action.messageBody : undefined;
}

describe("wildcard", () => {
  it("matches * as any run and ? as exactly one character, over the whole value", () => {
    expect(wildcard("/img/*", false).test("/img/a/b.png")).toBe(true);
    expect(wildcard("/img/*", false).test("/imgs")).toBe(false);
    expect(wildcard("/v?/x", false).test("/v1/x")).toBe(true);
    expect(wildcard("/v?/x", false).test("/v12/x")).toBe(false);
    expect(wildcard("a.b", false).test("axb")).toBe(false);
    expect(wildcard("/API", false).test("/api")).toBe(false);
    expect(wildcard("*.Example.com", true).test("www.example.com")).toBe(true);
  });
});

describe("rule selection", () => {
  it("takes the matching rule of the lowest priority, else the default actions", () => {
    const l = listener([
      { priority: 20, conditions: [{ field: "path-pattern", values: ["/api/*"] }], body: "api" },
      { priority: 5, conditions: [{ field: "path-pattern", values: ["/api/special"] }], body: "special" },
    ]);
    expect(chosen(l, facts({ path: "/api/special" }))).toBe("special");
    expect(chosen(l, facts({ path: "/api/other" }))).toBe("api");
    expect(chosen(l, facts({ path: "/else" }))).toBe("default");
  });

  it("requires every condition of a rule and any value of a condition", () => {
    const l = listener([
      {
        priority: 1,
        conditions: [
          { field: "host-header", values: ["a.example.com", "b.example.com"] },
          { field: "http-request-method", values: ["POST"] },
        ],
        body: "both",
      },
    ]);
    expect(chosen(l, facts({ host: "b.example.com", method: "POST" }))).toBe("both");
    expect(chosen(l, facts({ host: "b.example.com", method: "GET" }))).toBe("default");
    expect(chosen(l, facts({ host: "c.example.com", method: "POST" }))).toBe("default");
  });

  it("matches http-header values case-insensitively by header name", () => {
    const l = listener([
      {
        priority: 1,
        conditions: [{ field: "http-header", headerName: "X-Env", values: ["prod*"] }],
        body: "h",
      },
    ]);
    expect(chosen(l, facts({ headers: { "x-env": ["Production"] } }))).toBe("h");
    expect(chosen(l, facts({ headers: { "x-env": ["staging"] } }))).toBe("default");
    expect(chosen(l, facts())).toBe("default");
  });

  it("matches query-string pairs, with or without a key", () => {
    const l = listener([
      {
        priority: 1,
        conditions: [{ field: "query-string", values: [], queryValues: [{ key: "v", value: "2" }] }],
        body: "kv",
      },
      {
        priority: 2,
        conditions: [{ field: "query-string", values: [], queryValues: [{ value: "beta" }] }],
        body: "any",
      },
    ]);
    expect(
      chosen(
        l,
        facts({
          query: [
            ["x", "1"],
            ["v", "2"],
          ],
        }),
      ),
    ).toBe("kv");
    expect(chosen(l, facts({ query: [["mode", "BETA"]] }))).toBe("any");
    expect(chosen(l, facts({ query: [["v", "3"]] }))).toBe("default");
  });

  it("matches source-ip CIDR blocks, IPv4-mapped addresses included", () => {
    const l = listener([
      { priority: 1, conditions: [{ field: "source-ip", values: ["10.0.0.0/24", "::1/128"] }], body: "ip" },
    ]);
    expect(chosen(l, facts({ sourceIp: "10.0.0.200" }))).toBe("ip");
    expect(chosen(l, facts({ sourceIp: "::ffff:10.0.0.7" }))).toBe("ip");
    expect(chosen(l, facts({ sourceIp: "::1" }))).toBe("ip");
    expect(chosen(l, facts({ sourceIp: "10.0.1.1" }))).toBe("default");
  });

  it("compares methods exactly", () => {
    const l = listener([
      { priority: 1, conditions: [{ field: "http-request-method", values: ["GET"] }], body: "m" },
    ]);
    expect(chosen(l, facts({ method: "GET" }))).toBe("m");
    expect(chosen(l, facts({ method: "get" }))).toBe("default");
  });
});
