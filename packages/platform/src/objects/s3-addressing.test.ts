import { describe, expect, it } from "vitest";
import { s3Address, virtualHostBucket } from "./s3-addressing.js";

describe("S3 addressing", () => {
  it("finds the bucket of virtual-hosted names", () => {
    expect(virtualHostBucket("photos.localhost")).toBe("photos");
    expect(virtualHostBucket("my.photos.s3.localhost")).toBe("my.photos");
    expect(virtualHostBucket("photos.s3.us-east-1.amazonaws.com")).toBe("photos");
    expect(virtualHostBucket("photos.s3.amazonaws.com")).toBe("photos");
  });

  it("leaves path-style and other services' hosts alone", () => {
    for (const host of ["localhost", "127.0.0.1", "s3.localhost", "s3.us-east-1.localhost", "[::1]"]) {
      expect(virtualHostBucket(host)).toBeUndefined();
    }
    expect(virtualHostBucket("abcdefghij.execute-api.localhost")).toBeUndefined();
    expect(virtualHostBucket("web-0123456789.elb.localhost")).toBeUndefined();
    expect(virtualHostBucket("abc.lambda-url.us-east-1.localhost")).toBeUndefined();
  });

  it("reads bucket and percent-decoded key", () => {
    expect(s3Address("127.0.0.1", "/")).toEqual({ bucket: undefined, key: undefined });
    expect(s3Address("127.0.0.1", "/b")).toEqual({ bucket: "b", key: undefined });
    expect(s3Address("127.0.0.1", "/b/")).toEqual({ bucket: "b", key: undefined });
    expect(s3Address("127.0.0.1", "/b/a%20b/c%2Bd+e")).toEqual({ bucket: "b", key: "a b/c+d+e" });
    expect(s3Address("b.localhost", "/x//y")).toEqual({ bucket: "b", key: "x//y" });
    expect(s3Address("b.localhost", "/")).toEqual({ bucket: "b", key: undefined });
  });
});
