import { describe, expect, it } from "vitest";
import { s3Location } from "./code.js";
import { applyGlobals } from "./globals.js";
import { rewriteReferences } from "./refs.js";
import { canonicalJson, hashedId, resolveParameterRefs } from "./util.js";

describe("applyGlobals", () => {
  const globals = {
    Function: {
      Timeout: 5,
      Environment: { Variables: { A: "1", B: "2" } },
      Layers: ["l1"],
      Tags: { team: "core" },
      VpcConfig: { SubnetIds: ["s1"] },
    },
  };

  it("merges maps recursively, appends lists and lets the resource win", () => {
    const merged = applyGlobals(
      {
        Type: "AWS::Serverless::Function",
        Properties: {
          Timeout: 9,
          Environment: { Variables: { B: "x" } },
          Layers: ["l2"],
          Tags: { app: "shop" },
        },
      },
      globals,
    );
    expect(merged.Properties).toEqual({
      Timeout: 9,
      Environment: { Variables: { A: "1", B: "x" } },
      Layers: ["l1", "l2"],
      Tags: { team: "core", app: "shop" },
      VpcConfig: { SubnetIds: ["s1"] },
    });
  });

  it("takes the resource's value when either side is an intrinsic", () => {
    const merged = applyGlobals(
      { Type: "AWS::Serverless::Function", Properties: { Layers: { "Fn::If": ["C", ["a"], ["b"]] } } },
      globals,
    );
    expect(merged.Properties?.Layers).toEqual({ "Fn::If": ["C", ["a"], ["b"]] });
  });

  it("leaves other resource types alone", () => {
    const queue = { Type: "AWS::SQS::Queue", Properties: {} };
    expect(applyGlobals(queue, globals)).toBe(queue);
  });
});

describe("s3Location", () => {
  it("reads s3 URIs (with a pinned versionId), objects and parameter refs", () => {
    expect(s3Location("s3://b/k/code.zip", "F", "CodeUri", {})).toEqual({ bucket: "b", key: "k/code.zip" });
    expect(s3Location("s3://b/k.zip?versionId=v1", "F", "CodeUri", {})).toEqual({
      bucket: "b",
      key: "k.zip",
      version: "v1",
    });
    expect(s3Location({ Bucket: { Ref: "B" }, Key: "k" }, "F", "CodeUri", {})).toEqual({
      bucket: { Ref: "B" },
      key: "k",
    });
    expect(s3Location({ Ref: "Uri" }, "F", "CodeUri", { Uri: "s3://p/q" })).toEqual({
      bucket: "p",
      key: "q",
    });
  });

  it("refuses a local path with the packaging hint", () => {
    expect(() => s3Location("./hello", "F", "CodeUri", {})).toThrow(
      "CodeUri ./hello is a local path: package it first (nimbus deploy or aws cloudformation package).",
    );
  });
});

describe("rewriteReferences", () => {
  const renames = new Map([
    ["Layer", "Layer0123456789"],
    ["Fn.Alias", "FnAliaslive"],
  ]);

  it("rewrites Ref, GetAtt (both forms), Sub variables and property references", () => {
    expect(
      rewriteReferences(
        {
          a: { Ref: "Layer" },
          b: { "Fn::GetAtt": ["Layer", "Arn"] },
          c: { "Fn::GetAtt": "Layer.Arn" },
          d: { "Fn::Sub": "${Layer} ${Layer.Arn} ${Fn.Alias} ${Other} ${!Layer}" },
          e: { "Fn::Sub": ["${Layer}", { Layer: "mine" }] },
          f: { Ref: "Fn.Alias" },
        },
        renames,
      ),
    ).toEqual({
      a: { Ref: "Layer0123456789" },
      b: { "Fn::GetAtt": ["Layer0123456789", "Arn"] },
      c: { "Fn::GetAtt": ["Layer0123456789", "Arn"] },
      d: { "Fn::Sub": "${Layer0123456789} ${Layer0123456789.Arn} ${FnAliaslive} ${Other} ${!Layer}" },
      e: { "Fn::Sub": ["${Layer}", { Layer: "mine" }] },
      f: { Ref: "FnAliaslive" },
    });
  });
});

describe("hashed logical ids", () => {
  it("do not depend on key order, and follow parameter values", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(hashedId("FnVersion", { S3Bucket: "b", S3Key: "k" })).toBe(
      hashedId("FnVersion", { S3Key: "k", S3Bucket: "b" }),
    );
    const code = { S3Bucket: "b", S3Key: { Ref: "Key" } };
    const one = hashedId("FnVersion", resolveParameterRefs(code, { Key: "v1.zip" }));
    const two = hashedId("FnVersion", resolveParameterRefs(code, { Key: "v2.zip" }));
    expect(one).toMatch(/^FnVersion[0-9a-f]{10}$/);
    expect(one).not.toBe(two);
  });
});
