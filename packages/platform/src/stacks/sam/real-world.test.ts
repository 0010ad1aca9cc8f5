import { describe, expect, it } from "vitest";
import type { TemplateObject } from "../model.js";
import { parseTemplate } from "../template/parse.js";
import { type SamContext, transformSam } from "./index.js";

// Shapes of published SAM templates (test/fixtures/sam-apps) that the transform got wrong.

const context: SamContext = {
  region: "us-east-1",
  accountId: "000000000000",
  stackName: "app",
  parameters: {},
};

const FN = `    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => 1"
      Handler: index.handler
      Runtime: nodejs22.x
`;

describe("SAM transform on real-world templates", () => {
  it("ignores an unknown key beside Properties of a SAM resource, and lists it as not applied", () => {
    const template = parseTemplate(`Transform: AWS::Serverless-2016-10-31
Resources:
  Consumer:
    Description: Invoked by EventBridge rule
${FN}`);
    const { template: out, unsupported } = transformSam(template, context);
    expect(out.Resources.Consumer?.Type).toBe("AWS::Lambda::Function");
    expect(Object.keys(out.Resources.Consumer ?? {})).not.toContain("Description");
    expect(unsupported).toContainEqual(
      expect.objectContaining({
        logicalId: "Consumer",
        type: "AWS::Serverless::Function",
        property: "Description",
      }),
    );
  });

  it("still refuses an unknown key beside Properties of a CloudFormation resource", () => {
    expect(() =>
      parseTemplate(`Transform: AWS::Serverless-2016-10-31
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Description: a queue
`),
    ).toThrow("Invalid template resource property 'Description'");
  });

  it("generates a destination queue / topic under the condition of an !If with AWS::NoValue", () => {
    const template = parseTemplate(`Transform: AWS::Serverless-2016-10-31
Parameters:
  SQSArn: { Type: String, Default: my-sqs-arn }
  UseExistingQueue: { Type: String, Default: "true" }
  CreateSNSTopic: { Type: String, Default: "true" }
Conditions:
  QueueCreationDisabled: !Equals [!Ref UseExistingQueue, "true"]
  TopicCreationEnabled: !Equals [!Ref CreateSNSTopic, "true"]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.handler = async () => 1"
      Handler: index.handler
      Runtime: nodejs22.x
      EventInvokeConfig:
        DestinationConfig:
          OnSuccess:
            Type: SQS
            Destination: !If [QueueCreationDisabled, !Ref SQSArn, !Ref AWS::NoValue]
          OnFailure:
            Type: SNS
            Destination: !If [TopicCreationEnabled, !Ref AWS::NoValue, SOME-SNS-ARN]
  Subscription:
    Type: AWS::SNS::Subscription
    Condition: TopicCreationEnabled
    Properties:
      Protocol: sqs
      Endpoint: arn:aws:sqs:us-east-1:000000000000:q
      TopicArn: !Ref Fn.DestinationTopic
`);
    const { template: out } = transformSam(template, context);
    const queue = out.Resources.FnEventInvokeConfigOnSuccessQueue;
    const topic = out.Resources.FnEventInvokeConfigOnFailureTopic;
    expect(topic).toEqual({ Type: "AWS::SNS::Topic", Properties: {}, Condition: "TopicCreationEnabled" });
    // The NoValue branch is the else branch: the queue exists when the condition does not hold.
    const notCondition = queue?.Condition as string;
    expect(notCondition).toMatch(/^NOTQueueCreationDisabled[0-9a-f]{10}$/);
    expect(out.Conditions?.[notCondition]).toEqual({ "Fn::Not": [{ Condition: "QueueCreationDisabled" }] });
    expect(out.Conditions?.QueueCreationDisabled).toBeDefined();
    const config = out.Resources.FnEventInvokeConfig?.Properties?.DestinationConfig as TemplateObject;
    expect(config.OnSuccess).toEqual({
      Destination: {
        "Fn::If": [
          notCondition,
          { "Fn::GetAtt": ["FnEventInvokeConfigOnSuccessQueue", "Arn"] },
          { Ref: "SQSArn" },
        ],
      },
    });
    expect(config.OnFailure).toEqual({
      Destination: {
        "Fn::If": ["TopicCreationEnabled", { Ref: "FnEventInvokeConfigOnFailureTopic" }, "SOME-SNS-ARN"],
      },
    });
    expect(out.Resources.Subscription?.Properties?.TopicArn).toEqual({
      Ref: "FnEventInvokeConfigOnFailureTopic",
    });
  });

  it("combines the function's own Condition with the destination's", () => {
    const template = parseTemplate(`Transform: AWS::Serverless-2016-10-31
Parameters:
  On: { Type: String, Default: "yes" }
Conditions:
  Enabled: !Equals [!Ref On, "yes"]
  MakeQueue: !Equals [!Ref On, "yes"]
Resources:
  Fn:
    Condition: Enabled
${FN}      EventInvokeConfig:
        DestinationConfig:
          OnFailure:
            Type: SQS
            Destination: !If [MakeQueue, !Ref AWS::NoValue, arn:aws:sqs:us-east-1:000000000000:q]
`);
    const { template: out } = transformSam(template, context);
    const condition = out.Resources.FnEventInvokeConfigOnFailureQueue?.Condition as string;
    expect(condition).toMatch(/^EnabledANDMakeQueue[0-9a-f]{10}$/);
    expect(out.Conditions?.[condition]).toEqual({
      "Fn::And": [{ Condition: "Enabled" }, { Condition: "MakeQueue" }],
    });
  });
});
