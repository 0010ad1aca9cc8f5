import { describe, expect, it } from "vitest";
import { attributeChanges, tagChanges, tagMap } from "./service-props.js";

const SPEC = {
  DisplayName: { kind: "scalar" as const, reset: "" },
  DeliveryPolicy: { kind: "json" as const, reset: "" },
};

describe("service attributes and tags", () => {
  it("updates changed attributes and resets dropped ones", () => {
    expect(
      attributeChanges(
        { DisplayName: "a", DeliveryPolicy: { x: 1 } },
        { DisplayName: "b" },
        SPEC,
        "AWS::SNS::Topic",
      ),
    ).toEqual({ DisplayName: "b", DeliveryPolicy: "" });
    expect(attributeChanges({ DisplayName: "a" }, { DisplayName: "a" }, SPEC, "AWS::SNS::Topic")).toEqual({});
  });

  it("reads tag lists and diffs them", () => {
    const before = tagMap(
      {
        Tags: [
          { Key: "a", Value: "1" },
          { Key: "b", Value: "2" },
        ],
      },
      "T",
    );
    const after = tagMap(
      {
        Tags: [
          { Key: "b", Value: "3" },
          { Key: "c", Value: "" },
        ],
      },
      "T",
    );
    expect(tagChanges(before, after)).toEqual({ set: { b: "3", c: "" }, remove: ["a"] });
    expect(() => tagMap({ Tags: [{ Value: "x" }] }, "T")).toThrow(/Key, Value/);
  });
});
