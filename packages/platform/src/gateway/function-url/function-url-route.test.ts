import { describe, expect, it } from "vitest";
import { matchFunctionUrl } from "./function-url-route.js";

const ID = "abcdefghijklmnopqrstuvwxyz012345";

describe("matchFunctionUrl", () => {
  it("matches the host form with a port and keeps the whole path", () => {
    expect(matchFunctionUrl(`${ID}.lambda-url.us-east-1.localhost:4566`, "/a/b%20c")).toEqual({
      urlId: ID,
      region: "us-east-1",
      rawPath: "/a/b%20c",
    });
  });

  it("matches the host form without a port, in any case, under any domain", () => {
    expect(matchFunctionUrl(`${ID.toUpperCase()}.LAMBDA-URL.EU-WEST-1.LOCALHOST`, "/")).toMatchObject({
      urlId: ID,
      region: "eu-west-1",
    });
    expect(matchFunctionUrl(`${ID}.lambda-url.us-east-1.on.aws`, "/x")).toMatchObject({ urlId: ID });
  });

  it("gives the host form every path, including reserved ones", () => {
    expect(matchFunctionUrl(`${ID}.lambda-url.us-east-1.localhost`, "/_nimbus/health")).toMatchObject({
      rawPath: "/_nimbus/health",
    });
  });

  it("matches the path form and strips its prefix", () => {
    expect(matchFunctionUrl("127.0.0.1:4566", `/_nimbus/lambda-url/${ID}/items/1`)).toEqual({
      urlId: ID,
      region: undefined,
      rawPath: "/items/1",
    });
  });

  it("maps the path form's root, with or without a trailing slash, to '/'", () => {
    expect(matchFunctionUrl("localhost", `/_nimbus/lambda-url/${ID}`)?.rawPath).toBe("/");
    expect(matchFunctionUrl("localhost", `/_nimbus/lambda-url/${ID}/`)?.rawPath).toBe("/");
  });

  it("claims the path form's prefix even without a url-id (answered as an unknown URL)", () => {
    expect(matchFunctionUrl("localhost", "/_nimbus/lambda-url")).toEqual({
      urlId: "",
      region: undefined,
      rawPath: "/",
    });
  });

  it("leaves other traffic alone", () => {
    expect(matchFunctionUrl("127.0.0.1:4566", "/2015-03-31/functions")).toBeUndefined();
    expect(matchFunctionUrl("127.0.0.1:4566", "/_nimbus/health")).toBeUndefined();
    expect(matchFunctionUrl("lambda-url.example.com", "/")).toBeUndefined();
    expect(matchFunctionUrl(undefined, "/_nimbus/lambda-urls")).toBeUndefined();
  });
});
