import { describe, expect, it } from "vitest";
import { keepGroupOrder, readBatchResponse } from "./batch-response.js";

const ids = new Set(["a", "b", "c"]);
const read = (text: string) => readBatchResponse(Buffer.from(text), ids);

describe("readBatchResponse", () => {
  it.each([
    ["an empty response", ""],
    ["null", "null"],
    ["an empty object", "{}"],
    ["a null list", '{"batchItemFailures":null}'],
    ["an empty list", '{"batchItemFailures":[]}'],
  ])("treats %s as all succeeded", (_name, text) => {
    expect(read(text)).toEqual({ kind: "partial", failedIds: [] });
  });

  it("returns the reported message ids, once each", () => {
    expect(
      read('{"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"c"},{"itemIdentifier":"b"}]}'),
    ).toEqual({ kind: "partial", failedIds: ["b", "c"] });
  });

  it.each([
    ["invalid JSON", "{not json"],
    ["a string", '"ok"'],
    ["a list", "[]"],
    ["a list that is not a list", '{"batchItemFailures":"a"}'],
    ["an entry that is not an object", '{"batchItemFailures":["a"]}'],
    ["an empty itemIdentifier", '{"batchItemFailures":[{"itemIdentifier":""}]}'],
    ["a null itemIdentifier", '{"batchItemFailures":[{"itemIdentifier":null}]}'],
    ["a wrongly spelled key", '{"batchItemFailures":[{"itemIdentifer":"a"}]}'],
    ["an unknown message id", '{"batchItemFailures":[{"itemIdentifier":"z"}]}'],
    ["a number as id", '{"batchItemFailures":[{"itemIdentifier":5}]}'],
  ])("fails the whole batch for %s", (_name, text) => {
    expect(read(text).kind).toBe("all-failed");
  });
});

describe("keepGroupOrder", () => {
  const batch = [
    { messageId: "1", groupId: "g1" },
    { messageId: "2", groupId: "g2" },
    { messageId: "3", groupId: "g1" },
    { messageId: "4", groupId: "g2" },
    { messageId: "5", groupId: "g1" },
  ];

  it("keeps every later message of a group that had a failure", () => {
    expect(keepGroupOrder(batch, ["3"])).toEqual(["3", "5"]);
    expect(keepGroupOrder(batch, ["1", "4"])).toEqual(["1", "3", "4", "5"]);
  });

  it("keeps only the failed ones on a standard queue", () => {
    const standard = batch.map((m) => ({ messageId: m.messageId, groupId: undefined }));
    expect(keepGroupOrder(standard, ["3"])).toEqual(["3"]);
  });
});
