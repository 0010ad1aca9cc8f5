import { describe, expect, it } from "vitest";
import type { TargetDef } from "./bus-model.js";
import { readPath, targetPayload, transform, validatePath } from "./target-input.js";

const event = {
  version: "0",
  id: "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "123456789012",
  time: "2015-11-11T21:29:54Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
  detail: { "instance-id": "i-0123456789", state: "RUNNING", tags: { a: 1 }, list: [1, 2] },
};
const ctx = {
  ruleArn: "arn:aws:events:us-east-1:123456789012:rule/r",
  ruleName: "r",
  ingestedAt: Date.UTC(2025, 0, 1),
};
const paths = { instance: "$.detail.instance-id", state: "$.detail.state", tags: "$.detail.tags" };
const base: TargetDef = {
  id: "t",
  arn: "arn:aws:sqs:us-east-1:123456789012:q",
  retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
};

// The InputTemplate examples of the EventBridge User Guide ("Transforming target input").
describe("InputTransformer", () => {
  it.each([
    ['{"instance": <instance>, "state": <state>}', '{"instance": "i-0123456789", "state": "RUNNING"}'],
    ['{"instance": "<instance>", "state": "<state>"}', '{"instance": "i-0123456789", "state": "RUNNING"}'],
    ['"instance <instance> is in <state>"', '"instance i-0123456789 is in RUNNING"'],
    ['{"tags": <tags>, "quoted": "<tags>"}', '{"tags": {"a":1}, "quoted": "{\\"a\\":1}"}'],
    ['["<instance>", <state>]', '["i-0123456789", "RUNNING"]'],
    ['{"missing": <nope>, "q": "<nope>"}', '{"missing": <nope>, "q": "<nope>"}'],
    [
      '{"rule": "<aws.events.rule-name>", "arn": <aws.events.rule-arn>}',
      `{"rule": "r", "arn": "${ctx.ruleArn}"}`,
    ],
    ['{"at": "<aws.events.event.ingestion-time>"}', '{"at": "2025-01-01T00:00:00.000Z"}'],
    ['{"text": "a \\"<state>\\" b"}', '{"text": "a \\"RUNNING\\" b"}'],
  ])("%s -> %s", (template, want) => {
    expect(transform({ inputPathsMap: paths, inputTemplate: template }, event, ctx)).toBe(want);
  });

  it("gives null outside quotes and nothing inside for a path with no value", () => {
    const t = { inputPathsMap: { x: "$.detail.absent" }, inputTemplate: '{"a": <x>, "b": "<x>"}' };
    expect(transform(t, event, ctx)).toBe('{"a": null, "b": ""}');
  });

  it("puts the whole event in <aws.events.event>", () => {
    const out = transform({ inputPathsMap: {}, inputTemplate: '{"e": <aws.events.event>}' }, event, ctx);
    expect(JSON.parse(out)).toEqual({ e: event });
  });
});

describe("Input and InputPath", () => {
  it("sends the event, a constant, or the value at a path", () => {
    expect(JSON.parse(targetPayload(base, event, ctx))).toEqual(event);
    expect(targetPayload({ ...base, input: '{"k":1}' }, event, ctx)).toBe('{"k":1}');
    expect(targetPayload({ ...base, inputPath: "$.detail.state" }, event, ctx)).toBe('"RUNNING"');
    expect(targetPayload({ ...base, inputPath: "$.resources[0]" }, event, ctx)).toBe(
      `"${event.resources[0]}"`,
    );
    expect(targetPayload({ ...base, inputPath: "$" }, event, ctx)).toBe(JSON.stringify(event));
  });

  it("reads paths with indexes and quoted keys", () => {
    expect(readPath(event, "$.detail.list[1]")).toBe(2);
    expect(readPath(event, "$['detail-type']")).toBe(event["detail-type"]);
    expect(readPath(event, "$.detail.nothing.deeper")).toBeUndefined();
  });

  it.each(["detail", "$..detail", "$.detail[*]", "$.a b"])("refuses the path %s", (path) => {
    expect(() => validatePath(path, "InputPath")).toThrow(/not a valid JSON path/);
  });
});
