import { describe, expect, it } from "vitest";
import { parseTemplate } from "./parse.js";

const BODY = `Resources:
  Queue:
    Type: AWS::SQS::Queue
Outputs:
  Name:
    Description:
    Description: the queue's name
    Value: !GetAtt Queue.QueueName
`;

describe("duplicate YAML keys", () => {
  it("are a template format error by default, as the CloudFormation API answers", () => {
    expect(() => parseTemplate(BODY)).toThrow("YAML not well-formed. duplicate map key (line 6, column 17)");
  });

  it("with onDuplicateKey: the last value wins (PyYAML, so sam deploy) and each one is reported", () => {
    const seen: [string, number][] = [];
    const template = parseTemplate(BODY, { onDuplicateKey: (key, line) => seen.push([key, line]) });
    expect(template.Outputs?.Name).toEqual({
      Description: "the queue's name",
      Value: { "Fn::GetAtt": ["Queue", "QueueName"] },
    });
    expect(seen).toEqual([["Description", 7]]);
  });
});
