import { describe, expect, it } from "vitest";
import { snsProviders } from "./sns.js";

const provider = (type: string) => {
  const found = snsProviders().find((p) => p.type === type);
  if (!found) throw new Error(type);
  return found;
};

describe("SNS protocols Nimbus does not deliver", () => {
  it("an email subscription resource is not created; sqs, lambda, http(s) and unresolved protocols are", () => {
    const subscription = provider("AWS::SNS::Subscription");
    expect(subscription.notCreated?.({ Protocol: "email", TopicArn: "t" })).toMatch(
      /^Protocol email: Nimbus's SNS delivers to sqs, lambda, http and https endpoints only$/,
    );
    expect(subscription.notCreated?.({ Protocol: "SMS" })).toBeDefined();
    for (const protocol of ["sqs", "lambda", "http", "HTTPS"])
      expect(subscription.notCreated?.({ Protocol: protocol })).toBeUndefined();
    expect(subscription.notCreated?.({ Protocol: { Ref: "Protocol" } })).toBeUndefined();
  });

  it("a topic's inline email subscription is listed as not applied", () => {
    const topic = provider("AWS::SNS::Topic");
    expect(
      topic.notApplied?.({
        Subscription: [
          { Protocol: "email", Endpoint: "ops@example.com" },
          { Protocol: "sqs", Endpoint: "arn:aws:sqs:us-east-1:000000000000:q" },
        ],
      }),
    ).toEqual([
      "property Subscription: the email subscription is not created (Nimbus's SNS delivers to sqs, lambda, http and https endpoints only)",
    ]);
    expect(topic.notApplied?.({})).toEqual([]);
  });
});
