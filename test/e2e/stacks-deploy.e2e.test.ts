import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListExportsCommand,
  ListImportsCommand,
  UpdateStackCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from "@aws-sdk/client-cloudformation";
import { GetFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ListSubscriptionsByTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, payloadJson, ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { waiter } from "../support/stacks.js";
import { zipFiles } from "../support/zip.js";

const HANDLER = `exports.handler = async (event) => ({ greeting: process.env.GREETING, got: event });`;

function outputsOf(
  stack:
    | { Outputs?: { OutputKey?: string | undefined; OutputValue?: string | undefined }[] | undefined }
    | undefined,
) {
  return Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
}

function changesOf(changeSet: DescribeChangeSetCommandOutput) {
  return (changeSet.Changes ?? []).map((c) => [
    c.ResourceChange?.Action,
    c.ResourceChange?.LogicalResourceId,
    c.ResourceChange?.Replacement ?? "-",
  ]);
}

describe("stacks: CloudFormation deploys through the SDK", () => {
  let nimbus: TestNimbus;
  let cfn: CloudFormationClient;
  let sqs: SQSClient;
  let sns: SNSClient;
  let s3: S3Client;

  beforeAll(async () => {
    nimbus = await startNimbus();
    cfn = new CloudFormationClient(clientConfig(nimbus.url));
    sqs = new SQSClient(clientConfig(nimbus.url));
    sns = new SNSClient(clientConfig(nimbus.url));
    s3 = new S3Client({ ...clientConfig(nimbus.url), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: "artifacts" }));
    await s3.send(
      new PutObjectCommand({
        Bucket: "artifacts",
        Key: "fn.zip",
        Body: await zipFiles({ "index.js": HANDLER }),
      }),
    );
  });
  afterAll(async () => {
    for (const client of [cfn, sqs, sns, s3]) client.destroy();
    await nimbus.stop();
  });

  const appTemplate = (options: { greeting: string; withDlq: boolean; withTopic: boolean }) => `
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
${
  options.withDlq
    ? `  Dead:
    Type: AWS::SQS::Queue
`
    : ""
}${
  options.withTopic
    ? `  News:
    Type: AWS::SNS::Topic
  NewsToJobs:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref News
      Protocol: sqs
      Endpoint: !GetAtt Jobs.Arn
      RawMessageDelivery: "true"
`
    : ""
}  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Role: ${ROLE}
      Code: { S3Bucket: artifacts, S3Key: fn.zip }
      Environment:
        Variables:
          GREETING: ${options.greeting}
          QUEUE_URL: !Ref Jobs
Outputs:
  WorkerName:
    Value: !Ref Worker
  JobsArn:
    Value: !GetAtt Jobs.Arn
    Export: { Name: app-jobs-arn }
`;

  it("creates queue, topic, subscription and function; updates through a change set; deletes", async () => {
    const first = appTemplate({ greeting: "hello", withDlq: false, withTopic: true });
    await cfn.send(new CreateStackCommand({ StackName: "app", TemplateBody: first }));
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "app" });
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: "app" }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe("CREATE_COMPLETE");
    const outputs = outputsOf(stack);
    const fn = String(outputs.WorkerName);
    expect(fn).toMatch(/^app-Worker-[A-Z0-9]{13}$/);
    const invoked = await nimbus.lambda.send(new InvokeCommand({ FunctionName: fn, Payload: '{"n":1}' }));
    expect(payloadJson(invoked.Payload)).toEqual({ greeting: "hello", got: { n: 1 } });

    const resources =
      (await cfn.send(new DescribeStackResourcesCommand({ StackName: "app" }))).StackResources ?? [];
    const physical = Object.fromEntries(resources.map((r) => [r.LogicalResourceId, r.PhysicalResourceId]));
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: physical.News }));
    expect(subs.Subscriptions?.[0]?.Endpoint).toBe(outputs.JobsArn);

    // Update: a changed property (in place), a resource added (Dead), two removed (News, NewsToJobs).
    const second = appTemplate({ greeting: "bonjour", withDlq: true, withTopic: false });
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: "app",
        ChangeSetName: "v2",
        TemplateBody: second,
        ChangeSetType: "UPDATE",
      }),
    );
    await waitUntilChangeSetCreateComplete(waiter(cfn), { StackName: "app", ChangeSetName: "v2" });
    const changeSet = await cfn.send(new DescribeChangeSetCommand({ StackName: "app", ChangeSetName: "v2" }));
    expect(changeSet.Status).toBe("CREATE_COMPLETE");
    expect(changeSet.ExecutionStatus).toBe("AVAILABLE");
    expect(changesOf(changeSet).sort()).toEqual(
      [
        ["Add", "Dead", "-"],
        ["Modify", "Worker", "False"],
        ["Remove", "News", "-"],
        ["Remove", "NewsToJobs", "-"],
      ].sort(),
    );
    const workerChange = changeSet.Changes?.find((c) => c.ResourceChange?.LogicalResourceId === "Worker");
    expect(workerChange?.ResourceChange?.Details?.[0]?.Target).toMatchObject({
      Attribute: "Properties",
      Name: "Environment",
      RequiresRecreation: "Never",
    });
    await cfn.send(new ExecuteChangeSetCommand({ StackName: "app", ChangeSetName: "v2" }));
    await waitUntilStackUpdateComplete(waiter(cfn), { StackName: "app" });
    const again = await nimbus.lambda.send(new InvokeCommand({ FunctionName: fn, Payload: "{}" }));
    expect(payloadJson(again.Payload)).toMatchObject({ greeting: "bonjour" });
    const after =
      (await cfn.send(new DescribeStackResourcesCommand({ StackName: "app" }))).StackResources ?? [];
    expect(after.map((r) => r.LogicalResourceId).sort()).toEqual(["Dead", "Jobs", "Worker"]);
    await expect(
      sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: physical.News })),
    ).rejects.toThrow();
    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: "app" }))).StackEvents ?? [];
    expect(events[0]?.ResourceStatus).toBe("UPDATE_COMPLETE");
    expect(events.map((e) => e.ResourceStatus)).toContain("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");

    // No changes: UpdateStack says so, and a change set FAILs with the text `aws cloudformation deploy` knows.
    await expect(
      cfn.send(new UpdateStackCommand({ StackName: "app", TemplateBody: second })),
    ).rejects.toThrow("No updates are to be performed.");
    await cfn.send(
      new CreateChangeSetCommand({ StackName: "app", ChangeSetName: "same", TemplateBody: second }),
    );
    await expect(
      waitUntilChangeSetCreateComplete(waiter(cfn), { StackName: "app", ChangeSetName: "same" }),
    ).rejects.toThrow();
    const same = await cfn.send(new DescribeChangeSetCommand({ StackName: "app", ChangeSetName: "same" }));
    expect(same.Status).toBe("FAILED");
    expect(same.StatusReason).toBe(
      "The submitted information didn't contain changes. Submit different information to create a change set.",
    );

    await cfn.send(new DeleteStackCommand({ StackName: "app" }));
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: String(stack?.StackId) });
    await expect(nimbus.lambda.send(new GetFunctionCommand({ FunctionName: fn }))).rejects.toThrow();
  });

  it("rolls back a failed create: created resources are deleted, the reason is in the events", async () => {
    const template = `
Resources:
  Fine:
    Type: AWS::SQS::Queue
    Properties: { QueueName: rollback-fine }
  Broken:
    Type: AWS::Lambda::Function
    DependsOn: Fine
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Role: ${ROLE}
      Code: { S3Bucket: artifacts, S3Key: missing.zip }
`;
    await cfn.send(new CreateStackCommand({ StackName: "broken", TemplateBody: template }));
    await expect(waitUntilStackCreateComplete(waiter(cfn), { StackName: "broken" })).rejects.toThrow();
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: "broken" }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe("ROLLBACK_COMPLETE");
    expect(stack?.StackStatusReason).toContain("The following resource(s) failed to create: [Broken]");
    const events =
      (await cfn.send(new DescribeStackEventsCommand({ StackName: "broken" }))).StackEvents ?? [];
    const failed = events.find(
      (e) => e.LogicalResourceId === "Broken" && e.ResourceStatus === "CREATE_FAILED",
    );
    expect(failed?.ResourceStatusReason).toMatch(/^Resource handler returned message: ".+"/);
    expect(events.some((e) => e.LogicalResourceId === "Fine" && e.ResourceStatus === "DELETE_COMPLETE")).toBe(
      true,
    );
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "rollback-fine" }))).rejects.toThrow();
    // A ROLLBACK_COMPLETE stack cannot be updated, only deleted.
    await expect(
      cfn.send(new UpdateStackCommand({ StackName: "broken", TemplateBody: template })),
    ).rejects.toThrow(/is in ROLLBACK_COMPLETE state and can not be updated/);
    await cfn.send(new DeleteStackCommand({ StackName: "broken" }));
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: String(stack?.StackId) });
  });

  it("rolls back a failed update to the previous properties and deletes what it added", async () => {
    const base = (visibility: number, extra: string) => `
Resources:
  Keep:
    Type: AWS::SQS::Queue
    Properties: { QueueName: upd-keep, VisibilityTimeout: ${visibility} }
${extra}`;
    await cfn.send(new CreateStackCommand({ StackName: "upd", TemplateBody: base(30, "") }));
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "upd" });
    const broken = `  Added:
    Type: AWS::SQS::Queue
    Properties: { QueueName: upd-added }
  Broken:
    Type: AWS::Lambda::Function
    DependsOn: [Keep, Added]
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Role: ${ROLE}
      Code: { S3Bucket: artifacts, S3Key: missing.zip }
`;
    await cfn.send(new UpdateStackCommand({ StackName: "upd", TemplateBody: base(90, broken) }));
    await expect(waitUntilStackUpdateComplete(waiter(cfn), { StackName: "upd" })).rejects.toThrow();
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: "upd" }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe("UPDATE_ROLLBACK_COMPLETE");
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "upd-keep" }));
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["VisibilityTimeout"] }),
    );
    expect(attrs.Attributes?.VisibilityTimeout).toBe("30");
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "upd-added" }))).rejects.toThrow();
    const resources =
      (await cfn.send(new DescribeStackResourcesCommand({ StackName: "upd" }))).StackResources ?? [];
    expect(resources.map((r) => r.LogicalResourceId)).toEqual(["Keep"]);
    // The stack can be updated again after a rollback.
    await cfn.send(new UpdateStackCommand({ StackName: "upd", TemplateBody: base(45, "") }));
    await waitUntilStackUpdateComplete(waiter(cfn), { StackName: "upd" });
    await cfn.send(new DeleteStackCommand({ StackName: "upd" }));
  });

  it("evaluates parameters, mappings and conditions", async () => {
    const template = `
Parameters:
  Env: { Type: String, AllowedValues: [dev, prod], Default: dev }
  Suffix: { Type: String }
Mappings:
  Timeouts:
    dev: { Seconds: 10 }
    prod: { Seconds: 120 }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Main:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "params-\${Env}-\${Suffix}"
      VisibilityTimeout: !FindInMap [Timeouts, !Ref Env, Seconds]
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
    Properties: { QueueName: !Sub "params-prod-only-\${Suffix}" }
Outputs:
  Name:
    Value: !GetAtt Main.QueueName
  Mode:
    Value: !If [IsProd, production, development]
`;
    await expect(
      cfn.send(new CreateStackCommand({ StackName: "params", TemplateBody: template })),
    ).rejects.toThrow(/Suffix/);
    await cfn.send(
      new CreateStackCommand({
        StackName: "params",
        TemplateBody: template,
        Parameters: [{ ParameterKey: "Suffix", ParameterValue: "a" }],
      }),
    );
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "params" });
    let stack = (await cfn.send(new DescribeStacksCommand({ StackName: "params" }))).Stacks?.[0];
    expect(outputsOf(stack)).toMatchObject({ Mode: "development" });
    let resources =
      (await cfn.send(new DescribeStackResourcesCommand({ StackName: "params" }))).StackResources ?? [];
    expect(resources.map((r) => r.LogicalResourceId)).toEqual(["Main"]);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "params-dev-a" }));
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["VisibilityTimeout"] }),
    );
    expect(attrs.Attributes?.VisibilityTimeout).toBe("10");

    // prod: the queue name changes (replacement), the condition adds ProdOnly; Suffix keeps its value.
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: "params",
        ChangeSetName: "prod",
        TemplateBody: template,
        Parameters: [
          { ParameterKey: "Env", ParameterValue: "prod" },
          { ParameterKey: "Suffix", UsePreviousValue: true },
        ],
      }),
    );
    await waitUntilChangeSetCreateComplete(waiter(cfn), { StackName: "params", ChangeSetName: "prod" });
    const changeSet = await cfn.send(
      new DescribeChangeSetCommand({ StackName: "params", ChangeSetName: "prod" }),
    );
    expect(changesOf(changeSet).sort()).toEqual([
      ["Add", "ProdOnly", "-"],
      ["Modify", "Main", "True"],
    ]);
    await cfn.send(new ExecuteChangeSetCommand({ StackName: "params", ChangeSetName: "prod" }));
    await waitUntilStackUpdateComplete(waiter(cfn), { StackName: "params" });
    stack = (await cfn.send(new DescribeStacksCommand({ StackName: "params" }))).Stacks?.[0];
    expect(outputsOf(stack)).toEqual({ Name: "params-prod-a", Mode: "production" });
    resources =
      (await cfn.send(new DescribeStackResourcesCommand({ StackName: "params" }))).StackResources ?? [];
    expect(resources.map((r) => r.LogicalResourceId).sort()).toEqual(["Main", "ProdOnly"]);
    // The replaced queue is gone.
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "params-dev-a" }))).rejects.toThrow();
    await cfn.send(new DeleteStackCommand({ StackName: "params" }));
  });

  it("imports values across stacks and refuses to delete an export in use", async () => {
    const producer = `
Resources:
  Shared:
    Type: AWS::SQS::Queue
Outputs:
  SharedArn:
    Value: !GetAtt Shared.Arn
    Export: { Name: shared-queue-arn }
`;
    const consumer = `
Resources:
  Topic:
    Type: AWS::SNS::Topic
  ToShared:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic
      Protocol: sqs
      Endpoint: !ImportValue shared-queue-arn
Outputs:
  Imported:
    Value: !ImportValue shared-queue-arn
`;
    await expect(
      cfn.send(new CreateStackCommand({ StackName: "consumer", TemplateBody: consumer })),
    ).rejects.toThrow("No export named shared-queue-arn found.");
    const made = await cfn.send(new CreateStackCommand({ StackName: "producer", TemplateBody: producer }));
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "producer" });
    await cfn.send(new CreateStackCommand({ StackName: "consumer", TemplateBody: consumer }));
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "consumer" });
    const exported = (await cfn.send(new ListExportsCommand({}))).Exports?.find(
      (e) => e.Name === "shared-queue-arn",
    );
    expect(exported?.ExportingStackId).toBe(made.StackId);
    const consumerStack = (await cfn.send(new DescribeStacksCommand({ StackName: "consumer" }))).Stacks?.[0];
    expect(outputsOf(consumerStack).Imported).toBe(exported?.Value);
    const imports = await cfn.send(new ListImportsCommand({ ExportName: "shared-queue-arn" }));
    expect(imports.Imports).toEqual(["consumer"]);

    // An export in use cannot change: the update rolls back, naming the importer.
    await cfn.send(
      new UpdateStackCommand({
        StackName: "producer",
        TemplateBody: producer.replace(
          "Type: AWS::SQS::Queue",
          "Type: AWS::SQS::Queue\n    Properties: { QueueName: renamed-shared }",
        ),
      }),
    );
    await expect(waitUntilStackUpdateComplete(waiter(cfn), { StackName: "producer" })).rejects.toThrow();
    const rolledBack = (await cfn.send(new DescribeStacksCommand({ StackName: "producer" }))).Stacks?.[0];
    expect(rolledBack?.StackStatus).toBe("UPDATE_ROLLBACK_COMPLETE");
    expect(rolledBack?.StackStatusReason).toBe(
      "Cannot update export shared-queue-arn as it is in use by consumer",
    );
    expect(outputsOf(rolledBack).SharedArn).toBe(exported?.Value);
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "renamed-shared" }))).rejects.toThrow();

    await cfn.send(new DeleteStackCommand({ StackName: "producer" }));
    await expect(
      waitUntilStackDeleteComplete(waiter(cfn), { StackName: String(made.StackId) }),
    ).rejects.toThrow();
    const producerStack = (await cfn.send(new DescribeStacksCommand({ StackName: "producer" }))).Stacks?.[0];
    expect(producerStack?.StackStatus).toBe("DELETE_FAILED");
    expect(producerStack?.StackStatusReason).toContain("shared-queue-arn");
    expect(producerStack?.StackStatusReason).toContain("consumer");

    await cfn.send(new DeleteStackCommand({ StackName: "consumer" }));
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: "consumer" });
    await cfn.send(new DeleteStackCommand({ StackName: "producer" }));
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: String(made.StackId) });
    expect((await cfn.send(new ListExportsCommand({}))).Exports ?? []).toEqual([]);
  });
});
