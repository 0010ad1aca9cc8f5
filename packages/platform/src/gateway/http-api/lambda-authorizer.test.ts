import { describe, expect, it } from "vitest";
import { decideAuthorizer, evaluatePolicy } from "./lambda-authorizer.js";

const ARN = "arn:aws:execute-api:us-east-1:000000000000:abcdefghij/$default/GET/items/1";
const policy = (effect: string, resource: string) => ({
  principalId: "me",
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: resource }],
  },
  context: { user: "u" },
});

describe("decideAuthorizer", () => {
  it("takes simple responses as they say", () => {
    expect(decideAuthorizer({ isAuthorized: true, context: { a: 1 } }, true, ARN)).toEqual({
      allow: true,
      context: { a: 1 },
    });
    expect(decideAuthorizer({ isAuthorized: false }, true, ARN)).toMatchObject({ allow: false, status: 403 });
    expect(decideAuthorizer({ allowed: true }, true, ARN)).toMatchObject({ allow: false, status: 500 });
  });

  it("allows by policy with wildcards and passes the principal and context", () => {
    expect(decideAuthorizer(policy("Allow", ARN), false, ARN)).toEqual({
      allow: true,
      context: { user: "u" },
      principalId: "me",
    });
    expect(
      decideAuthorizer(policy("Allow", "arn:aws:execute-api:us-east-1:000000000000:abcdefghij/*"), false, ARN)
        .allow,
    ).toBe(true);
    expect(
      decideAuthorizer(
        policy("Allow", "arn:aws:execute-api:us-east-1:000000000000:abcdefghij/*/POST/*"),
        false,
        ARN,
      ),
    ).toMatchObject({
      allow: false,
      status: 403,
    });
  });

  it("lets an explicit Deny win and answers 500 for a response without a policy", () => {
    expect(decideAuthorizer(policy("Deny", "*"), false, ARN)).toMatchObject({ allow: false, status: 403 });
    expect(decideAuthorizer({ principalId: "x" }, false, ARN)).toMatchObject({ allow: false, status: 500 });
    expect(decideAuthorizer("yes", false, ARN)).toMatchObject({ allow: false, status: 500 });
  });
});

describe("evaluatePolicy", () => {
  it("ignores statements for other actions", () => {
    expect(evaluatePolicy([{ Action: "s3:GetObject", Effect: "Allow", Resource: "*" }], ARN)).toBe("None");
    expect(evaluatePolicy([{ Action: ["execute-api:*"], Effect: "Allow", Resource: ["*"] }], ARN)).toBe(
      "Allow",
    );
    expect(
      evaluatePolicy(
        [
          { Action: "execute-api:Invoke", Effect: "Allow", Resource: "*" },
          { Action: "execute-api:Invoke", Effect: "Deny", Resource: ARN },
        ],
        ARN,
      ),
    ).toBe("Deny");
  });
});
