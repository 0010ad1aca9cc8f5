import { describe, expect, it } from "vitest";
import { isPlatformError } from "../../core/errors.js";
import type { SqsEventRecord } from "../sqs/sqs-event.js";
import { compileFilters } from "./record-filter.js";

function record(body: string, extra: Partial<SqsEventRecord> = {}): SqsEventRecord {
  return {
    messageId: "m1",
    receiptHandle: "r1",
    body,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1700000000000" },
    messageAttributes: {
      color: { stringValue: "red", stringListValues: [], binaryListValues: [], dataType: "String" },
    },
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q",
    awsRegion: "us-east-1",
    ...extra,
  };
}

describe("compileFilters", () => {
  it("matches a JSON body as JSON and a plain body as a string", () => {
    const json = compileFilters([JSON.stringify({ body: { kind: ["order"] } })]);
    expect(json.matches(record('{"kind":"order"}'))).toBe(true);
    expect(json.matches(record('{"kind":"refund"}'))).toBe(false);
    expect(json.matches(record("kind order"))).toBe(false);
    const plain = compileFilters([JSON.stringify({ body: [{ prefix: "kind" }] })]);
    expect(plain.matches(record("kind order"))).toBe(true);
    expect(plain.matches(record('{"kind":"order"}'))).toBe(false);
  });

  it("matches the record's other fields and ORs the filters", () => {
    const filter = compileFilters([
      JSON.stringify({ messageAttributes: { color: { stringValue: ["blue"] } } }),
      JSON.stringify({ attributes: { ApproximateReceiveCount: ["1"] } }),
    ]);
    expect(filter.matches(record("x"))).toBe(true);
    expect(filter.matches(record("x", { attributes: { ApproximateReceiveCount: "2" } }))).toBe(false);
  });

  it("refuses more than 5 filters, long patterns and invalid ones, naming the filter", () => {
    const codeOf = (patterns: string[]) => {
      try {
        compileFilters(patterns);
      } catch (error) {
        return isPlatformError(error) ? `${error.code}: ${error.message}` : String(error);
      }
      return "accepted";
    };
    expect(codeOf(Array.from({ length: 6 }, () => '{"body":["x"]}'))).toMatch(
      /^ERR_SOURCES_INVALID_FILTER: .*at most 5/,
    );
    expect(codeOf([`{"body":["${"x".repeat(4100)}"]}`])).toMatch(/longer than 4096/);
    expect(codeOf(['{"body":["x"]}', '{"body":"x"}'])).toMatch(/filter 2/);
  });
});
