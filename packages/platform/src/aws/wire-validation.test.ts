import { describe, expect, it } from "vitest";
import { WireReader } from "./wire-validation.js";

describe("WireReader", () => {
  it("reads typed members and leaves absent ones undefined", () => {
    const r = new WireReader({ Name: "f", Size: 3, On: true, Tags: { a: "b" }, List: ["x"] });
    expect(r.string("Name")).toBe("f");
    expect(r.integer("Size")).toBe(3);
    expect(r.boolean("On")).toBe(true);
    expect(r.stringMap("Tags")).toEqual({ a: "b" });
    expect(r.stringList("List")).toEqual(["x"]);
    expect(r.string("Missing")).toBeUndefined();
    r.done();
  });

  it("throws SerializationException for a member of the wrong JSON type", () => {
    expect(() => new WireReader({ MemorySize: "big" }).integer("MemorySize")).toThrowError(
      expect.objectContaining({ awsName: "SerializationException" }),
    );
  });

  it("collects every constraint violation into one ValidationException, as AWS words it", () => {
    const r = new WireReader({ MemorySize: 64, Name: "bad name", Mode: "X" });
    r.integer("MemorySize", { min: 128 });
    r.string("Name", { pattern: /^[a-z]+$/ });
    r.enumValue("Mode", ["A", "B"]);
    let error: unknown;
    try {
      r.done();
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ awsName: "ValidationException", status: 400 });
    const message = (error as Error).message;
    expect(message).toMatch(/^3 validation errors detected: /);
    expect(message).toContain(
      "Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    );
    expect(message).toContain("Member must satisfy enum value set: [A, B]");
  });
});
