// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings are CloudFormation syntax
import { describe, expect, it } from "vitest";
import {
  containsUnresolved,
  dependencyOrder,
  displayedParameters,
  evaluateConditions,
  evaluateOutputs,
  parseTemplate,
  Resolver,
  resolveParameters,
  resourceDependencies,
  UNRESOLVED,
} from "./index.js";

const BODY = `
AWSTemplateFormatVersion: "2010-09-09"
Description: orders
Parameters:
  Stage: { Type: String, Default: dev, AllowedValues: [dev, prod] }
  ApiKey: { Type: String, NoEcho: true, Default: secret }
  Cidr: { Type: String, Default: 10.1.0.0/16 }
Mappings:
  Config:
    dev: { Retention: 1, Alarm: "no" }
    prod: { Retention: 30, Alarm: "yes" }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  WantAlarm: !Equals [!FindInMap [Config, !Ref Stage, Alarm], "yes"]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: !If [IsProd, Retain, Delete]
    Properties:
      TableName: !Sub "\${AWS::StackName}-orders"
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Code: { ZipFile: !Join ["\\n", ["exports.handler = async () => 1;", !Sub "// \${Stage}"]] }
      Environment:
        Variables:
          TABLE: !Ref Table
          TABLE_ARN: !GetAtt Table.Arn
          SUBNET: !Select [1, !Cidr [!Ref Cidr, 4, 8]]
          ALARM: !If [WantAlarm, !Sub "\${AWS::StackName}-alarm", !Ref "AWS::NoValue"]
          KEY: !Ref ApiKey
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Condition: WantAlarm
    Properties:
      AlarmName: !Sub "\${Handler}-errors"
Outputs:
  TableName: { Value: !Ref Table, Export: { Name: !Sub "\${AWS::StackName}-table" } }
  AlarmName: { Value: !Ref Alarm, Condition: WantAlarm }
  Subnets: { Value: !Cidr [!Ref Cidr, 2, 8] }
`;

const pseudo = {
  region: "eu-west-1",
  accountId: "123456789012",
  stackName: "orders",
  stackId: "arn:stack/orders/1",
};

function deploy(overrides: Record<string, string>) {
  const template = parseTemplate(BODY);
  const parameters = resolveParameters(template, overrides);
  const conditions = evaluateConditions(template, parameters, pseudo);
  const order = dependencyOrder(resourceDependencies(template, conditions));
  const created = new Map<string, { ref: string; attributes: Record<string, unknown> }>();
  const resolver = new Resolver({
    template,
    parameters,
    conditions,
    pseudo,
    resource: (id) => created.get(id),
    importValue: () => undefined,
  });
  const planned = Object.fromEntries(
    order.map((id) => [id, resolver.resolve(template.Resources[id]?.Properties)]),
  );
  const applied: Record<string, unknown> = {};
  for (const id of order) {
    const properties = resolver.resolve(template.Resources[id]?.Properties);
    expect(containsUnresolved(properties)).toBe(false);
    applied[id] = properties;
    created.set(id, { ref: `${id}-physical`, attributes: { Arn: `arn:${id}` } });
  }
  return {
    template,
    parameters,
    conditions,
    order,
    planned,
    applied,
    outputs: evaluateOutputs(template, resolver, conditions),
    resolver,
  };
}

describe("a template from parse to outputs", () => {
  it("deploys dev: alarm skipped, NoValue removed, lists joined in outputs", () => {
    const run = deploy({});
    expect(run.conditions).toEqual({ IsProd: false, WantAlarm: false });
    expect(run.order).toEqual(["Table", "Handler"]);
    expect(run.planned.Handler).toMatchObject({
      Environment: { Variables: { TABLE: UNRESOLVED, TABLE_ARN: UNRESOLVED } },
    });
    expect(run.applied.Handler).toEqual({
      Code: { ZipFile: "exports.handler = async () => 1;\n// dev" },
      Environment: {
        Variables: { TABLE: "Table-physical", TABLE_ARN: "arn:Table", SUBNET: "10.1.1.0/24", KEY: "secret" },
      },
    });
    expect(run.resolver.resolve(run.template.Resources.Table?.DeletionPolicy)).toBe("Delete");
    expect(run.outputs).toEqual([
      { OutputKey: "TableName", OutputValue: "Table-physical", ExportName: "orders-table" },
      { OutputKey: "Subnets", OutputValue: "10.1.0.0/24,10.1.1.0/24" },
    ]);
    expect(displayedParameters(run.template, run.parameters)).toContainEqual({
      ParameterKey: "ApiKey",
      ParameterValue: "****",
    });
  });

  it("deploys prod: the alarm comes after the function it names", () => {
    const run = deploy({ Stage: "prod" });
    expect(run.order).toEqual(["Table", "Handler", "Alarm"]);
    expect(run.applied.Alarm).toEqual({ AlarmName: "Handler-physical-errors" });
    expect(run.applied.Handler).toMatchObject({ Environment: { Variables: { ALARM: "orders-alarm" } } });
    expect(run.resolver.resolve(run.template.Resources.Table?.DeletionPolicy)).toBe("Retain");
    expect(run.outputs.map((o) => o.OutputKey)).toEqual(["TableName", "AlarmName", "Subnets"]);
  });

  it("points output errors at the Outputs block", () => {
    const template = parseTemplate(
      "Resources:\n  A: { Type: T }\nOutputs:\n  O: { Value: !Sub '${A.Nope}' }\n",
    );
    const resolver = new Resolver({
      template,
      parameters: {},
      conditions: {},
      pseudo,
      resource: () => ({ ref: "a", attributes: {} }),
      importValue: () => undefined,
    });
    expect(() => evaluateOutputs(template, resolver, {})).toThrow(
      "resource A does not support attribute type Nope in Fn::GetAtt",
    );
    const other = parseTemplate("Resources:\n  A: { Type: T }\nOutputs:\n  O: { Value: !Sub '${B}' }\n");
    expect(() =>
      evaluateOutputs(
        other,
        new Resolver({
          template: other,
          parameters: {},
          conditions: {},
          pseudo,
          resource: () => undefined,
          importValue: () => undefined,
        }),
        {},
      ),
    ).toThrow("Unresolved resource dependencies [B] in the Outputs block of the template");
  });
});
