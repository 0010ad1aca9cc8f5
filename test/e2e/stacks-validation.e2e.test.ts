import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Capability,
  CloudFormationClient,
  ContinueUpdateRollbackCommand,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  GetTemplateSummaryCommand,
  ListChangeSetsCommand,
  ValidateTemplateCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackRollbackComplete,
} from "@aws-sdk/client-cloudformation";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../packages/platform/src/core/clock.js";
import { StackStore } from "../../packages/platform/src/stacks/engine/stack-store.js";
import { SqliteMetadataStore } from "../../packages/platform/src/storage/sqlite/sqlite-metadata-store.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { strictClient, waiter } from "../support/stacks.js";

const UNSUPPORTED = `
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: lenient-jobs
      KmsMasterKeyId: alias/aws/sqs
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [] }
`;

describe("stacks: validation, capabilities, strict mode, change set life cycle", () => {
  let nimbus: TestNimbus;
  let cfn: CloudFormationClient;
  let strict: CloudFormationClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    cfn = new CloudFormationClient(clientConfig(nimbus.url));
    strict = strictClient(nimbus.url);
    sqs = new SQSClient(clientConfig(nimbus.url));
  });
  afterAll(async () => {
    cfn.destroy();
    strict.destroy();
    sqs.destroy();
    await nimbus.stop();
  });

  it("asks for CAPABILITY_IAM, CAPABILITY_NAMED_IAM and CAPABILITY_AUTO_EXPAND as AWS does", async () => {
    const role = (named: boolean) => `
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
${named ? "      RoleName: my-named-role\n" : ""}      AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [] }
`;
    await expect(
      cfn.send(new CreateStackCommand({ StackName: "caps", TemplateBody: role(false) })),
    ).rejects.toMatchObject({
      name: "InsufficientCapabilitiesException",
      message: "Requires capabilities : [CAPABILITY_IAM]",
    });
    await expect(
      cfn.send(
        new CreateStackCommand({
          StackName: "caps",
          TemplateBody: role(true),
          Capabilities: ["CAPABILITY_IAM"],
        }),
      ),
    ).rejects.toMatchObject({ message: "Requires capabilities : [CAPABILITY_NAMED_IAM]" });
    await expect(
      cfn.send(
        new CreateChangeSetCommand({
          StackName: "caps",
          ChangeSetName: "c",
          TemplateBody: role(false),
          ChangeSetType: "CREATE",
        }),
      ),
    ).rejects.toMatchObject({ name: "InsufficientCapabilitiesException" });
    const sam = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Q:
    Type: AWS::SQS::Queue
`;
    await expect(
      cfn.send(new CreateStackCommand({ StackName: "caps", TemplateBody: sam })),
    ).rejects.toMatchObject({
      name: "InsufficientCapabilitiesException",
      message: "Requires capabilities : [CAPABILITY_AUTO_EXPAND]",
    });
    await cfn.send(
      new CreateStackCommand({
        StackName: "caps",
        TemplateBody: role(true),
        Capabilities: ["CAPABILITY_NAMED_IAM"],
      }),
    );
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "caps" });
    await cfn.send(new DeleteStackCommand({ StackName: "caps" }));
  });

  it("lists what it does not apply in the change set, creates the rest, and refuses it all in strict mode", async () => {
    const input = {
      StackName: "lenient",
      TemplateBody: UNSUPPORTED,
      Capabilities: ["CAPABILITY_IAM"] as Capability[],
    };
    await cfn.send(
      new CreateChangeSetCommand({
        ...input,
        ChangeSetName: "first",
        ChangeSetType: "CREATE",
        RoleARN: "arn:aws:iam::000000000000:role/cfn",
      }),
    );
    await waitUntilChangeSetCreateComplete(waiter(cfn), { StackName: "lenient", ChangeSetName: "first" });
    const changeSet = await cfn.send(
      new DescribeChangeSetCommand({ StackName: "lenient", ChangeSetName: "first" }),
    );
    expect(changeSet.Status).toBe("CREATE_COMPLETE");
    const lines = String(changeSet.StatusReason).split("\n");
    expect(lines[0]).toMatch(/^Not applied by Nimbus: /);
    expect(lines[0]).toContain("Jobs (AWS::SQS::Queue) property KmsMasterKeyId");
    expect(lines[0]).toContain("Table (AWS::DynamoDB::Table): resource type not supported, not created");
    expect(lines[0]).toContain("request parameter RoleARN");
    expect(lines[1]).toBe("Recorded, not enforced: Role (AWS::IAM::Role)");
    expect((changeSet.Changes ?? []).map((c) => c.ResourceChange?.LogicalResourceId).sort()).toEqual([
      "Jobs",
      "Role",
    ]);
    const review = (await cfn.send(new DescribeStacksCommand({ StackName: "lenient" }))).Stacks?.[0];
    expect(review?.StackStatus).toBe("REVIEW_IN_PROGRESS");
    expect((await cfn.send(new ListChangeSetsCommand({ StackName: "lenient" }))).Summaries?.length).toBe(1);

    await cfn.send(new ExecuteChangeSetCommand({ StackName: "lenient", ChangeSetName: "first" }));
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "lenient" });
    await sqs.send(new GetQueueUrlCommand({ QueueName: "lenient-jobs" }));
    const resources =
      (await cfn.send(new DescribeStackResourcesCommand({ StackName: "lenient" }))).StackResources ?? [];
    expect(resources.map((r) => r.LogicalResourceId).sort()).toEqual(["Jobs", "Role"]);
    const events =
      (await cfn.send(new DescribeStackEventsCommand({ StackName: "lenient" }))).StackEvents ?? [];
    expect(events.some((e) => e.ResourceStatusReason?.includes("Not applied by Nimbus"))).toBe(true);
    await cfn.send(new DeleteStackCommand({ StackName: "lenient" }));

    // Strict: the change set FAILs naming everything; CreateStack answers a ValidationError.
    await strict.send(
      new CreateChangeSetCommand({
        ...input,
        StackName: "strict",
        ChangeSetName: "s",
        ChangeSetType: "CREATE",
      }),
    );
    await expect(
      waitUntilChangeSetCreateComplete(waiter(strict), { StackName: "strict", ChangeSetName: "s" }),
    ).rejects.toThrow();
    const failed = await cfn.send(new DescribeChangeSetCommand({ StackName: "strict", ChangeSetName: "s" }));
    expect(failed.Status).toBe("FAILED");
    expect(failed.StatusReason).toContain("Nimbus strict mode: not applied: ");
    expect(failed.StatusReason).toContain("KmsMasterKeyId");
    expect(failed.StatusReason).toContain("AWS::DynamoDB::Table");
    await expect(
      cfn.send(new ExecuteChangeSetCommand({ StackName: "strict", ChangeSetName: "s" })),
    ).rejects.toMatchObject({ name: "InvalidChangeSetStatusException" });
    await cfn.send(new DeleteChangeSetCommand({ StackName: "strict", ChangeSetName: "s" }));
    await expect(
      strict.send(new CreateStackCommand({ ...input, StackName: "strict2" })),
    ).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringContaining("KmsMasterKeyId"),
    });
  });

  it("fails references to resources of unsupported types with a clear error", async () => {
    const template = `
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Ref Table
`;
    await expect(
      cfn.send(new CreateStackCommand({ StackName: "refs", TemplateBody: template })),
    ).rejects.toThrow(
      "Resource Q refers to Table (AWS::DynamoDB::Table), a resource type Nimbus does not support",
    );
  });

  it("answers AWS's errors for stacks and change sets", async () => {
    const body = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n";
    await expect(cfn.send(new DescribeStacksCommand({ StackName: "nope" }))).rejects.toMatchObject({
      name: "ValidationError",
      message: "Stack with id nope does not exist",
    });
    await expect(
      cfn.send(new DescribeChangeSetCommand({ StackName: "nope", ChangeSetName: "x" })),
    ).rejects.toMatchObject({ name: "ChangeSetNotFoundException" });
    await expect(
      cfn.send(new CreateChangeSetCommand({ StackName: "nope", ChangeSetName: "x", TemplateBody: body })),
    ).rejects.toMatchObject({ name: "ValidationError", message: "Stack with id nope does not exist" });
    await expect(
      cfn.send(
        new CreateChangeSetCommand({
          StackName: "nope",
          ChangeSetName: "x",
          TemplateBody: body,
          ChangeSetType: "IMPORT",
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationError" });
    await cfn.send(new CreateStackCommand({ StackName: "errs", TemplateBody: body }));
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "errs" });
    await expect(
      cfn.send(new CreateStackCommand({ StackName: "errs", TemplateBody: body })),
    ).rejects.toMatchObject({
      name: "AlreadyExistsException",
      message: "Stack [errs] already exists",
    });
    await expect(
      cfn.send(new CreateStackCommand({ StackName: "bad", TemplateBody: "Resources: {}" })),
    ).rejects.toMatchObject({
      name: "ValidationError",
    });
    await expect(
      cfn.send(
        new CreateStackCommand({ StackName: "big", TemplateBody: `# ${"x".repeat(51_200)}\n${body}` }),
      ),
    ).rejects.toThrow(/51200/);
    // DeleteStack of a stack that does not exist succeeds, as on AWS.
    await cfn.send(new DeleteStackCommand({ StackName: "never-was" }));
    await cfn.send(new DeleteStackCommand({ StackName: "errs" }));
  });

  it("reads TemplateURL from a Nimbus bucket, and summarizes and validates templates", async () => {
    const s3 = new S3Client({ ...clientConfig(nimbus.url), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: "templates" }));
    const body = `
Description: from a bucket
Parameters:
  Name: { Type: String, Default: url-queue }
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: { QueueName: !Ref Name }
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [] }
`;
    await s3.send(new PutObjectCommand({ Bucket: "templates", Key: "dir/t.yaml", Body: body }));
    s3.destroy();
    for (const url of [
      `https://s3.amazonaws.com/templates/dir/t.yaml`,
      `https://templates.s3.us-east-1.amazonaws.com/dir/t.yaml`,
      `${nimbus.url}/templates/dir/t.yaml`,
      `http://templates.s3.localhost:${nimbus.server.port}/dir/t.yaml`,
    ]) {
      const summary = await cfn.send(new GetTemplateSummaryCommand({ TemplateURL: url }));
      expect(summary.Description).toBe("from a bucket");
      expect(summary.Parameters?.[0]).toMatchObject({ ParameterKey: "Name", DefaultValue: "url-queue" });
      expect(summary.ResourceTypes?.sort()).toEqual(["AWS::IAM::Role", "AWS::SQS::Queue"]);
      expect(summary.Capabilities).toEqual(["CAPABILITY_IAM"]);
    }
    const validated = await cfn.send(new ValidateTemplateCommand({ TemplateBody: body }));
    expect(validated.Capabilities).toEqual(["CAPABILITY_IAM"]);
    expect(validated.Description).toBe("from a bucket");
    await expect(
      cfn.send(
        new GetTemplateSummaryCommand({ TemplateURL: "https://s3.amazonaws.com/templates/missing.yaml" }),
      ),
    ).rejects.toMatchObject({ name: "ValidationError" });
    await cfn.send(
      new CreateStackCommand({
        StackName: "from-url",
        TemplateURL: "https://s3.amazonaws.com/templates/dir/t.yaml",
        Capabilities: ["CAPABILITY_IAM"],
      }),
    );
    await waitUntilStackCreateComplete(waiter(cfn), { StackName: "from-url" });
    await sqs.send(new GetQueueUrlCommand({ QueueName: "url-queue" }));
    await cfn.send(new DeleteStackCommand({ StackName: "from-url" }));
  });
});

describe("stacks: a restart during an operation", () => {
  it("marks the interrupted update failed on start-up; ContinueUpdateRollback puts the old properties back", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "nimbus-stacks-restart-"));
    const template = (seconds: number) =>
      `Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: { QueueName: cut-queue, VisibilityTimeout: ${seconds} }\n`;
    let nimbus = await startNimbus({ dataDir });
    let cfn = new CloudFormationClient(clientConfig(nimbus.url));
    let sqs = new SQSClient(clientConfig(nimbus.url));
    try {
      await cfn.send(new CreateStackCommand({ StackName: "cut", TemplateBody: template(30) }));
      await waitUntilStackCreateComplete(waiter(cfn), { StackName: "cut" });
      // What a crash in the middle of an update to 90 s leaves: the queue changed, the stack and
      // its resource still in progress.
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "cut-queue" }));
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: "90" } }));
    } finally {
      cfn.destroy();
      sqs.destroy();
      await nimbus.stop(false);
    }
    const metadata = new SqliteMetadataStore(join(dataDir, "nimbus.db"));
    const store = new StackStore(metadata, systemClock);
    const stack = (await store.allStacks())[0];
    if (!stack) throw new Error("no stack stored");
    const { rollbackTo: _none, ...inputs } = stack;
    await store.putStack({
      ...stack,
      rollbackTo: { inputs: structuredClone(inputs), outputs: [], imports: [] },
      templateBody: template(90),
      status: "UPDATE_IN_PROGRESS",
    });
    const resources = await store.getResources(stack.stackId);
    if (resources.resources.Q) resources.resources.Q.status = "UPDATE_IN_PROGRESS";
    await store.putResources(stack.stackId, resources);
    await metadata.close();

    nimbus = await startNimbus({ dataDir });
    cfn = new CloudFormationClient(clientConfig(nimbus.url));
    sqs = new SQSClient(clientConfig(nimbus.url));
    try {
      const restarted = (await cfn.send(new DescribeStacksCommand({ StackName: "cut" }))).Stacks?.[0];
      expect(restarted?.StackStatus).toBe("UPDATE_ROLLBACK_FAILED");
      expect(restarted?.StackStatusReason).toBe("Nimbus restarted during the operation");
      const resource = (await cfn.send(new DescribeStackResourcesCommand({ StackName: "cut" })))
        .StackResources?.[0];
      expect(resource?.ResourceStatus).toBe("UPDATE_FAILED");

      await cfn.send(new ContinueUpdateRollbackCommand({ StackName: "cut" }));
      await waitUntilStackRollbackComplete(waiter(cfn), { StackName: "cut" });
      const after = (await cfn.send(new DescribeStacksCommand({ StackName: "cut" }))).Stacks?.[0];
      expect(after?.StackStatus).toBe("UPDATE_ROLLBACK_COMPLETE");
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "cut-queue" }));
      const attrs = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["VisibilityTimeout"] }),
      );
      expect(attrs.Attributes?.VisibilityTimeout).toBe("30");
      const original = await cfn.send(new GetTemplateCommand({ StackName: "cut" }));
      expect(original.TemplateBody).toBe(template(30));
      await cfn.send(new DeleteStackCommand({ StackName: "cut" }));
    } finally {
      cfn.destroy();
      sqs.destroy();
      await nimbus.stop();
    }
  });
});

describe("stacks: strict mode from the configuration", () => {
  it("refuses what Nimbus does not apply on every request when stacks.strict is set", async () => {
    const nimbus = await startNimbus({ config: { stacks: { strict: true } } });
    const cfn = new CloudFormationClient(clientConfig(nimbus.url));
    try {
      await expect(
        cfn.send(
          new CreateStackCommand({
            StackName: "strict-config",
            TemplateBody: UNSUPPORTED,
            Capabilities: ["CAPABILITY_IAM"],
          }),
        ),
      ).rejects.toMatchObject({
        name: "ValidationError",
        message: expect.stringContaining("Nimbus strict mode"),
      });
      // What Nimbus applies fully deploys as usual (IAM roles are recorded, which strict mode allows).
      const fine =
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n";
      await cfn.send(
        new CreateStackCommand({
          StackName: "strict-fine",
          TemplateBody: fine,
          Capabilities: ["CAPABILITY_IAM"],
        }),
      );
      await waitUntilStackCreateComplete(waiter(cfn), { StackName: "strict-fine" });
    } finally {
      cfn.destroy();
      await nimbus.stop();
    }
  });
});
