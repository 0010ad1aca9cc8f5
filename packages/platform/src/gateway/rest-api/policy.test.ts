import { describe, expect, it } from "vitest";
import { evaluatePolicy, isPolicyDocument, wildcardMatch } from "./policy.js";

const arn = "arn:aws:execute-api:us-east-1:000000000000:abc1234567/prod/GET/items/42";
const policy = (...statements: unknown[]) => ({ Version: "2012-10-17", Statement: statements });

describe("evaluatePolicy", () => {
  it("allows a matching Allow", () => {
    expect(
      evaluatePolicy(policy({ Effect: "Allow", Action: "execute-api:Invoke", Resource: arn }), arn),
    ).toBe("allow");
  });
  it("matches wildcards in Resource and Action", () => {
    const p = policy({
      Effect: "Allow",
      Action: "execute-api:*",
      Resource: ["arn:aws:execute-api:us-east-1:000000000000:abc1234567/*/GET/*"],
    });
    expect(evaluatePolicy(p, arn)).toBe("allow");
    expect(evaluatePolicy(p, arn.replace("/GET/", "/POST/"))).toBe("deny");
  });
  it("lets an explicit Deny win over an Allow", () => {
    const p = policy(
      { Effect: "Allow", Action: "execute-api:Invoke", Resource: "*" },
      {
        Effect: "Deny",
        Action: "execute-api:Invoke",
        Resource: "arn:aws:execute-api:*:*:*/prod/GET/items/*",
      },
    );
    expect(evaluatePolicy(p, arn)).toBe("explicit-deny");
  });
  it("denies when nothing matches, and a single statement object works", () => {
    expect(evaluatePolicy(policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }), arn)).toBe(
      "deny",
    );
    expect(
      evaluatePolicy(
        {
          Version: "2012-10-17",
          Statement: { Effect: "Allow", Action: "execute-api:Invoke", Resource: "*" },
        },
        arn,
      ),
    ).toBe("allow");
    expect(evaluatePolicy(undefined, arn)).toBe("deny");
  });
});

describe("policy helpers", () => {
  it("checks the document shape", () => {
    expect(isPolicyDocument(policy())).toBe(true);
    expect(isPolicyDocument({ Version: "x" })).toBe(false);
  });
  it("matches ? as one character and escapes regex characters", () => {
    expect(wildcardMatch("a?c", "abc")).toBe(true);
    expect(wildcardMatch("a.c", "abc")).toBe(false);
  });
});
