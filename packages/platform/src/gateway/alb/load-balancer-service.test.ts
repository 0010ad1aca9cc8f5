import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QueryParams } from "../../aws/query-protocol.js";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { ElbState } from "./elb-state.js";
import { LoadBalancerService } from "./load-balancer-service.js";
import type { RuleAction } from "./model.js";
import { TargetGroupService } from "./target-group-service.js";
import { readActions, readConditions } from "./wire-read.js";

const SCOPE = { region: "us-east-1", accountId: "000000000000" };
const FIXED: RuleAction[] = [{ type: "fixed-response", statusCode: "200" }];

let store: SqliteMetadataStore;
let lbs: LoadBalancerService;

function services(): LoadBalancerService {
  const state = new ElbState(store);
  const clock = new ManualClock(0);
  return new LoadBalancerService(state, new TargetGroupService(state, SCOPE, clock), SCOPE, clock);
}

beforeEach(() => {
  store = new SqliteMetadataStore(":memory:");
  lbs = services();
});

afterEach(async () => {
  await store.close();
});

describe("LoadBalancerService", () => {
  it("serializes concurrent rule changes: one of two rules with the same priority is PriorityInUse", async () => {
    const lb = await lbs.create({
      name: "a",
      type: undefined,
      scheme: undefined,
      ipAddressType: undefined,
      subnets: ["s1", "s2"],
      securityGroups: [],
    });
    const { listener } = await lbs.createListener(lbs.arn(lb), {
      port: 80,
      protocol: "HTTP",
      defaultActions: FIXED,
    });
    const arn = lbs.listenerArn(lb, listener);
    const input = {
      priority: 3,
      conditions: [{ field: "path-pattern" as const, values: ["/x"] }],
      actions: FIXED,
    };
    const outcomes = await Promise.allSettled([
      lbs.createRule(arn, input),
      lbs.createRule(arn, input),
      lbs.createRule(arn, { ...input, priority: 4 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ awsName: "PriorityInUse" });
    // A fresh service reads the same definitions back from the store.
    const again = services();
    const stored = await again.describe([], ["a"]);
    expect(stored[0]?.listeners[0]?.rules.map((r) => r.priority).sort()).toEqual([3, 4]);
  });

  it("leaves the stored document unchanged when a change is refused", async () => {
    const lb = await lbs.create({
      name: "b",
      type: undefined,
      scheme: undefined,
      ipAddressType: undefined,
      subnets: ["s1", "s2"],
      securityGroups: [],
    });
    const { listener } = await lbs.createListener(lbs.arn(lb), {
      port: 80,
      protocol: "HTTP",
      defaultActions: FIXED,
    });
    await expect(
      lbs.createListener(lbs.arn(lb), { port: 80, protocol: "HTTP", defaultActions: FIXED }),
    ).rejects.toMatchObject({ awsName: "DuplicateListener" });
    const [current] = await lbs.describe([lbs.arn(lb)], []);
    expect(current?.listeners.map((l) => l.listenerId)).toEqual([listener.listenerId]);
  });
});

describe("wire-read", () => {
  const params = (fields: Record<string, string>) => new QueryParams(new URLSearchParams(fields));

  it("reads both condition forms and refuses a field given twice", () => {
    expect(
      readConditions(
        params({
          "Conditions.member.1.Field": "http-header",
          "Conditions.member.1.HttpHeaderConfig.HttpHeaderName": "X-A",
          "Conditions.member.1.HttpHeaderConfig.Values.member.1": "v*",
          "Conditions.member.2.Field": "path-pattern",
          "Conditions.member.2.Values.member.1": "/p",
        }),
      ),
    ).toEqual([
      { field: "http-header", headerName: "X-A", values: ["v*"] },
      { field: "path-pattern", values: ["/p"] },
    ]);
    expect(() =>
      readConditions(
        params({
          "Conditions.member.1.Field": "path-pattern",
          "Conditions.member.1.Values.member.1": "/a",
          "Conditions.member.2.Field": "path-pattern",
          "Conditions.member.2.Values.member.1": "/b",
        }),
      ),
    ).toThrow("only have one 'path-pattern'");
    expect(() =>
      readConditions(
        params({
          "Conditions.member.1.Field": "source-ip",
          "Conditions.member.1.SourceIpConfig.Values.member.1": "10.0.0.0/33",
        }),
      ),
    ).toThrow("not a valid CIDR");
  });

  it("reads weighted forwards and refuses actions Nimbus cannot apply", () => {
    expect(
      readActions(
        params({
          "Actions.member.1.Type": "forward",
          "Actions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn": "a",
          "Actions.member.1.ForwardConfig.TargetGroups.member.1.Weight": "3",
          "Actions.member.1.ForwardConfig.TargetGroups.member.2.TargetGroupArn": "b",
        }),
        "Actions",
      ),
    ).toEqual([
      {
        type: "forward",
        targetGroups: [
          { arn: "a", weight: 3 },
          { arn: "b", weight: 1 },
        ],
      },
    ]);
    expect(() => readActions(params({ "Actions.member.1.Type": "authenticate-cognito" }), "Actions")).toThrow(
      "Action type 'authenticate-cognito' is not supported by Nimbus",
    );
    expect(() =>
      readActions(
        params({
          "Actions.member.1.Type": "redirect",
          "Actions.member.1.RedirectConfig.StatusCode": "HTTP_307",
        }),
        "Actions",
      ),
    ).toThrow("HTTP_301 or HTTP_302");
  });
});
