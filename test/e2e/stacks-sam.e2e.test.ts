import {
  type Capability,
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from "@aws-sdk/client-cloudformation";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { waiter } from "../support/stacks.js";
import { zipFiles } from "../support/zip.js";

const API_HANDLER = (greeting: string) => `
exports.handler = async (event) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ greeting: ${JSON.stringify(greeting)}, name: event.pathParameters.name }),
});`;
const WORKER_HANDLER = `
exports.handler = async (event) => {
  for (const record of event.Records) console.log("worker got " + record.body);
  return {};
};`;

const template = (apiKey: string) => `
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    Timeout: 10
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  ApiFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://artifacts/${apiKey}
      Handler: index.handler
      Events:
        Hello:
          Type: Api
          Properties: { Path: "/hello/{name}", Method: get }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://artifacts/worker.zip
      Handler: index.handler
      Events:
        Queue:
          Type: SQS
          Properties: { Queue: !GetAtt Jobs.Arn, BatchSize: 1 }
Outputs:
  ApiId:
    Value: !Ref ServerlessRestApi
  QueueUrl:
    Value: !Ref Jobs
  WorkerName:
    Value: !Ref Worker
`;

describe("stacks: SAM templates", () => {
  let nimbus: TestNimbus;
  let cfn: CloudFormationClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    cfn = new CloudFormationClient(clientConfig(nimbus.url));
    sqs = new SQSClient(clientConfig(nimbus.url));
    const s3 = new S3Client({ ...clientConfig(nimbus.url), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: "artifacts" }));
    for (const [key, source] of [
      ["api-v1.zip", API_HANDLER("hello")],
      ["api-v2.zip", API_HANDLER("bonjour")],
      ["worker.zip", WORKER_HANDLER],
    ] as const)
      await s3.send(
        new PutObjectCommand({ Bucket: "artifacts", Key: key, Body: await zipFiles({ "index.js": source }) }),
      );
    s3.destroy();
  });
  afterAll(async () => {
    cfn.destroy();
    sqs.destroy();
    await nimbus.stop();
  });

  it("deploys a function behind a REST API and a queue-fed function, then updates the code", async () => {
    const capabilities: Capability[] = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"];
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: "sam-app",
        ChangeSetName: "one",
        ChangeSetType: "CREATE",
        TemplateBody: template("api-v1.zip"),
        Capabilities: capabilities,
      }),
    );
    await waitUntilChangeSetCreateComplete(waiter(cfn), { StackName: "sam-app", ChangeSetName: "one" });
    const changeSet = await cfn.send(
      new DescribeChangeSetCommand({ StackName: "sam-app", ChangeSetName: "one" }),
    );
    const added = (changeSet.Changes ?? []).map((c) => c.ResourceChange?.LogicalResourceId);
    expect(added).toEqual(
      expect.arrayContaining([
        "ApiFn",
        "ApiFnRole",
        "ServerlessRestApi",
        "ServerlessRestApiProdStage",
        "WorkerQueue",
      ]),
    );
    expect(changeSet.StatusReason).toContain("Recorded, not enforced: ");
    await cfn.send(new ExecuteChangeSetCommand({ StackName: "sam-app", ChangeSetName: "one" }));
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "sam-app" });

    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: "sam-app" }))).Stacks?.[0];
    const outputs = Object.fromEntries(
      (stack?.Outputs ?? []).map((o) => [o.OutputKey, String(o.OutputValue)]),
    );
    const call = async () => {
      const response = await fetch(`${nimbus.url}/_nimbus/execute-api/${outputs.ApiId}/Prod/hello/nimbus`);
      expect(response.status).toBe(200);
      return response.json();
    };
    expect(await call()).toEqual({ greeting: "hello", name: "nimbus" });

    // The queue event source feeds the worker.
    await sqs.send(new SendMessageCommand({ QueueUrl: outputs.QueueUrl, MessageBody: "job-1" }));
    let seen = false;
    for (let attempt = 0; attempt < 100 && !seen; attempt++) {
      const found = await nimbus.logs
        .send(
          new FilterLogEventsCommand({
            logGroupName: `/aws/lambda/${outputs.WorkerName}`,
            filterPattern: '"worker got job-1"',
          }),
        )
        .catch(() => ({ events: [] }));
      seen = (found.events ?? []).length > 0;
      if (!seen) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toBe(true);

    const processed = await cfn.send(
      new GetTemplateCommand({ StackName: "sam-app", TemplateStage: "Processed" }),
    );
    expect(JSON.parse(String(processed.TemplateBody)).Resources.ApiFn.Type).toBe("AWS::Lambda::Function");
    const original = await cfn.send(new GetTemplateCommand({ StackName: "sam-app" }));
    expect(original.TemplateBody).toBe(template("api-v1.zip"));

    // New code: the function is updated in place (same physical id) and serves the new answer.
    const before = (
      await cfn.send(new DescribeStackResourcesCommand({ StackName: "sam-app", LogicalResourceId: "ApiFn" }))
    ).StackResources?.[0]?.PhysicalResourceId;
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: "sam-app",
        ChangeSetName: "two",
        TemplateBody: template("api-v2.zip"),
        Capabilities: capabilities,
      }),
    );
    await waitUntilChangeSetCreateComplete(waiter(cfn), { StackName: "sam-app", ChangeSetName: "two" });
    const second = await cfn.send(
      new DescribeChangeSetCommand({ StackName: "sam-app", ChangeSetName: "two" }),
    );
    expect(
      second.Changes?.map((c) => [c.ResourceChange?.Action, c.ResourceChange?.LogicalResourceId]),
    ).toContainEqual(["Modify", "ApiFn"]);
    await cfn.send(new ExecuteChangeSetCommand({ StackName: "sam-app", ChangeSetName: "two" }));
    await waitUntilStackUpdateComplete(waiter(cfn), { StackName: "sam-app" });
    const after = (
      await cfn.send(new DescribeStackResourcesCommand({ StackName: "sam-app", LogicalResourceId: "ApiFn" }))
    ).StackResources?.[0]?.PhysicalResourceId;
    expect(after).toBe(before);
    expect(await call()).toEqual({ greeting: "bonjour", name: "nimbus" });

    await cfn.send(new DeleteStackCommand({ StackName: "sam-app" }));
    await waitUntilStackDeleteComplete(waiter(cfn), { StackName: String(stack?.StackId) });
    const gone = await fetch(`${nimbus.url}/_nimbus/execute-api/${outputs.ApiId}/Prod/hello/nimbus`);
    expect(gone.status).not.toBe(200);
  });
});
