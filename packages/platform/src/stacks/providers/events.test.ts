import { describe, expect, it } from "vitest";
import { busNameOf, parseRuleRef, putRuleInput, ruleRef, ruleTargets } from "./events.js";

describe("EventBridge rule properties", () => {
  it("reads EventBusName as a name or an ARN", () => {
    expect(busNameOf(undefined)).toBe("default");
    expect(busNameOf("orders")).toBe("orders");
    expect(busNameOf("arn:aws:events:us-east-1:000000000000:event-bus/orders")).toBe("orders");
  });

  it("answers Ref as CloudFormation does: the name on the default bus, bus|name elsewhere", () => {
    expect(ruleRef("default", "r")).toBe("r");
    expect(ruleRef("orders", "r")).toBe("orders|r");
    expect(parseRuleRef("orders|r")).toEqual({ bus: "orders", name: "r" });
    expect(parseRuleRef("r")).toEqual({ bus: "default", name: "r" });
  });

  it("sends an object EventPattern as JSON text and omits the default bus", () => {
    expect(putRuleInput("r", "default", { EventPattern: { source: ["a"] }, State: "ENABLED" })).toEqual({
      Name: "r",
      EventPattern: '{"source":["a"]}',
      State: "ENABLED",
    });
    expect(putRuleInput("r", "orders", { ScheduleExpression: "rate(1 day)" })).toMatchObject({
      EventBusName: "orders",
    });
  });

  it("refuses targets without Id or with duplicate Ids", () => {
    expect(() => ruleTargets({ Targets: [{ Arn: "x" }] })).toThrow(/Id and Arn/);
    expect(() =>
      ruleTargets({
        Targets: [
          { Id: "a", Arn: "x" },
          { Id: "a", Arn: "y" },
        ],
      }),
    ).toThrow(/duplicate/);
  });
});
