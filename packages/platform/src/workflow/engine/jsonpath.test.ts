import { describe, expect, it } from "vitest";
import type { Json } from "./json.js";
import {
  compilePath,
  isReferencePath,
  JsonPathSyntaxError,
  queryPath,
  setAtReferencePath,
} from "./jsonpath.js";

const value = (path: string, doc: Json) => {
  const result = queryPath(path, doc);
  return result.found ? result.value : "<not found>";
};

// AWS docs, "Paths" page.
const awsDoc: Json = {
  foo: 123,
  bar: ["a", "b", "c"],
  car: { cdr: true },
  jar: [{ a: 1 }, { a: 5 }, { a: 2 }, { a: 7 }, { a: 3 }],
};

const store: Json = {
  store: {
    book: [
      { category: "reference", author: "Nigel Rees", title: "Sayings", price: 8.95 },
      { category: "fiction", author: "Evelyn Waugh", title: "Sword", price: 12.99 },
      {
        category: "fiction",
        author: "Herman Melville",
        title: "Moby Dick",
        isbn: "0-553-21311-3",
        price: 8.99,
      },
    ],
    bicycle: { color: "red", price: 19.95 },
  },
};

describe("queryPath", () => {
  it("selects single nodes with reference paths as in the AWS docs", () => {
    expect(value("$.foo", awsDoc)).toBe(123);
    expect(value("$.bar", awsDoc)).toEqual(["a", "b", "c"]);
    expect(value("$.car.cdr", awsDoc)).toBe(true);
    expect(value("$", awsDoc)).toEqual(awsDoc);
  });

  it("filters array elements like the AWS docs example $.jar[?(@.a >= 5)]", () => {
    expect(value("$.jar[?(@.a >= 5)]", awsDoc)).toEqual([{ a: 5 }, { a: 7 }]);
  });

  it("reads bracket notation, quoted names with spaces, and negative indexes", () => {
    expect(value("$['car']['cdr']", awsDoc)).toBe(true);
    expect(value("$['a b']", { "a b": 1 })).toBe(1);
    expect(value('$["x"]', { x: 2 })).toBe(2);
    expect(value("$.bar[0]", awsDoc)).toBe("a");
    expect(value("$.bar[-1]", awsDoc)).toBe("c");
  });

  it("reports a missing definite path as not found", () => {
    expect(queryPath("$.nope", awsDoc)).toEqual({ found: false });
    expect(queryPath("$.bar[9]", awsDoc)).toEqual({ found: false });
    expect(queryPath("$.foo.x", awsDoc)).toEqual({ found: false });
  });

  it("collects wildcard, slice and union matches into arrays", () => {
    expect(value("$.store.book[*].author", store)).toEqual(["Nigel Rees", "Evelyn Waugh", "Herman Melville"]);
    expect(value("$.store.*.color", store)).toEqual(["red"]);
    expect(value("$.bar[1:]", awsDoc)).toEqual(["b", "c"]);
    expect(value("$.bar[-2:]", awsDoc)).toEqual(["b", "c"]);
    expect(value("$.bar[:2]", awsDoc)).toEqual(["a", "b"]);
    expect(value("$.bar[0,2]", awsDoc)).toEqual(["a", "c"]);
    expect(value("$['foo','car']", awsDoc)).toEqual([123, { cdr: true }]);
  });

  it("deep-scans with ..", () => {
    expect(value("$..price", store)).toEqual([8.95, 12.99, 8.99, 19.95]);
    expect(value("$..book[2].title", store)).toEqual(["Moby Dick"]);
  });

  it("supports filter operators, existence, regex and boolean logic", () => {
    expect(value("$.store.book[?(@.isbn)].title", store)).toEqual(["Moby Dick"]);
    expect(value("$.store.book[?(@.category == 'fiction' && @.price < 10)].title", store)).toEqual([
      "Moby Dick",
    ]);
    expect(value("$.store.book[?(@.price > 10 || @.author == 'Nigel Rees')].title", store)).toEqual([
      "Sayings",
      "Sword",
    ]);
    expect(value("$.store.book[?(@.author =~ /.*REES/i)].title", store)).toEqual(["Sayings"]);
    expect(value("$.store.book[?(!(@.category == 'fiction'))].title", store)).toEqual(["Sayings"]);
    expect(value("$.store.book[?(@.category in ['reference'])].title", store)).toEqual(["Sayings"]);
    expect(value("$.store.book[?(@.price < $.store.bicycle.price)].price", store)).toEqual([
      8.95, 12.99, 8.99,
    ]);
  });

  it("returns an empty array when an indefinite path matches nothing", () => {
    expect(value("$.store.book[?(@.price > 100)]", store)).toEqual([]);
    expect(value("$.missing[*]", store)).toEqual([]);
  });

  it("rejects malformed paths", () => {
    expect(() => compilePath("foo")).toThrow(JsonPathSyntaxError);
    expect(() => compilePath("$.a[")).toThrow(JsonPathSyntaxError);
    expect(() => compilePath("$.a[x]")).toThrow(JsonPathSyntaxError);
    expect(() => compilePath("$.")).toThrow(JsonPathSyntaxError);
  });
});

describe("reference paths", () => {
  it("allow only names and indexes", () => {
    expect(isReferencePath(compilePath("$.a.b[0]['c d']"))).toBe(true);
    expect(isReferencePath(compilePath("$.a[*]"))).toBe(false);
    expect(isReferencePath(compilePath("$..a"))).toBe(false);
    expect(isReferencePath(compilePath("$.a[?(@.x)]"))).toBe(false);
  });

  it("write into a copy of the input, creating missing objects", () => {
    const input: Json = { comment: "x", strings: { string1: "foo" } };
    expect(setAtReferencePath(input, compilePath("$.strings.lambdaresult"), "Hello")).toEqual({
      comment: "x",
      strings: { string1: "foo", lambdaresult: "Hello" },
    });
    expect(setAtReferencePath({}, compilePath("$.a.b.c"), 1)).toEqual({ a: { b: { c: 1 } } });
    expect(input).toEqual({ comment: "x", strings: { string1: "foo" } });
  });

  it("cannot write below a scalar or outside an array", () => {
    expect(setAtReferencePath({ a: "text" }, compilePath("$.a.b"), 1)).toBeUndefined();
    expect(setAtReferencePath("text", compilePath("$.a"), 1)).toBeUndefined();
    expect(setAtReferencePath({ a: [1] }, compilePath("$.a[3]"), 1)).toBeUndefined();
    expect(setAtReferencePath({ a: [1, 2] }, compilePath("$.a[1]"), 9)).toEqual({ a: [1, 9] });
  });
});
