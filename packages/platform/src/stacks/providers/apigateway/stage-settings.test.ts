import { describe, expect, it } from "vitest";
import { accessLogOps, canaryOps, methodSettingOps, methodSettings, variableOps } from "./stage-settings.js";

const T = "AWS::ApiGateway::Stage";

describe("stage settings as UpdateStage patch operations", () => {
  it("reads MethodSettings paths (~1 encoded or not, /* for all) and refuses logging and metrics", () => {
    expect(
      methodSettings(T, [
        { ResourcePath: "/*", HttpMethod: "*", ThrottlingBurstLimit: 5 },
        {
          ResourcePath: "/~1items~1{id}",
          HttpMethod: "get",
          ThrottlingRateLimit: "2.5",
          MetricsEnabled: false,
        },
        { ResourcePath: "/", HttpMethod: "POST", LoggingLevel: "OFF" },
      ]),
    ).toEqual([
      { resourcePath: "*", httpMethod: "*", burstLimit: 5 },
      { resourcePath: "/items/{id}", httpMethod: "GET", rateLimit: 2.5 },
      { resourcePath: "/", httpMethod: "POST" },
    ]);
    expect(() => methodSettings(T, [{ ResourcePath: "/*", HttpMethod: "*", LoggingLevel: "INFO" }])).toThrow(
      /LoggingLevel/,
    );
    expect(() => methodSettings(T, [{ ResourcePath: "/*", HttpMethod: "*", CacheTtlInSeconds: 5 }])).toThrow(
      /CacheTtlInSeconds/,
    );
  });

  it("patches method throttling: set, unset a member, remove a whole setting", () => {
    const before = [
      { resourcePath: "*", httpMethod: "*", burstLimit: 5, rateLimit: 1 },
      { resourcePath: "/items", httpMethod: "GET", burstLimit: 1 },
    ];
    const after = [
      { resourcePath: "*", httpMethod: "*", burstLimit: 7 },
      { resourcePath: "/", httpMethod: "GET", rateLimit: 3 },
    ];
    expect(methodSettingOps(before, after)).toEqual([
      { op: "remove", path: "/*/*/throttling/rateLimit" },
      { op: "remove", path: "/~1items~1GET" },
      { op: "replace", path: "/*/*/throttling/burstLimit", value: "7" },
      { op: "replace", path: "/~1/GET/throttling/rateLimit", value: "3" },
    ]);
  });

  it("patches variables, access logs and canaries", () => {
    expect(variableOps({ a: "1", b: "2" }, { b: "3", c: "4" })).toEqual([
      { op: "remove", path: "/variables/a" },
      { op: "replace", path: "/variables/b", value: "3" },
      { op: "replace", path: "/variables/c", value: "4" },
    ]);
    expect(accessLogOps({ destinationArn: "a", format: "f" }, undefined)).toEqual([
      { op: "remove", path: "/accessLogSettings" },
    ]);
    expect(accessLogOps(undefined, undefined)).toEqual([]);
    expect(canaryOps(undefined, { percentTraffic: 10, stageVariableOverrides: { x: "1" } })).toEqual([
      { op: "replace", path: "/canarySettings/percentTraffic", value: "10" },
      { op: "replace", path: "/canarySettings/stageVariableOverrides/x", value: "1" },
    ]);
    expect(canaryOps({ percentTraffic: 10, stageVariableOverrides: {} }, undefined)).toEqual([
      { op: "remove", path: "/canarySettings" },
    ]);
  });
});
