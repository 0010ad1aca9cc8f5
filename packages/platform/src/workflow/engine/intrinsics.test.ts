import { describe, expect, it } from "vitest";
import { IntrinsicSyntaxError, parseIntrinsic } from "./intrinsic-parser.js";
import { evaluateIntrinsic, type IntrinsicContext } from "./intrinsics.js";
import type { Json } from "./json.js";
import { queryPath } from "./jsonpath.js";
import { StatesError } from "./states-error.js";

function contextFor(input: Json, random = () => 0.5): IntrinsicContext {
  return {
    resolvePath: (path) => {
      const result = queryPath(path, input);
      if (!result.found) throw new StatesError("States.Runtime", `missing ${path}`);
      return result.value;
    },
    random,
    uuid: () => "11111111-2222-4333-8444-555555555555",
  };
}

const run = (text: string, input: Json = {}) => evaluateIntrinsic(text, contextFor(input));
const failure = (text: string, input: Json = {}) => {
  try {
    run(text, input);
  } catch (error) {
    return error instanceof StatesError ? error.error : "other";
  }
  return "no error";
};

describe("intrinsic functions (AWS documentation examples)", () => {
  it("States.Format fills {} in order", () => {
    expect(run("States.Format('Hello, my name is {}.', $.name)", { name: "Arnav" })).toBe(
      "Hello, my name is Arnav.",
    );
    expect(run("States.Format('{} {} {}', 1, 1.1, null)")).toBe("1 1.1 null");
    expect(run("States.Format('{}', $.o)", { o: { a: [1] } })).toBe('{"a":[1]}');
  });

  it("States.Format honours escaped quotes and braces", () => {
    expect(run("States.Format('It\\'s {} \\{literal\\}', 'x')")).toBe("It's x {literal}");
    expect(run("States.Format('back\\\\slash {}', 1)")).toBe("back\\slash 1");
  });

  it("States.Format fails when the argument count does not match", () => {
    expect(failure("States.Format('{} {}', 1)")).toBe("States.IntrinsicFailure");
    expect(failure("States.Format('{}', 1, 2)")).toBe("States.IntrinsicFailure");
  });

  it("States.StringToJson and States.JsonToString convert JSON text", () => {
    expect(run("States.StringToJson($.escapedJsonString)", { escapedJsonString: '{"foo": "bar"}' })).toEqual({
      foo: "bar",
    });
    expect(run("States.JsonToString($.unescapedJson)", { unescapedJson: { foo: "bar" } })).toBe(
      '{"foo":"bar"}',
    );
    expect(failure("States.StringToJson('{nope')")).toBe("States.IntrinsicFailure");
  });

  it("States.Array builds an array from its arguments", () => {
    expect(run("States.Array('Foo', 2020, $.someJson, null)", { someJson: { random: "abcdefg" } })).toEqual([
      "Foo",
      2020,
      { random: "abcdefg" },
      null,
    ]);
    expect(run("States.Array()")).toEqual([]);
  });

  const nine = { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9] };

  it("States.ArrayPartition chunks an array", () => {
    expect(run("States.ArrayPartition($.inputArray, 4)", nine)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
    expect(failure("States.ArrayPartition($.inputArray, 0)", nine)).toBe("States.IntrinsicFailure");
  });

  it("States.ArrayContains tests membership by value", () => {
    expect(run("States.ArrayContains($.inputArray, 5)", nine)).toBe(true);
    expect(run("States.ArrayContains($.a, $.v)", { a: [{ x: 1 }], v: { x: 1 } })).toBe(true);
    expect(run("States.ArrayContains($.inputArray, 10)", nine)).toBe(false);
  });

  it("States.ArrayRange includes the end when the step lands on it", () => {
    expect(run("States.ArrayRange(1, 9, 2)")).toEqual([1, 3, 5, 7, 9]);
    expect(run("States.ArrayRange(5, 1, -2)")).toEqual([5, 3, 1]);
    expect(failure("States.ArrayRange(1, 9, 0)")).toBe("States.IntrinsicFailure");
    expect(failure("States.ArrayRange(0, 5000, 1)")).toBe("States.IntrinsicFailure");
  });

  it("States.ArrayGetItem, ArrayLength and ArrayUnique", () => {
    expect(run("States.ArrayGetItem($.inputArray, $.index)", { ...nine, index: 5 })).toBe(6);
    expect(failure("States.ArrayGetItem($.inputArray, 9)", nine)).toBe("States.IntrinsicFailure");
    expect(run("States.ArrayLength($.inputArray)", nine)).toBe(9);
    expect(run("States.ArrayUnique($.a)", { a: [1, 2, 3, 3, 3, 3, 3, 3, 4] })).toEqual([1, 2, 3, 4]);
  });

  it("States.Base64Encode and Base64Decode", () => {
    expect(run("States.Base64Encode($.input)", { input: "Data to encode" })).toBe("RGF0YSB0byBlbmNvZGU=");
    expect(run("States.Base64Decode($.base64)", { base64: "RGF0YSB0byBlbmNvZGU=" })).toBe("Data to encode");
    expect(failure("States.Base64Decode('***')")).toBe("States.IntrinsicFailure");
    expect(failure("States.Base64Encode($.s)", { s: "x".repeat(10_001) })).toBe("States.IntrinsicFailure");
  });

  it("States.Hash computes lowercase hex digests", () => {
    expect(run("States.Hash($.Data, $.Algorithm)", { Data: "input data", Algorithm: "SHA-1" })).toBe(
      "aaff4a450a104cd177d28d18d74485e8cae074b7",
    );
    expect(run("States.Hash('input data', 'MD5')")).toMatch(/^[0-9a-f]{32}$/);
    expect(failure("States.Hash('x', 'SHA-3')")).toBe("States.IntrinsicFailure");
  });

  it("States.JsonMerge merges shallowly and refuses deep merges", () => {
    const input = { json1: { a: { a1: 1, a2: 2 }, b: 2 }, json2: { a: { a3: 1, a4: 2 }, c: 3 } };
    expect(run("States.JsonMerge($.json1, $.json2, false)", input)).toEqual({
      a: { a3: 1, a4: 2 },
      b: 2,
      c: 3,
    });
    expect(failure("States.JsonMerge($.json1, $.json2, true)", input)).toBe("States.IntrinsicFailure");
  });

  it("States.MathRandom draws from the injected source and repeats for a seed", () => {
    expect(
      evaluateIntrinsic(
        "States.MathRandom(1, 999)",
        contextFor({}, () => 0),
      ),
    ).toBe(1);
    expect(
      evaluateIntrinsic(
        "States.MathRandom(1, 999)",
        contextFor({}, () => 0.999999),
      ),
    ).toBe(999);
    const seeded = run("States.MathRandom(0, 999, 3)");
    expect(run("States.MathRandom(0, 999, 3)")).toBe(seeded);
    expect(seeded).toBeGreaterThanOrEqual(0);
    expect(seeded).toBeLessThanOrEqual(999);
  });

  it("States.MathAdd rounds its arguments like AWS (recorded results)", () => {
    expect(run("States.MathAdd($.value1, $.step)", { value1: 111, step: -1 })).toBe(110);
    expect(run("States.MathAdd(-9, 3)")).toBe(-6);
    expect(run("States.MathAdd(1.49, 1.5)")).toBe(3);
    expect(run("States.MathAdd(1.5, 1.51)")).toBe(4);
    expect(run("States.MathAdd(-1.49, -1.5)")).toBe(-2);
    expect(failure("States.MathAdd(2147483647, 1)")).toBe("States.IntrinsicFailure");
  });

  it("States.StringSplit splits on any delimiter character and drops empty parts", () => {
    expect(
      run("States.StringSplit($.inputString, $.splitter)", { inputString: "1,2,3,4,5", splitter: "," }),
    ).toEqual(["1", "2", "3", "4", "5"]);
    expect(run("States.StringSplit('This.is+a,test=string', '.+,=')")).toEqual([
      "This",
      "is",
      "a",
      "test",
      "string",
    ]);
    expect(run("States.StringSplit(' , ', ',')")).toEqual([" ", " "]);
    expect(run("States.StringSplit(',,,,', ',')")).toEqual([]);
  });

  it("States.UUID uses the injected generator", () => {
    expect(run("States.UUID()")).toBe("11111111-2222-4333-8444-555555555555");
  });

  it("nests calls", () => {
    expect(run("States.Format('{} items', States.ArrayLength(States.Array(1, 2, 3)))")).toBe("3 items");
  });

  it("fails on unknown functions and wrong argument types", () => {
    expect(failure("States.Nope(1)")).toBe("States.IntrinsicFailure");
    expect(failure("States.ArrayLength('x')")).toBe("States.IntrinsicFailure");
    expect(failure("States.UUID(1)")).toBe("States.IntrinsicFailure");
  });
});

describe("parseIntrinsic", () => {
  it("parses paths containing commas and parentheses as one argument", () => {
    const call = parseIntrinsic("States.Array($.a[?(@.x == 'a,b')], $$.Execution.Id, $myVar.x)");
    expect(call.args).toEqual([
      { kind: "path", path: "$.a[?(@.x == 'a,b')]" },
      { kind: "path", path: "$$.Execution.Id" },
      { kind: "path", path: "$myVar.x" },
    ]);
  });

  it("rejects malformed calls and nesting deeper than 10", () => {
    expect(() => parseIntrinsic("States.Format('x'")).toThrow(IntrinsicSyntaxError);
    expect(() => parseIntrinsic("States.Format('x') extra")).toThrow(IntrinsicSyntaxError);
    const deep = `${"States.Array(".repeat(11)}1${")".repeat(11)}`;
    expect(() => parseIntrinsic(deep)).toThrow(IntrinsicSyntaxError);
    const ok = `${"States.Array(".repeat(10)}1${")".repeat(10)}`;
    expect(() => parseIntrinsic(ok)).not.toThrow();
  });
});
