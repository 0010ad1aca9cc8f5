import { describe, expect, it } from "vitest";
import { parseTemplate } from "./parse.js";

const API = `openapi: "3.0.1"
paths:
  /:
    post:
      x-amazon-apigateway-integration:
        credentials:
          Fn::GetAtt: [Role, Arn]
`;

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        'Fn::Transform':
          Name: 'AWS::Include'
          Parameters:
            Location: './api.yaml'
  Role: { Type: AWS::IAM::Role, Properties: { AssumeRolePolicyDocument: {} } }
`;

describe("AWS::Include of local snippets (nimbus deploy)", () => {
  it("replaces the Fn::Transform with the snippet", () => {
    const asked: string[] = [];
    const template = parseTemplate(TEMPLATE, {
      include: (location) => {
        asked.push(location);
        return API;
      },
    });
    expect(asked).toEqual(["./api.yaml"]);
    expect(template.Resources.Api?.Properties?.DefinitionBody).toEqual({
      openapi: "3.0.1",
      paths: {
        "/": {
          post: { "x-amazon-apigateway-integration": { credentials: { "Fn::GetAtt": ["Role", "Arn"] } } },
        },
      },
    });
  });

  it("merges a map snippet beside other keys (resources added to a Resources block)", () => {
    const template = parseTemplate(
      `Resources:
  Queue: { Type: AWS::SQS::Queue }
  Fn::Transform: { Name: AWS::Include, Parameters: { Location: more.yaml } }
`,
      { include: () => "Topic: { Type: AWS::SNS::Topic }\n" },
    );
    expect(Object.keys(template.Resources)).toEqual(["Queue", "Topic"]);
    expect(() =>
      parseTemplate(
        `Resources:
  Queue: { Type: AWS::SQS::Queue }
  Fn::Transform: { Name: AWS::Include, Parameters: { Location: more.yaml } }
`,
        { include: () => "Queue: { Type: AWS::SNS::Topic }\n" },
      ),
    ).toThrow("AWS::Include of more.yaml: Queue is already defined beside it");
  });

  it("without an include hook (the CloudFormation API), Fn::Transform stays refused", () => {
    expect(() => parseTemplate(TEMPLATE)).toThrow("Fn::Transform");
  });

  it("stops a snippet that includes itself", () => {
    const self = "Fn::Transform: { Name: AWS::Include, Parameters: { Location: self.yaml } }\n";
    expect(() => parseTemplate(TEMPLATE, { include: () => self })).toThrow("nested more than 10 deep");
  });
});
