import { describe, expect, it } from "vitest";
import { WireReader } from "../../aws/wire-validation.js";
import { readTags, wireTags } from "./tags-api.js";

const read = (input: Record<string, unknown>) => {
  const r = new WireReader(input);
  const tags = readTags(r, input);
  r.done();
  return tags;
};

describe("wire tags", () => {
  it("reads [{key, value}] into a map, the last of a repeated key winning, and writes it back", () => {
    const tags = read({
      tags: [
        { key: "team", value: "a" },
        { key: "cost center", value: "r-d:1/2=3+4@5_6.7" },
        { key: "team", value: "b" },
        { key: "empty" },
        { key: "été", value: "größe" },
      ],
    });
    expect(tags).toEqual({ team: "b", "cost center": "r-d:1/2=3+4@5_6.7", empty: "", été: "größe" });
    expect(wireTags(tags ?? {})).toEqual([
      { key: "team", value: "b" },
      { key: "cost center", value: "r-d:1/2=3+4@5_6.7" },
      { key: "empty", value: "" },
      { key: "été", value: "größe" },
    ]);
    expect(read({})).toBeUndefined();
  });

  it("refuses keys of 0 or over 128 characters and values over 256, all at once", () => {
    expect(() =>
      read({
        tags: [
          { key: "", value: "v" },
          { key: "k".repeat(129), value: "v" },
          { key: "ok", value: "v".repeat(257) },
        ],
      }),
    ).toThrow(
      expect.objectContaining({
        awsName: "ValidationException",
        message: expect.stringMatching(
          /^3 validation errors detected: .*'tags\.1\.member\.key'.*greater than or equal to 1.*'tags\.2\.member\.key'.*less than or equal to 128.*'tags\.3\.member\.value'.*less than or equal to 256/,
        ),
      }),
    );
    expect(read({ tags: [{ key: "k".repeat(128), value: "v".repeat(256) }] })).toBeDefined();
  });

  it("refuses characters the API reference does not allow and a tag without a key", () => {
    expect(() => read({ tags: [{ key: "a#b", value: "v" }] })).toThrow(/tags\.1\.member\.key.*pattern/);
    expect(() => read({ tags: [{ key: "a", value: "x,y" }] })).toThrow(/tags\.1\.member\.value.*pattern/);
    expect(() => read({ tags: [{ value: "v" }] })).toThrow(/tags\.1\.member\.key.*must not be null/);
  });

  it("answers SerializationException for members of the wrong JSON type", () => {
    expect(() => read({ tags: { key: "a" } })).toThrow(
      expect.objectContaining({ awsName: "SerializationException" }),
    );
    expect(() => read({ tags: ["a"] })).toThrow(
      expect.objectContaining({ awsName: "SerializationException" }),
    );
    expect(() => read({ tags: [{ key: 1, value: "v" }] })).toThrow(
      expect.objectContaining({ awsName: "SerializationException" }),
    );
  });
});
