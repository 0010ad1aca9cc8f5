import { describe, expect, it } from "vitest";
import { policyJson, principalJson, statementJson } from "./permission-policy.js";

const ARN = "arn:aws:lambda:us-east-1:000000000000:function:f";

describe("resource policy statements", () => {
  it("renders principals as Lambda does", () => {
    expect(principalJson("*")).toBe("*");
    expect(principalJson("123456789012")).toEqual({ AWS: "arn:aws:iam::123456789012:root" });
    expect(principalJson("arn:aws:iam::123456789012:role/r")).toEqual({
      AWS: "arn:aws:iam::123456789012:role/r",
    });
    expect(principalJson("s3.amazonaws.com")).toEqual({ Service: "s3.amazonaws.com" });
    expect(() => principalJson("someone")).toThrow("The provided principal was invalid");
  });

  it("puts SourceArn under ArnLike and the other conditions under StringEquals", () => {
    expect(
      statementJson(
        {
          sid: "a",
          action: "lambda:InvokeFunction",
          principal: "*",
          sourceArn: "arn:aws:sns:us-east-1:000000000000:t",
          sourceAccount: "000000000000",
          eventSourceToken: "tok",
          principalOrgId: "o-abcdefghij",
        },
        ARN,
      ),
    ).toEqual({
      Sid: "a",
      Effect: "Allow",
      Principal: "*",
      Action: "lambda:InvokeFunction",
      Resource: ARN,
      Condition: {
        StringEquals: {
          "AWS:SourceAccount": "000000000000",
          "lambda:EventSourceToken": "tok",
          "aws:PrincipalOrgID": "o-abcdefghij",
        },
        ArnLike: { "AWS:SourceArn": "arn:aws:sns:us-east-1:000000000000:t" },
      },
    });
  });

  it("leaves Condition out when there is none and wraps statements in the default document", () => {
    const doc = policyJson([{ sid: "b", action: "lambda:*", principal: "events.amazonaws.com" }], ARN);
    expect(doc).toEqual({
      Version: "2012-10-17",
      Id: "default",
      Statement: [
        {
          Sid: "b",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "lambda:*",
          Resource: ARN,
        },
      ],
    });
  });
});
