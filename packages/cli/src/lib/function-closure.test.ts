// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings hold ${...} on purpose
import { describe, expect, it } from "vitest";
import { functionClosure, references } from "./function-closure.js";
import type { TemplateJson } from "./template-file.js";

const template: TemplateJson = {
  Transform: "AWS::Serverless-2016-10-31",
  Parameters: { Stage: { Type: "String", Default: "dev" } },
  Globals: { Function: { Environment: { Variables: { BUCKET: { Ref: "Assets" } } } } },
  Resources: {
    Api: {
      Type: "AWS::Serverless::Function",
      Properties: {
        Handler: "a.handler",
        Environment: {
          Variables: {
            TABLE: { "Fn::GetAtt": ["Queue", "Arn"] },
            URL: { "Fn::Sub": "${Topic}-${Stage}-${AWS::Region}" },
          },
        },
        Layers: [{ Ref: "Libs" }],
        Events: { Q: { Type: "SQS", Properties: { Queue: { "Fn::GetAtt": ["Other", "Arn"] } } } },
        DeploymentPreference: { Hooks: { PreTraffic: { Ref: "Hook" } } },
      },
    },
    Queue: {
      Type: "AWS::SQS::Queue",
      Properties: { RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": "Dlq.Arn" } } },
    },
    Dlq: { Type: "AWS::SQS::Queue" },
    Topic: { Type: "AWS::SNS::Topic" },
    Libs: { Type: "AWS::Serverless::LayerVersion", Properties: { ContentUri: "libs/" } },
    Assets: { Type: "AWS::S3::Bucket" },
    Other: { Type: "AWS::SQS::Queue" },
    Hook: { Type: "AWS::Serverless::Function", Properties: { Handler: "h.handler" } },
  },
  Outputs: { X: { Value: { Ref: "Other" } } },
};

describe("functionClosure", () => {
  it("keeps the function and what it refers to, transitively, without its triggers", () => {
    const out = functionClosure(structuredClone(template), "Api");
    expect(Object.keys(out.Resources ?? {}).sort()).toEqual([
      "Api",
      "Assets",
      "Dlq",
      "Libs",
      "Queue",
      "Topic",
    ]);
    const props =
      (out.Resources as Record<string, { Properties: Record<string, unknown> }>).Api?.Properties ?? {};
    expect(props.Events).toBeUndefined();
    expect(props.DeploymentPreference).toBeUndefined();
    expect(out.Outputs).toBeUndefined();
    expect(out.Parameters).toEqual(template.Parameters);
  });

  it("does not change the template it is given", () => {
    const copy = structuredClone(template);
    functionClosure(copy, "Api");
    expect(copy).toEqual(template);
  });

  it("refuses a resource that is missing or not a function", () => {
    expect(() => functionClosure(template, "Nope")).toThrow(/no resource Nope \(functions: Api, Hook\)/);
    expect(() => functionClosure(template, "Queue")).toThrow(/not a function/);
  });

  it("reads Fn::Sub variables, skipping its own map and ${!literals}", () => {
    const refs = references({ "Fn::Sub": ["${A}/${B.Arn}/${!C}/${Local}", { Local: "x" }] });
    expect([...refs].sort()).toEqual(["A", "B"]);
  });
});
