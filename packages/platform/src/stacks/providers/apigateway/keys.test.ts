import { describe, expect, it } from "vitest";
import { stageKeysOf } from "./keys.js";
import { APIGW_PROVIDER_ERRORS, Props } from "./props.js";

const T = "AWS::ApiGateway::ApiKey";

describe("AWS::ApiGateway::ApiKey StageKeys", () => {
  it("reads {RestApiId, StageName} items as <restApiId>/<stageName>, once each", () => {
    const props = new Props(T, {
      StageKeys: [
        { RestApiId: "abc123", StageName: "prod" },
        { RestApiId: "abc123", StageName: "beta" },
        { RestApiId: "abc123", StageName: "prod" },
      ],
    });
    expect(stageKeysOf(props)).toEqual(["abc123/prod", "abc123/beta"]);
    expect(stageKeysOf(new Props(T, {}))).toEqual([]);
  });

  it("refuses items without both members, unknown members and non-lists", () => {
    const bad = [
      { StageKeys: [{ RestApiId: "abc123" }] },
      { StageKeys: [{ StageName: "prod" }] },
      { StageKeys: [{ RestApiId: "abc123", StageName: "prod", Other: 1 }] },
      { StageKeys: ["abc123/prod"] },
      { StageKeys: { RestApiId: "abc123", StageName: "prod" } },
    ];
    for (const properties of bad) {
      expect(() => stageKeysOf(new Props(T, properties))).toThrow(
        expect.objectContaining({
          code: expect.stringMatching(
            new RegExp(`${APIGW_PROVIDER_ERRORS.propertyInvalid}|${APIGW_PROVIDER_ERRORS.unsupported}`),
          ),
        }),
      );
    }
  });
});
