import { describe, expect, it } from "vitest";
import { compileRoutes, matchRoute, parseRouteKey } from "./route-match.js";

const routes = (...keys: string[]) => compileRoutes(keys.map((routeKey) => ({ routeKey })));
const picked = (keys: string[], method: string, path: string) => matchRoute(routes(...keys), method, path);

describe("parseRouteKey", () => {
  it("parses $default, methods with paths, parameters and a greedy last segment", () => {
    expect(parseRouteKey("$default")).toMatchObject({ isDefault: true });
    expect(parseRouteKey("GET /items/{id}")).toMatchObject({
      method: "GET",
      segments: [
        { kind: "literal", value: "items" },
        { kind: "param", name: "id" },
      ],
    });
    expect(parseRouteKey("ANY /{proxy+}")).toMatchObject({
      method: "ANY",
      segments: [{ kind: "greedy", name: "proxy" }],
    });
    expect(parseRouteKey("GET /")).toMatchObject({ method: "GET", segments: [] });
  });

  it("refuses unknown methods, missing paths and a greedy segment that is not last", () => {
    expect(parseRouteKey("FETCH /x")).toMatch(/method FETCH/);
    expect(parseRouteKey("GET")).toMatch(/Invalid route key/);
    expect(parseRouteKey("GET /{proxy+}/tail")).toMatch(/greedy/);
    expect(parseRouteKey("GET /a//b")).toMatch(/Invalid path/);
    expect(parseRouteKey("GET /a{b}")).toMatch(/Invalid path/);
  });
});

describe("matchRoute precedence", () => {
  const all = ["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default"];

  it("prefers an exact path, then a parameter, then a greedy parameter, then $default", () => {
    expect(picked(all, "GET", "/pets/dog/1")?.route.routeKey).toBe("GET /pets/dog/1");
    expect(picked(all, "GET", "/pets/dog/2")).toMatchObject({
      route: { routeKey: "GET /pets/dog/{id}" },
      pathParameters: { id: "2" },
    });
    expect(picked(all, "GET", "/pets/cat/2")).toMatchObject({
      route: { routeKey: "GET /pets/{proxy+}" },
      pathParameters: { proxy: "cat/2" },
    });
    expect(picked(all, "POST", "/pets/dog/1")).toMatchObject({
      route: { routeKey: "ANY /{proxy+}" },
      pathParameters: { proxy: "pets/dog/1" },
    });
    expect(picked(all, "GET", "/")?.route.routeKey).toBe("$default");
  });

  it("prefers a method route over ANY on the same path", () => {
    expect(picked(["ANY /items/{id}", "GET /items/{id}"], "GET", "/items/7")?.route.routeKey).toBe(
      "GET /items/{id}",
    );
    expect(picked(["ANY /items/{id}", "GET /items/{id}"], "PUT", "/items/7")?.route.routeKey).toBe(
      "ANY /items/{id}",
    );
  });

  it("weighs earlier segments more than later ones", () => {
    expect(picked(["GET /{a}/b", "GET /x/{b}"], "GET", "/x/b")?.route.routeKey).toBe("GET /x/{b}");
    expect(picked(["GET /{proxy+}", "GET /x/{proxy+}"], "GET", "/x/y/z")?.route.routeKey).toBe(
      "GET /x/{proxy+}",
    );
  });

  it("decodes path parameters and ignores a trailing slash", () => {
    expect(picked(["GET /items/{id}"], "GET", "/items/a%20b/")?.pathParameters).toEqual({ id: "a b" });
  });

  it("answers nothing when no route matches and there is no $default", () => {
    expect(picked(["GET /a", "ANY /{proxy+}"], "GET", "/")).toBeUndefined();
    expect(picked(["GET /a/{id}"], "GET", "/a")).toBeUndefined();
    expect(picked(["GET /a"], "POST", "/a")).toBeUndefined();
  });
});
