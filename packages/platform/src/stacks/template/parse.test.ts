// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings are CloudFormation syntax
import { describe, expect, it } from "vitest";
import { parseTemplate, templateToJson } from "./index.js";

const SAM = `
AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Description: every tag
Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Enabled:
    Type: String
    Default: yes
Mappings:
  Sizes:
    dev: { Memory: 128 }
    prod: { Memory: 1024 }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [a, a]]
  Either: !Or [!Condition IsProd, !Condition NotProd]
Globals:
  Function:
    Timeout: 3
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      MemorySize: !FindInMap [Sizes, !Ref Stage, Memory]
      Environment:
        Variables:
          QUEUE_ARN: !GetAtt Queue.Arn
          QUEUE_URL: !GetAtt [Queue, QueueUrl]
          NAME: !Sub "\${AWS::StackName}-\${Stage}"
          MAPPED: !Sub
            - "\${Q}-x"
            - Q: !Ref Queue
          JOINED: !Join [",", [a, b]]
          PICK: !Select [1, !Split [",", "a,b,c"]]
          MAYBE: !If [IsProd, on, !Ref AWS::NoValue]
          IMPORTED: !ImportValue shared-name
          B64: !Base64 hello
          AZ: !Select [0, !GetAZs ""]
          NET: !Select [0, !Cidr ["10.0.0.0/16", 2, 8]]
          ACCOUNT: 012345678901
          VERSION: 1.5
          NESTED: !GetAtt Queue.Outputs.Thing
Outputs:
  Url:
    Value: !Ref Queue
    Export:
      Name: !Sub "\${AWS::StackName}-url"
`;

describe("parseTemplate", () => {
  it("turns every short-form tag into its long form and keeps scalars as CloudFormation does", () => {
    const t = parseTemplate(SAM);
    expect(t.AWSTemplateFormatVersion).toBe("2010-09-09");
    expect(t.Parameters?.Enabled?.Default).toBe("yes");
    expect(t.Mappings?.Sizes?.prod?.Memory).toBe(1024);
    expect(t.Conditions).toEqual({
      IsProd: { "Fn::Equals": [{ Ref: "Stage" }, "prod"] },
      NotProd: { "Fn::Not": [{ Condition: "IsProd" }] },
      Both: { "Fn::And": [{ Condition: "IsProd" }, { "Fn::Equals": ["a", "a"] }] },
      Either: { "Fn::Or": [{ Condition: "IsProd" }, { Condition: "NotProd" }] },
    });
    const env = t.Resources.Fn?.Properties?.Environment as { Variables: Record<string, unknown> } | undefined;
    const vars = env?.Variables;
    expect(vars).toEqual({
      QUEUE_ARN: { "Fn::GetAtt": ["Queue", "Arn"] },
      QUEUE_URL: { "Fn::GetAtt": ["Queue", "QueueUrl"] },
      NAME: { "Fn::Sub": "${AWS::StackName}-${Stage}" },
      MAPPED: { "Fn::Sub": ["${Q}-x", { Q: { Ref: "Queue" } }] },
      JOINED: { "Fn::Join": [",", ["a", "b"]] },
      PICK: { "Fn::Select": [1, { "Fn::Split": [",", "a,b,c"] }] },
      MAYBE: { "Fn::If": ["IsProd", "on", { Ref: "AWS::NoValue" }] },
      IMPORTED: { "Fn::ImportValue": "shared-name" },
      B64: { "Fn::Base64": "hello" },
      AZ: { "Fn::Select": [0, { "Fn::GetAZs": "" }] },
      NET: { "Fn::Select": [0, { "Fn::Cidr": ["10.0.0.0/16", 2, 8] }] },
      ACCOUNT: "012345678901",
      VERSION: 1.5,
      NESTED: { "Fn::GetAtt": ["Queue", "Outputs.Thing"] },
    });
    expect(t.Resources.Fn?.Properties?.MemorySize).toEqual({
      "Fn::FindInMap": ["Sizes", { Ref: "Stage" }, "Memory"],
    });
    expect(t.Globals).toEqual({ Function: { Timeout: 3 } });
    expect(JSON.parse(templateToJson(t))).toEqual(t);
  });

  it("reads JSON when the body starts with {", () => {
    const t = parseTemplate(
      ' \n{"Resources":{"Q":{"Type":"AWS::SQS::Queue","Properties":{"A":{"Fn::GetAtt":"X.Y"}}}}}',
    );
    expect(t.Resources.Q?.Properties).toEqual({ A: { "Fn::GetAtt": "X.Y" } });
    expect(() => parseTemplate('{"Resources": {')).toThrow(
      /^Template format error: JSON not well-formed\. \(line 1, column \d+\)$/,
    );
  });

  it("supports anchors and aliases", () => {
    const t = parseTemplate(
      "Resources:\n  A:\n    Type: T\n    Properties: &p { X: 1 }\n  B:\n    Type: T\n    Properties: *p\n",
    );
    expect(t.Resources.B?.Properties).toEqual({ X: 1 });
  });

  it.each([
    [
      "duplicate keys",
      "Resources:\n  A:\n    Type: T\n  A:\n    Type: U\n",
      /YAML not well-formed\. duplicate map key/,
    ],
    ["bad YAML", "Resources: [\n", /^Template format error: YAML not well-formed\./],
    ["an unknown tag", "Resources:\n  A:\n    Type: !Foo T\n", /Unsupported YAML tag !Foo/],
    [
      "!Transform",
      "Resources:\n  A:\n    Type: T\n    Properties:\n      X: !Transform { Name: M }\n",
      /Fn::Transform \(macros\) is not supported/,
    ],
    ["no Resources", "Description: x\n", /At least one Resources member must be defined\./],
    ["empty Resources", "Resources: {}\n", /At least one Resources member must be defined\./],
    [
      "an unknown section",
      "Resources:\n  A: { Type: T }\nFoo: 1\n",
      /Invalid template property or properties \[Foo\]/,
    ],
    ["Globals without the SAM transform", "Resources:\n  A: { Type: T }\nGlobals: {}\n", /\[Globals\]/],
    [
      "a resource without Type",
      "Resources:\n  A: { Properties: {} }\n",
      /\[\/Resources\/A\] Every Resources object must contain a Type member\./,
    ],
    [
      "an unknown resource attribute",
      "Resources:\n  A: { Type: T, Propertes: {} }\n",
      /Invalid template resource property 'Propertes'/,
    ],
    ["a non alphanumeric id", "Resources:\n  A-b: { Type: T }\n", /Resource name A-b is non alphanumeric\./],
    [
      "an output without Value",
      "Resources:\n  A: { Type: T }\nOutputs:\n  O: { Description: x }\n",
      /Every Outputs member must contain a Value object/,
    ],
    [
      "an unknown function",
      "Resources:\n  A: { Type: T, Properties: { X: { 'Fn::Foo': 1 } } }\n",
      /Encountered unsupported function: Fn::Foo Supported functions are: \[/,
    ],
    [
      "a language extension",
      "Resources:\n  A: { Type: T, Properties: { X: { 'Fn::Length': [1] } } }\n",
      /Fn::Length \(AWS::LanguageExtensions\)/,
    ],
    [
      "a macro transform",
      "Transform: MyMacro\nResources:\n  A: { Type: T }\n",
      /The transform MyMacro \(macros\) is not supported/,
    ],
    [
      "an SSM parameter type",
      "Parameters:\n  P: { Type: 'AWS::SSM::Parameter::Value<String>' }\nResources:\n  A: { Type: T }\n",
      /AWS::SSM::Parameter::Value<String>.*not supported/,
    ],
    [
      "an unknown parameter type",
      "Parameters:\n  P: { Type: Strin }\nResources:\n  A: { Type: T }\n",
      /Unrecognized parameter type: Strin/,
    ],
    [
      "a bad DeletionPolicy",
      "Resources:\n  A: { Type: T, DeletionPolicy: Keep }\n",
      /Unrecognized DeletionPolicy Keep for resource A/,
    ],
    [
      "a rule without Assertions",
      "Rules:\n  R: { RuleCondition: true }\nResources:\n  A: { Type: T }\n",
      /Rule R must contain an Assertions list/,
    ],
    [
      "a Ref that is not a string",
      "Resources:\n  A: { Type: T, Properties: { X: { Ref: [a] } } }\n",
      /Every Ref object must have a single String value\./,
    ],
    ["a non-object template", "- a\n", /must be a JSON or YAML object/],
  ])("rejects %s", (_name, body, message) => {
    expect(() => parseTemplate(body)).toThrow(message);
  });

  it("errors carry the code and AWS name", () => {
    try {
      parseTemplate("Resources: {}");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: "ERR_STACK_TEMPLATE_INVALID",
        awsName: "ValidationError",
        status: 400,
      });
    }
  });

  it("enforces the section limits", () => {
    const many = (n: number, make: (i: number) => string) =>
      Array.from({ length: n }, (_, i) => make(i)).join("\n");
    expect(() => parseTemplate(`Resources:\n${many(501, (i) => `  R${i}: { Type: T }`)}\n`)).toThrow(
      "Template format error: Number of resources, 501, is greater than maximum allowed, 500",
    );
    expect(
      parseTemplate(`Resources:\n${many(500, (i) => `  R${i}: { Type: T }`)}\n`).Resources.R499,
    ).toBeDefined();
    expect(() =>
      parseTemplate(
        `Parameters:\n${many(201, (i) => `  P${i}: { Type: String }`)}\nResources:\n  A: { Type: T }\n`,
      ),
    ).toThrow("Number of parameters, 201, is greater than maximum allowed, 200");
    expect(() =>
      parseTemplate(`Resources:\n  A: { Type: T }\nOutputs:\n${many(201, (i) => `  O${i}: { Value: x }`)}\n`),
    ).toThrow("Number of outputs, 201, is greater than maximum allowed, 200");
    expect(() =>
      parseTemplate(
        `Mappings:\n${many(201, (i) => `  M${i}: { a: { b: c } }`)}\nResources:\n  A: { Type: T }\n`,
      ),
    ).toThrow("Number of mappings, 201, is greater than maximum allowed, 200");
  });
});

describe("YAML scalars", () => {
  it("keeps keys as written and plain scalars as CloudFormation reads them", () => {
    const t = parseTemplate(`
Mappings:
  Accounts:
    012345678901: { Name: zero }
    1.10: { Name: version }
    true: { Name: flag }
Resources:
  A:
    Type: T
    Properties: { On: on, Off: no, Null: ~, Int: 42, Float: 2.5, Bool: true, Date: 2024-01-01, Quoted: "0123" }
`);
    expect(Object.keys(t.Mappings?.Accounts ?? {})).toEqual(["012345678901", "1.10", "true"]);
    expect(t.Resources.A?.Properties).toEqual({
      On: "on",
      Off: "no",
      Null: null,
      Int: 42,
      Float: 2.5,
      Bool: true,
      Date: "2024-01-01",
      Quoted: "0123",
    });
  });

  it("limits the Description to 1024 bytes", () => {
    expect(() => parseTemplate(`Description: ${"x".repeat(1025)}\nResources:\n  A: { Type: T }\n`)).toThrow(
      "'Description' length is greater than 1024.",
    );
  });

  it("reads tags in flow and block forms, nested", () => {
    const t = parseTemplate(`
Resources:
  A:
    Type: T
    Properties:
      Block: !Join
        - ""
        - - !Sub "a"
          - !Select [0, !GetAZs ""]
      Map: !If
        - C
        - { X: !GetAtt [B, Arn] }
        - !Ref AWS::NoValue
      Literal: !Sub |
        echo \${!NotAVar}
`);
    expect(t.Resources.A?.Properties).toEqual({
      Block: { "Fn::Join": ["", [{ "Fn::Sub": "a" }, { "Fn::Select": [0, { "Fn::GetAZs": "" }] }]] },
      Map: { "Fn::If": ["C", { X: { "Fn::GetAtt": ["B", "Arn"] } }, { Ref: "AWS::NoValue" }] },
      Literal: { "Fn::Sub": "echo ${!NotAVar}\n" },
    });
  });
});
