// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings are CloudFormation syntax
import { describe, expect, it } from "vitest";
import {
  dependencyOrder,
  evaluateConditions,
  parseTemplate,
  resolveParameters,
  resourceDependencies,
} from "./index.js";

const pseudo = { region: "us-east-1", accountId: "000000000000", stackName: "s", stackId: "id" };

function deps(body: string, overrides: Record<string, string> = {}) {
  const template = parseTemplate(body);
  const conditions = evaluateConditions(template, resolveParameters(template, overrides), pseudo);
  return resourceDependencies(template, conditions);
}
const plain = (map: Map<string, Set<string>>) =>
  Object.fromEntries([...map].map(([k, v]) => [k, [...v].sort()]));

const APP = `
Parameters:
  Stage: { Type: String, Default: dev }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    DependsOn: [Policy]
    Properties:
      Role: !GetAtt Role.Arn
      Environment:
        Variables:
          TABLE: !Sub "\${Table}-\${Bucket.Arn}-\${AWS::Region}-\${!Skip}-\${Stage}"
          MAPPED: !Sub ["\${X}", { X: !Ref Topic }]
          EXTRA: !If [IsProd, !Ref ProdQueue, !Ref AWS::NoValue]
  Role: { Type: AWS::IAM::Role }
  Policy: { Type: AWS::IAM::Policy, Properties: { Roles: [!Ref Role] } }
  Table: { Type: AWS::DynamoDB::Table }
  Bucket: { Type: AWS::S3::Bucket }
  Topic: { Type: AWS::SNS::Topic, Properties: { Name: "x" } }
  ProdQueue: { Type: AWS::SQS::Queue, Condition: IsProd }
  Alias:
    Type: AWS::Lambda::Alias
    UpdatePolicy:
      CodeDeployLambdaAliasUpdate: { ApplicationName: !Ref App }
  App: { Type: AWS::CodeDeploy::Application }
Outputs:
  Arn: { Value: !GetAtt Fn.Arn }
  Prod: { Value: !Ref ProdQueue, Condition: IsProd }
`;

describe("resourceDependencies", () => {
  it("sees Ref, GetAtt, Sub (plain and mapped), DependsOn, the taken Fn::If branch and UpdatePolicy", () => {
    expect(plain(deps(APP))).toEqual({
      Fn: ["Bucket", "Policy", "Role", "Table", "Topic"],
      Role: [],
      Policy: ["Role"],
      Table: [],
      Bucket: [],
      Topic: [],
      Alias: ["App"],
      App: [],
    });
    const prod = deps(APP, { Stage: "prod" });
    expect([...(prod.get("Fn") ?? [])].sort()).toEqual([
      "Bucket",
      "Policy",
      "ProdQueue",
      "Role",
      "Table",
      "Topic",
    ]);
    expect(prod.has("ProdQueue")).toBe(true);
  });

  it.each([
    [
      "an unknown Ref",
      "A: { Type: T, Properties: { X: !Ref Nope } }",
      "Unresolved resource dependencies [Nope] in the Resources block",
    ],
    [
      "an unknown Sub variable",
      "A: { Type: T, Properties: { X: !Sub '${Nope.Arn}' } }",
      "Unresolved resource dependencies [Nope]",
    ],
    ["an unknown DependsOn", "A: { Type: T, DependsOn: Nope }", "Unresolved resource dependencies [Nope]"],
    [
      "GetAtt of a non resource",
      "A: { Type: T, Properties: { X: !GetAtt Nope.Arn } }",
      "instance of Fn::GetAtt references undefined resource Nope",
    ],
    [
      "an unknown name in the branch not taken",
      "A: { Type: T, Properties: { X: !If [C, a, !Ref Nope] } }",
      "Unresolved resource dependencies [Nope]",
    ],
    [
      "a reference to a resource whose condition is false",
      "A: { Type: T, Properties: { X: !Ref B } }\n  B: { Type: T, Condition: C }",
      "Unresolved resource dependencies [B]",
    ],
    ["an unknown condition", "A: { Type: T, Condition: Nope }", "Unresolved condition dependencies [Nope]"],
    [
      "an unknown Fn::If condition",
      "A: { Type: T, Properties: { X: !If [Nope, a, b] } }",
      "unresolved condition dependency Nope in Fn::If",
    ],
  ])("rejects %s", (_name, resources, message) => {
    expect(() => deps(`Conditions:\n  C: !Equals [a, b]\nResources:\n  ${resources}\n`)).toThrow(message);
  });

  it("checks Outputs references", () => {
    expect(() => deps("Resources:\n  A: { Type: T }\nOutputs:\n  O: { Value: !Ref Nope }\n")).toThrow(
      "Unresolved resource dependencies [Nope] in the Outputs block of the template",
    );
    expect(() =>
      deps(
        "Conditions:\n  C: !Equals [a, b]\nResources:\n  A: { Type: T, Condition: C }\nOutputs:\n  O: { Value: !Ref A }\n",
      ),
    ).toThrow("Unresolved resource dependencies [A] in the Outputs block of the template");
  });

  it("skips resources whose condition is false, and what they reference", () => {
    const map = deps(
      "Conditions:\n  C: !Equals [a, b]\nResources:\n  A: { Type: T, Condition: C, Properties: { X: !Ref B } }\n  B: { Type: T, Condition: C }\n  D: { Type: T }\n",
    );
    expect(plain(map)).toEqual({ D: [] });
  });
});

describe("dependencyOrder", () => {
  it("puts dependencies first, ties in template order", () => {
    expect(dependencyOrder(deps(APP))).toEqual([
      "Role",
      "Policy",
      "Table",
      "Bucket",
      "Topic",
      "Fn",
      "App",
      "Alias",
    ]);
    const map = new Map([
      ["C", new Set(["B"])],
      ["A", new Set<string>()],
      ["B", new Set<string>(["Outside"])],
    ]);
    expect(dependencyOrder(map)).toEqual(["A", "B", "C"]);
  });

  it("names the resources of a cycle", () => {
    const body = `Resources:
  A: { Type: T, Properties: { X: !GetAtt B.Arn } }
  B: { Type: T, Properties: { X: !Sub "\${C}" } }
  C: { Type: T, DependsOn: A }
  D: { Type: T, DependsOn: C }
  E: { Type: T }
`;
    expect(() => dependencyOrder(deps(body))).toThrow(
      "Template format error: Circular dependency between resources: [A, B, C]",
    );
    expect(() => dependencyOrder(new Map([["S", new Set(["S"])]]))).toThrow(
      "Circular dependency between resources: [S]",
    );
  });
});
