import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
} from "@aws-sdk/client-cloudformation";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { waiter } from "../support/stacks.js";

describe("stacks: CreateStack of a queue", () => {
  let nimbus: TestNimbus;
  let cfn: CloudFormationClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    cfn = new CloudFormationClient(clientConfig(nimbus.url));
    sqs = new SQSClient(clientConfig(nimbus.url));
  });
  afterAll(async () => {
    cfn.destroy();
    sqs.destroy();
    await nimbus.stop();
  });

  it("creates the queue, shows outputs, resources and events, and deletes it", async () => {
    const template = `
AWSTemplateFormatVersion: "2010-09-09"
Description: one queue
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 45
Outputs:
  QueueUrl:
    Value: !Ref Jobs
  QueueArn:
    Value: !GetAtt Jobs.Arn
    Export:
      Name: !Sub "\${AWS::StackName}-jobs-arn"
`;
    const created = await cfn.send(new CreateStackCommand({ StackName: "basic", TemplateBody: template }));
    expect(created.StackId).toMatch(
      /^arn:aws:cloudformation:us-east-1:000000000000:stack\/basic\/[0-9a-f-]{36}$/,
    );
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "basic" });

    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: "basic" }));
    const stack = Stacks?.[0];
    expect(stack?.StackStatus).toBe("CREATE_COMPLETE");
    expect(stack?.Description).toBe("one queue");
    const outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o]));
    expect(outputs.QueueArn?.OutputValue).toMatch(
      /^arn:aws:sqs:us-east-1:000000000000:basic-Jobs-[A-Z0-9]{13}$/,
    );
    expect(outputs.QueueArn?.ExportName).toBe("basic-jobs-arn");

    const queueName = String(outputs.QueueArn?.OutputValue).split(":").pop();
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    expect(outputs.QueueUrl?.OutputValue).toBe(QueueUrl);
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["VisibilityTimeout"] }),
    );
    expect(attrs.Attributes?.VisibilityTimeout).toBe("45");

    const resources = await cfn.send(new DescribeStackResourcesCommand({ StackName: "basic" }));
    expect(
      resources.StackResources?.map((r) => [r.LogicalResourceId, r.ResourceType, r.ResourceStatus]),
    ).toEqual([["Jobs", "AWS::SQS::Queue", "CREATE_COMPLETE"]]);
    const byPhysical = await cfn.send(new DescribeStackResourcesCommand({ PhysicalResourceId: QueueUrl }));
    expect(byPhysical.StackResources?.[0]?.StackName).toBe("basic");
    const events = await cfn.send(new DescribeStackEventsCommand({ StackName: "basic" }));
    const statuses = (events.StackEvents ?? [])
      .map((e) => `${e.LogicalResourceId}:${e.ResourceStatus}`)
      .reverse();
    expect(statuses).toEqual([
      "basic:CREATE_IN_PROGRESS",
      "Jobs:CREATE_IN_PROGRESS",
      "Jobs:CREATE_COMPLETE",
      "basic:CREATE_COMPLETE",
    ]);
    const starting = events.StackEvents?.find(
      (e) => e.LogicalResourceId === "Jobs" && e.ResourceStatus === "CREATE_IN_PROGRESS",
    );
    expect(JSON.parse(String(starting?.ResourceProperties))).toEqual({ VisibilityTimeout: 45 });
    const original = await cfn.send(new GetTemplateCommand({ StackName: "basic" }));
    expect(original.TemplateBody).toBe(template);

    await cfn.send(new DeleteStackCommand({ StackName: "basic" }));
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: created.StackId });
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).rejects.toThrow(
      /does not exist/,
    );
    await expect(cfn.send(new DescribeStacksCommand({ StackName: "basic" }))).rejects.toThrow(
      "Stack with id basic does not exist",
    );
    const byArn = await cfn.send(new DescribeStacksCommand({ StackName: created.StackId }));
    expect(byArn.Stacks?.[0]?.StackStatus).toBe("DELETE_COMPLETE");
    const listed = await cfn.send(new ListStacksCommand({ StackStatusFilter: ["DELETE_COMPLETE"] }));
    expect(listed.StackSummaries?.map((s) => s.StackId)).toContain(created.StackId);
  });
});
