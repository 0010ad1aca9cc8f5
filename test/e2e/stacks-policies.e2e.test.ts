import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateStackCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from "@aws-sdk/client-cloudformation";
import { DeleteQueueCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { waiter } from "../support/stacks.js";

const BROKEN_FUNCTION = `
  Broken:
    Type: AWS::Lambda::Function
    DependsOn: Made
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Role: ${ROLE}
      Code: { S3Bucket: no-such-bucket, S3Key: fn.zip }
`;

describe("stacks: deletion policies, DisableRollback, OnFailure, request tokens", () => {
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

  const status = async (name: string) =>
    (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0]?.StackStatus;

  it("keeps DeletionPolicy Retain resources when the stack or the resource goes", async () => {
    const template = (withExtra: boolean) => `
Resources:
  Kept:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
    Properties: { QueueName: policy-kept }
  Gone:
    Type: AWS::SQS::Queue
    Properties: { QueueName: policy-gone }
${withExtra ? "  Extra:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Retain\n    Properties: { QueueName: policy-extra }\n" : ""}`;
    const { StackId } = await cfn.send(
      new CreateStackCommand({ StackName: "retain", TemplateBody: template(true) }),
    );
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "retain" });
    // Removing a Retain resource from the template keeps the queue.
    await cfn.send(new UpdateStackCommand({ StackName: "retain", TemplateBody: template(false) }));
    await waitUntilStackUpdateComplete(waiter(cfn), { StackName: "retain" });
    await sqs.send(new GetQueueUrlCommand({ QueueName: "policy-extra" }));
    await cfn.send(new DeleteStackCommand({ StackName: "retain" }));
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: String(StackId) });
    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: StackId }))).StackEvents ?? [];
    expect(events.some((e) => e.LogicalResourceId === "Kept" && e.ResourceStatus === "DELETE_SKIPPED")).toBe(
      true,
    );
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "policy-kept" }));
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "policy-gone" }))).rejects.toThrow();
    for (const url of [
      QueueUrl,
      (await sqs.send(new GetQueueUrlCommand({ QueueName: "policy-extra" }))).QueueUrl,
    ])
      await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  });

  it("keeps what was made with DisableRollback (CREATE_FAILED), and deletes the stack with OnFailure DELETE", async () => {
    const template = `
Resources:
  Made:
    Type: AWS::SQS::Queue
    Properties: { QueueName: kept-on-failure }
${BROKEN_FUNCTION}`;
    await cfn.send(
      new CreateStackCommand({ StackName: "no-rollback", TemplateBody: template, DisableRollback: true }),
    );
    await expect(waitUntilStackCreateComplete(waiter(cfn), { StackName: "no-rollback" })).rejects.toThrow();
    expect(await status("no-rollback")).toBe("CREATE_FAILED");
    await sqs.send(new GetQueueUrlCommand({ QueueName: "kept-on-failure" }));
    const resources =
      (await cfn.send(new DescribeStackResourcesCommand({ StackName: "no-rollback" }))).StackResources ?? [];
    expect(Object.fromEntries(resources.map((r) => [r.LogicalResourceId, r.ResourceStatus]))).toEqual({
      Made: "CREATE_COMPLETE",
      Broken: "CREATE_FAILED",
    });
    // A CREATE_FAILED stack kept by DisableRollback can be fixed by an update.
    const fixed = template.replace(BROKEN_FUNCTION, "");
    await cfn.send(new UpdateStackCommand({ StackName: "no-rollback", TemplateBody: fixed }));
    await waitUntilStackUpdateComplete(waiter(cfn), { StackName: "no-rollback" });
    await cfn.send(new DeleteStackCommand({ StackName: "no-rollback" }));
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: "no-rollback" });

    const { StackId } = await cfn.send(
      new CreateStackCommand({
        StackName: "delete-on-failure",
        TemplateBody: template.replace("kept-on-failure", "deleted-on-failure"),
        OnFailure: "DELETE",
      }),
    );
    await expect(
      waitUntilStackCreateComplete(waiter(cfn), { StackName: "delete-on-failure" }),
    ).rejects.toThrow();
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: String(StackId) });
    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: StackId }))).StackEvents ?? [];
    expect(
      events.filter((e) => e.ResourceType === "AWS::CloudFormation::Stack").map((e) => e.ResourceStatus),
    ).toEqual([
      "DELETE_COMPLETE",
      "DELETE_IN_PROGRESS",
      "ROLLBACK_COMPLETE",
      "ROLLBACK_IN_PROGRESS",
      "CREATE_IN_PROGRESS",
    ]);
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "deleted-on-failure" }))).rejects.toThrow();
  });

  it("honours OnStackFailure DELETE of a CREATE change set", async () => {
    const template = `
Resources:
  Made:
    Type: AWS::SQS::Queue
    Properties: { QueueName: change-set-on-failure }
${BROKEN_FUNCTION}`;
    const { StackId } = await cfn.send(
      new CreateChangeSetCommand({
        StackName: "cs-delete",
        ChangeSetName: "create",
        ChangeSetType: "CREATE",
        TemplateBody: template,
        OnStackFailure: "DELETE",
      }),
    );
    await waitUntilChangeSetCreateComplete(waiter(cfn), { StackName: "cs-delete", ChangeSetName: "create" });
    await cfn.send(new ExecuteChangeSetCommand({ StackName: "cs-delete", ChangeSetName: "create" }));
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: String(StackId) });
    expect((await cfn.send(new DescribeStacksCommand({ StackName: StackId }))).Stacks?.[0]?.StackStatus).toBe(
      "DELETE_COMPLETE",
    );
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "change-set-on-failure" }))).rejects.toThrow();
  });

  it("does a request with a ClientRequestToken only once, and names the token on its events", async () => {
    const template = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n";
    const first = await cfn.send(
      new CreateStackCommand({ StackName: "tokens", TemplateBody: template, ClientRequestToken: "create-1" }),
    );
    const again = await cfn.send(
      new CreateStackCommand({ StackName: "tokens", TemplateBody: template, ClientRequestToken: "create-1" }),
    );
    expect(again.StackId).toBe(first.StackId);
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "tokens" });
    const events =
      (await cfn.send(new DescribeStackEventsCommand({ StackName: "tokens" }))).StackEvents ?? [];
    expect(events.length).toBe(4);
    expect(events.every((e) => e.ClientRequestToken === "create-1")).toBe(true);
    await cfn.send(new DeleteStackCommand({ StackName: "tokens", ClientRequestToken: "delete-1" }));
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: String(first.StackId) });
  });
});
