import { describe, expect, it } from "vitest";
import type { ResourceDoc } from "./model.js";
import { methodFor, ResourceMatcher } from "./resource-match.js";

function tree(paths: string[]): Record<string, ResourceDoc> {
  const resources: Record<string, ResourceDoc> = { root: { id: "root", path: "/", methods: {} } };
  for (const path of paths) {
    let parentId = "root";
    let soFar = "";
    for (const part of path.split("/").filter(Boolean)) {
      soFar += `/${part}`;
      if (!resources[soFar])
        resources[soFar] = { id: soFar, parentId, pathPart: part, path: soFar, methods: {} };
      parentId = soFar;
    }
  }
  return resources;
}

describe("ResourceMatcher", () => {
  const matcher = new ResourceMatcher(
    tree(["/items/special", "/items/{id}", "/items/{id}/parts/{part}", "/{proxy+}", "/files/{path+}"]),
  );
  const at = (path: string) => {
    const m = matcher.match(path);
    return m && [m.resource.path, m.pathParameters];
  };

  it("matches the root", () => {
    expect(at("/")).toEqual(["/", {}]);
  });
  it("prefers a literal part over a variable", () => {
    expect(at("/items/special")).toEqual(["/items/special", {}]);
    expect(at("/items/7")).toEqual(["/items/{id}", { id: "7" }]);
  });
  it("binds several variables and decodes them", () => {
    expect(at("/items/a%20b/parts/9")).toEqual(["/items/{id}/parts/{part}", { id: "a b", part: "9" }]);
  });
  it("falls back to a greedy variable when the specific branch leads nowhere", () => {
    expect(at("/items/7/other")).toEqual(["/{proxy+}", { proxy: "items/7/other" }]);
    expect(at("/files/a/b/c.txt")).toEqual(["/files/{path+}", { path: "a/b/c.txt" }]);
    expect(at("/unknown")).toEqual(["/{proxy+}", { proxy: "unknown" }]);
  });
  it("finds nothing where no resource fits", () => {
    const small = new ResourceMatcher(tree(["/items/{id}"]));
    expect(small.match("/items")?.resource.path).toBe("/items");
    expect(small.match("/items/1/2")).toBeUndefined();
    expect(small.match("/other")).toBeUndefined();
  });
});

describe("methodFor", () => {
  it("prefers the exact method over ANY", () => {
    const base = {
      authorizationType: "NONE" as const,
      apiKeyRequired: false,
      requestParameters: {},
      methodResponses: {},
    };
    const resource: ResourceDoc = {
      id: "r",
      path: "/",
      methods: { GET: { ...base, httpMethod: "GET" }, ANY: { ...base, httpMethod: "ANY" } },
    };
    expect(methodFor(resource, "GET")?.httpMethod).toBe("GET");
    expect(methodFor(resource, "DELETE")?.httpMethod).toBe("ANY");
    expect(methodFor({ ...resource, methods: {} }, "GET")).toBeUndefined();
  });
});
