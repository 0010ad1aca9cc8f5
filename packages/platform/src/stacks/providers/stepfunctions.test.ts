// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests hold CloudFormation ${Key} placeholders
import { describe, expect, it } from "vitest";
import { camelKeys, substitute, wireTags } from "./stepfunctions.js";

describe("Step Functions state machine properties", () => {
  it("replaces each ${Key} that has a substitution and leaves the others", () => {
    const text = '{"Resource":"${Fn}","Other":"${Missing}","N":${Count}}';
    expect(substitute(text, { Fn: "arn:aws:lambda:us-east-1:000000000000:function:f", Count: 3 })).toBe(
      '{"Resource":"arn:aws:lambda:us-east-1:000000000000:function:f","Other":"${Missing}","N":3}',
    );
    expect(substitute(text, undefined)).toBe(text);
  });

  it("substitutes repeatedly and refuses substitutions that refer to each other in a cycle", () => {
    expect(substitute("${A}", { A: "x-${B}", B: "y" })).toBe("x-y");
    expect(() => substitute("${A}", { A: "${B}", B: "${A}" })).toThrow(/cycle/);
  });

  it("turns CloudFormation's LoggingConfiguration into the API's camelCase", () => {
    expect(
      camelKeys({
        Level: "ALL",
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: "arn" } }],
      }),
    ).toEqual({
      level: "ALL",
      includeExecutionData: true,
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: "arn" } }],
    });
  });

  it("turns a tag map into the API's [{key, value}] list, in order", () => {
    expect(wireTags({ team: "a", env: "" })).toEqual([
      { key: "team", value: "a" },
      { key: "env", value: "" },
    ]);
    expect(wireTags({})).toEqual([]);
  });
});
