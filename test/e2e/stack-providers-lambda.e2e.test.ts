import {
  AddPermissionCommand,
  CreateAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionUrlConfigCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionPolicyCommand,
  GetPolicyCommand,
  GetProvisionedConcurrencyConfigCommand,
  PublishVersionCommand,
  RemovePermissionCommand,
  UpdateAliasCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GradualDeployments, ResourceProvider } from "../../packages/platform/src/stacks/model.js";
import { iamProviders } from "../../packages/platform/src/stacks/providers/iam.js";
import { lambdaProviders } from "../../packages/platform/src/stacks/providers/lambda/index.js";
import { logsProviders } from "../../packages/platform/src/stacks/providers/logs.js";
import { createFixtureFunction, invokeJson } from "../support/functions.js";
import { ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { providerContext } from "../support/stacks.js";
import { zipFiles } from "../support/zip.js";

let nimbus: TestNimbus;
const providers = new Map<string, ResourceProvider>(
  [...lambdaProviders(), ...iamProviders(), ...logsProviders()].map((p) => [p.type, p]),
);
const provider = (type: string): ResourceProvider => {
  const found = providers.get(type);
  if (!found) throw new Error(`no provider for ${type}`);
  return found;
};
const ctx = () => providerContext(nimbus.server);
const ACCOUNT = "000000000000";
const fnArn = (name: string, qualifier?: string) =>
  `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}${qualifier === undefined ? "" : `:${qualifier}`}`;

beforeAll(async () => {
  nimbus = await startNimbus();
  await nimbus.server.api.s3("PUT", "/artifacts");
});

afterAll(async () => {
  await nimbus.stop();
});

const policyOf = async (name: string, qualifier?: string) => {
  const out = await nimbus.lambda.send(
    new GetPolicyCommand({ FunctionName: name, ...(qualifier ? { Qualifier: qualifier } : {}) }),
  );
  return { policy: JSON.parse(out.Policy ?? "{}"), revisionId: out.RevisionId };
};

describe("Lambda resource-based policies (AddPermission, GetPolicy, RemovePermission)", () => {
  beforeAll(async () => {
    await createFixtureFunction(nimbus.lambda, "perm-fn", "node/hello", { handler: "index.handler" });
  });

  it("answers ResourceNotFoundException for a function without a policy", async () => {
    await expect(nimbus.lambda.send(new GetPolicyCommand({ FunctionName: "perm-fn" }))).rejects.toMatchObject(
      {
        name: "ResourceNotFoundException",
        message: "The resource you requested does not exist.",
      },
    );
  });

  it("adds statements as Lambda renders them and lists them in GetPolicy", async () => {
    const added = await nimbus.lambda.send(
      new AddPermissionCommand({
        FunctionName: "perm-fn",
        StatementId: "s3-invoke",
        Action: "lambda:InvokeFunction",
        Principal: "s3.amazonaws.com",
        SourceArn: "arn:aws:s3:::my-bucket",
        SourceAccount: "123456789012",
      }),
    );
    expect(JSON.parse(added.Statement ?? "")).toEqual({
      Sid: "s3-invoke",
      Effect: "Allow",
      Principal: { Service: "s3.amazonaws.com" },
      Action: "lambda:InvokeFunction",
      Resource: fnArn("perm-fn"),
      Condition: {
        StringEquals: { "AWS:SourceAccount": "123456789012" },
        ArnLike: { "AWS:SourceArn": "arn:aws:s3:::my-bucket" },
      },
    });
    await nimbus.lambda.send(
      new AddPermissionCommand({
        FunctionName: fnArn("perm-fn"),
        StatementId: "account",
        Action: "lambda:InvokeFunctionUrl",
        Principal: "111122223333",
        FunctionUrlAuthType: "AWS_IAM",
      }),
    );
    const { policy, revisionId } = await policyOf("perm-fn");
    expect(policy).toMatchObject({ Version: "2012-10-17", Id: "default" });
    expect(policy.Statement).toHaveLength(2);
    expect(policy.Statement[1]).toEqual({
      Sid: "account",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: "lambda:InvokeFunctionUrl",
      Resource: fnArn("perm-fn"),
      Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } },
    });
    expect(revisionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses a statement id that exists, a bad principal and a stale RevisionId", async () => {
    await expect(
      nimbus.lambda.send(
        new AddPermissionCommand({
          FunctionName: "perm-fn",
          StatementId: "s3-invoke",
          Action: "lambda:InvokeFunction",
          Principal: "sns.amazonaws.com",
        }),
      ),
    ).rejects.toMatchObject({
      name: "ResourceConflictException",
      message:
        "The statement id (s3-invoke) provided already exists. Please provide a new statement id, or remove the existing statement.",
    });
    await expect(
      nimbus.lambda.send(
        new AddPermissionCommand({
          FunctionName: "perm-fn",
          StatementId: "bad",
          Action: "lambda:InvokeFunction",
          Principal: "not a principal",
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      nimbus.lambda.send(
        new AddPermissionCommand({
          FunctionName: "perm-fn",
          StatementId: "bad",
          Action: "lambda:InvokeFunction",
          Principal: "someone",
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValueException" });
    await expect(
      nimbus.lambda.send(
        new RemovePermissionCommand({ FunctionName: "perm-fn", StatementId: "account", RevisionId: "stale" }),
      ),
    ).rejects.toMatchObject({ name: "PreconditionFailedException" });
  });

  it("removes statements, and the policy with the last one", async () => {
    await expect(
      nimbus.lambda.send(new RemovePermissionCommand({ FunctionName: "perm-fn", StatementId: "nope" })),
    ).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: "Statement nope is not found in resource policy.",
    });
    const { revisionId } = await policyOf("perm-fn");
    await nimbus.lambda.send(
      new RemovePermissionCommand({
        FunctionName: "perm-fn",
        StatementId: "account",
        RevisionId: revisionId,
      }),
    );
    expect((await policyOf("perm-fn")).policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "s3-invoke",
    ]);
    await nimbus.lambda.send(
      new RemovePermissionCommand({ FunctionName: "perm-fn", StatementId: "s3-invoke" }),
    );
    await expect(nimbus.lambda.send(new GetPolicyCommand({ FunctionName: "perm-fn" }))).rejects.toMatchObject(
      {
        name: "ResourceNotFoundException",
      },
    );
    await expect(
      nimbus.lambda.send(new RemovePermissionCommand({ FunctionName: "perm-fn", StatementId: "s3-invoke" })),
    ).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: "No policy is associated with the given resource.",
    });
  });

  it("keeps a separate policy per alias, and refuses qualifiers that do not exist", async () => {
    await nimbus.lambda.send(new PublishVersionCommand({ FunctionName: "perm-fn" }));
    await nimbus.lambda.send(
      new CreateAliasCommand({ FunctionName: "perm-fn", Name: "live", FunctionVersion: "1" }),
    );
    await nimbus.lambda.send(
      new AddPermissionCommand({
        FunctionName: "perm-fn",
        Qualifier: "live",
        StatementId: "events",
        Action: "lambda:InvokeFunction",
        Principal: "events.amazonaws.com",
      }),
    );
    const { policy } = await policyOf("perm-fn", "live");
    expect(policy.Statement[0]).toMatchObject({ Sid: "events", Resource: fnArn("perm-fn", "live") });
    expect((await policyOf("perm-fn:live")).policy.Statement).toHaveLength(1);
    await expect(nimbus.lambda.send(new GetPolicyCommand({ FunctionName: "perm-fn" }))).rejects.toMatchObject(
      {
        name: "ResourceNotFoundException",
      },
    );
    await expect(
      nimbus.lambda.send(
        new AddPermissionCommand({
          FunctionName: "perm-fn",
          Qualifier: "7",
          StatementId: "x",
          Action: "lambda:InvokeFunction",
          Principal: "events.amazonaws.com",
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("deletes the policies with the function: a new function of that name has none", async () => {
    await nimbus.lambda.send(
      new AddPermissionCommand({
        FunctionName: "perm-fn",
        StatementId: "sns",
        Action: "lambda:InvokeFunction",
        Principal: "sns.amazonaws.com",
      }),
    );
    await nimbus.lambda.send(new DeleteFunctionCommand({ FunctionName: "perm-fn" }));
    await createFixtureFunction(nimbus.lambda, "perm-fn", "node/hello", { handler: "index.handler" });
    await expect(nimbus.lambda.send(new GetPolicyCommand({ FunctionName: "perm-fn" }))).rejects.toMatchObject(
      {
        name: "ResourceNotFoundException",
      },
    );
  });
});

describe("AWS::Lambda::Function", () => {
  it("creates a function from an archive in a bucket, tagged as CloudFormation tags it", async () => {
    const zip = await zipFiles({
      "app.js": "exports.run = async (e) => ({ from: 's3', got: e.n, env: process.env.GREETING });",
    });
    await nimbus.server.api.s3("PUT", "/artifacts/code/app.zip", zip);
    const c = ctx();
    const props = {
      Code: { S3Bucket: "artifacts", S3Key: "code/app.zip" },
      Handler: "app.run",
      Runtime: "nodejs20.x",
      Role: ROLE,
      Environment: { Variables: { GREETING: "hi" } },
      Tags: [{ Key: "team", Value: "blue" }],
    };
    const created = await provider("AWS::Lambda::Function").create(c, "S3Fn", props);
    expect(created.physicalId).toMatch(/^test-stack-S3Fn-/);
    expect(created.attributes.Arn).toBe(fnArn(created.physicalId));
    expect((await invokeJson(nimbus.lambda, created.physicalId, { n: 1 })).json).toEqual({
      from: "s3",
      got: 1,
      env: "hi",
    });
    const got = await nimbus.lambda.send(new GetFunctionCommand({ FunctionName: created.physicalId }));
    expect(got.Tags).toMatchObject({
      team: "blue",
      "aws:cloudformation:logical-id": "S3Fn",
      "aws:cloudformation:stack-name": "test-stack",
    });

    // Update: configuration only when it changed; removed properties go back to the defaults.
    const next = {
      ...props,
      Environment: undefined,
      Timeout: "20",
      MemorySize: 512,
      Description: "updated",
      ReservedConcurrentExecutions: 3,
      Tags: [{ Key: "team", Value: "green" }],
    };
    const current = { physicalId: created.physicalId, properties: props, attributes: created.attributes };
    await provider("AWS::Lambda::Function").update(c, "S3Fn", current, next);
    const updated = await nimbus.lambda.send(new GetFunctionCommand({ FunctionName: created.physicalId }));
    expect(updated.Configuration).toMatchObject({ Timeout: 20, MemorySize: 512, Description: "updated" });
    expect(updated.Configuration?.Environment).toBeUndefined();
    expect(updated.Configuration?.LastUpdateStatus).toBe("Successful");
    expect(updated.Tags?.team).toBe("green");
    expect(
      (await nimbus.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: created.physicalId })))
        .ReservedConcurrentExecutions,
    ).toBe(3);
    expect((await invokeJson(nimbus.lambda, created.physicalId, { n: 2 })).json).toMatchObject({ got: 2 });

    // A new archive: UpdateFunctionCode.
    const zip2 = await zipFiles({ "app.js": "exports.run = async () => ({ from: 's3', release: 2 });" });
    await nimbus.server.api.s3("PUT", "/artifacts/code/app-2.zip", zip2);
    const third = {
      ...next,
      Code: { S3Bucket: "artifacts", S3Key: "code/app-2.zip" },
      ReservedConcurrentExecutions: undefined,
    };
    await provider("AWS::Lambda::Function").update(
      c,
      "S3Fn",
      { physicalId: created.physicalId, properties: next, attributes: created.attributes },
      third,
    );
    expect((await invokeJson(nimbus.lambda, created.physicalId)).json).toEqual({ from: "s3", release: 2 });
    await expect(
      nimbus.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: created.physicalId })),
    ).resolves.not.toHaveProperty("ReservedConcurrentExecutions", 3);

    await provider("AWS::Lambda::Function").delete(c, "S3Fn", {
      physicalId: created.physicalId,
      properties: third,
      attributes: created.attributes,
    });
    await expect(
      nimbus.lambda.send(new GetFunctionCommand({ FunctionName: created.physicalId })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    // Deleting again is not an error.
    await provider("AWS::Lambda::Function").delete(c, "S3Fn", {
      physicalId: created.physicalId,
      properties: third,
      attributes: created.attributes,
    });
  });

  it("packs inline ZipFile source as index.js for Node.js", async () => {
    const created = await provider("AWS::Lambda::Function").create(ctx(), "InlineNode", {
      FunctionName: "inline-node",
      Code: { ZipFile: "exports.handler = async (event) => ({ inline: 'node', echo: event.x });" },
      Handler: "index.handler",
      Runtime: "nodejs20.x",
      Role: ROLE,
    });
    expect(created.physicalId).toBe("inline-node");
    expect((await invokeJson(nimbus.lambda, "inline-node", { x: 42 })).json).toEqual({
      inline: "node",
      echo: 42,
    });
  });

  it("packs inline ZipFile source as index.py for Python", async () => {
    await provider("AWS::Lambda::Function").create(ctx(), "InlinePy", {
      FunctionName: "inline-py",
      Code: {
        ZipFile: "def handler(event, context):\n    return {'inline': 'python', 'echo': event['x']}\n",
      },
      Handler: "index.handler",
      Runtime: "python3.11",
      Role: ROLE,
      Timeout: 10,
    });
    expect((await invokeJson(nimbus.lambda, "inline-py", { x: 7 })).json).toEqual({
      inline: "python",
      echo: 7,
    });
  });

  it("refuses inline source for a runtime AWS does not pack it for", async () => {
    await expect(
      provider("AWS::Lambda::Function").create(ctx(), "InlineBad", {
        Code: { ZipFile: "echo hi" },
        Handler: "bootstrap",
        Runtime: "provided.al2023",
        Role: ROLE,
      }),
    ).rejects.toThrow(/Code\.ZipFile/);
  });
});

describe("AWS::Lambda::Version and AWS::Lambda::Alias", () => {
  const code = (label: string) => ({
    ZipFile: `exports.handler = async (e, ctx) => ({ label: ${JSON.stringify(label)}, version: ctx.functionVersion });`,
  });
  const fnProps = (label: string) => ({
    FunctionName: "versioned",
    Code: code(label),
    Handler: "index.handler",
    Runtime: "nodejs20.x",
    Role: ROLE,
  });

  it("publishes versions, points an alias at them, and moves it on update", async () => {
    const c = ctx();
    const fn = await provider("AWS::Lambda::Function").create(c, "Fn", fnProps("one"));
    const v1 = await provider("AWS::Lambda::Version").create(c, "V1", {
      FunctionName: "versioned",
      Description: "first",
    });
    expect(v1.physicalId).toBe(fnArn("versioned", "1"));
    expect(v1.attributes.Version).toBe("1");
    // Nothing changed since version 1: AWS's handler refuses a second version.
    await expect(
      provider("AWS::Lambda::Version").create(c, "V1b", { FunctionName: "versioned" }),
    ).rejects.toThrow(
      "A version for this Lambda function exists ( 1 ). Modify the function to create a new version.",
    );

    const aliasProps = { FunctionName: "versioned", Name: "live", FunctionVersion: "1", Description: "prod" };
    const alias = await provider("AWS::Lambda::Alias").create(c, "Alias", aliasProps);
    expect(alias.physicalId).toBe(fnArn("versioned", "live"));
    expect((await invokeJson(nimbus.lambda, "versioned", {}, { qualifier: "live" })).json).toEqual({
      label: "one",
      version: "1",
    });

    await provider("AWS::Lambda::Function").update(
      c,
      "Fn",
      { physicalId: fn.physicalId, properties: fnProps("one"), attributes: fn.attributes },
      fnProps("two"),
    );
    const v2 = await provider("AWS::Lambda::Version").create(c, "V2", { FunctionName: "versioned" });
    expect(v2.attributes.Version).toBe("2");
    const moved = { ...aliasProps, FunctionVersion: "2" };
    const current = { physicalId: alias.physicalId, properties: aliasProps, attributes: alias.attributes };
    // A CodeDeploy update policy needs the gradual deployments.
    await expect(
      provider("AWS::Lambda::Alias").update(c, "Alias", current, moved, {
        updatePolicy: { CodeDeployLambdaAliasUpdate: { ApplicationName: "a", DeploymentGroupName: "g" } },
      }),
    ).rejects.toThrow(/CodeDeployLambdaAliasUpdate/);
    await provider("AWS::Lambda::Alias").update(c, "Alias", current, moved);
    expect(
      (await nimbus.lambda.send(new GetAliasCommand({ FunctionName: "versioned", Name: "live" })))
        .FunctionVersion,
    ).toBe("2");
    expect((await invokeJson(nimbus.lambda, "versioned", {}, { qualifier: "live" })).json).toEqual({
      label: "two",
      version: "2",
    });

    // Weighted routing from the template's list form.
    const weighted = {
      ...moved,
      RoutingConfig: { AdditionalVersionWeights: [{ FunctionVersion: "1", FunctionWeight: 0.25 }] },
    };
    await provider("AWS::Lambda::Alias").update(
      c,
      "Alias",
      { physicalId: alias.physicalId, properties: moved, attributes: alias.attributes },
      weighted,
    );
    expect(
      (await nimbus.lambda.send(new GetAliasCommand({ FunctionName: "versioned", Name: "live" })))
        .RoutingConfig,
    ).toEqual({ AdditionalVersionWeights: { "1": 0.25 } });
    await provider("AWS::Lambda::Alias").update(
      c,
      "Alias",
      { physicalId: alias.physicalId, properties: weighted, attributes: alias.attributes },
      moved,
    );
    expect(
      (await nimbus.lambda.send(new GetAliasCommand({ FunctionName: "versioned", Name: "live" })))
        .RoutingConfig,
    ).toBeUndefined();

    await provider("AWS::Lambda::Alias").delete(c, "Alias", {
      physicalId: alias.physicalId,
      properties: moved,
      attributes: alias.attributes,
    });
    await provider("AWS::Lambda::Version").delete(c, "V1", {
      physicalId: v1.physicalId,
      properties: {},
      attributes: {},
    });
    await expect(
      nimbus.lambda.send(new GetFunctionCommand({ FunctionName: "versioned", Qualifier: "1" })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await provider("AWS::Lambda::Version").delete(c, "V1", {
      physicalId: v1.physicalId,
      properties: {},
      attributes: {},
    });
  });

  it("hands a version change under CodeDeployLambdaAliasUpdate to the gradual deployments", async () => {
    const calls: unknown[] = [];
    // All-at-once traffic shifting through the real alias API: what the provider must delegate.
    const gradual: GradualDeployments = {
      async shiftAlias(c, input) {
        calls.push(input);
        await c.api.rest(
          "lambda",
          "PUT",
          `/2015-03-31/functions/${input.functionName}/aliases/${input.aliasName}`,
          { FunctionVersion: input.toVersion },
        );
      },
    };
    const c = { ...ctx(), gradual };
    await provider("AWS::Lambda::Function").create(c, "Fn", { ...fnProps("a"), FunctionName: "shifted" });
    await provider("AWS::Lambda::Version").create(c, "V1", { FunctionName: "shifted" });
    await provider("AWS::Lambda::Function").update(
      c,
      "Fn",
      { physicalId: "shifted", properties: { ...fnProps("a"), FunctionName: "shifted" }, attributes: {} },
      { ...fnProps("b"), FunctionName: "shifted" },
    );
    await provider("AWS::Lambda::Version").create(c, "V2", { FunctionName: "shifted" });
    const props = { FunctionName: "shifted", Name: "live", FunctionVersion: "1" };
    const alias = await provider("AWS::Lambda::Alias").create(c, "Alias", props);
    const policy = { ApplicationName: "app", DeploymentGroupName: "group" };
    await provider("AWS::Lambda::Alias").update(
      c,
      "Alias",
      { physicalId: alias.physicalId, properties: props, attributes: alias.attributes },
      { ...props, FunctionVersion: "2" },
      { updatePolicy: { CodeDeployLambdaAliasUpdate: policy } },
    );
    expect(calls).toEqual([
      {
        logicalId: "Alias",
        functionName: "shifted",
        aliasName: "live",
        fromVersion: "1",
        toVersion: "2",
        policy,
      },
    ]);
    expect(
      (await nimbus.lambda.send(new GetAliasCommand({ FunctionName: "shifted", Name: "live" })))
        .FunctionVersion,
    ).toBe("2");

    // A rollback's update that finds the alias already on its version shifts nothing.
    await nimbus.lambda.send(
      new UpdateAliasCommand({ FunctionName: "shifted", Name: "live", FunctionVersion: "1" }),
    );
    await provider("AWS::Lambda::Alias").update(
      c,
      "Alias",
      {
        physicalId: alias.physicalId,
        properties: { ...props, FunctionVersion: "2" },
        attributes: alias.attributes,
      },
      props,
      { updatePolicy: { CodeDeployLambdaAliasUpdate: policy } },
    );
    expect(calls).toHaveLength(1);
  });
});

describe("ProvisionedConcurrencyConfig of versions and aliases", () => {
  it("puts provisioned concurrency on an alias and removes it when the property goes", async () => {
    const c = ctx();
    await provider("AWS::Lambda::Function").create(c, "Fn", {
      FunctionName: "provisioned-fn",
      Code: { ZipFile: "exports.handler = async () => 'warm';" },
      Handler: "index.handler",
      Runtime: "nodejs20.x",
      Role: ROLE,
    });
    const version = await provider("AWS::Lambda::Version").create(c, "V", { FunctionName: "provisioned-fn" });
    const props = {
      FunctionName: "provisioned-fn",
      Name: "warm",
      FunctionVersion: version.attributes.Version,
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: "1" },
    };
    const alias = await provider("AWS::Lambda::Alias").create(c, "Alias", props);
    const got = await nimbus.lambda.send(
      new GetProvisionedConcurrencyConfigCommand({ FunctionName: "provisioned-fn", Qualifier: "warm" }),
    );
    expect(got.RequestedProvisionedConcurrentExecutions).toBe(1);
    const { ProvisionedConcurrencyConfig: _, ...without } = props;
    await provider("AWS::Lambda::Alias").update(
      c,
      "Alias",
      { physicalId: alias.physicalId, properties: props, attributes: alias.attributes },
      without,
    );
    await expect(
      nimbus.lambda.send(
        new GetProvisionedConcurrencyConfigCommand({ FunctionName: "provisioned-fn", Qualifier: "warm" }),
      ),
    ).rejects.toMatchObject({ name: "ProvisionedConcurrencyConfigNotFoundException" });
  });
});

describe("AWS::Lambda::Permission", () => {
  it("adds a statement with a generated id and removes it on delete", async () => {
    const c = ctx();
    await createFixtureFunction(nimbus.lambda, "permitted", "node/hello", { handler: "index.handler" });
    const props = {
      FunctionName: fnArn("permitted"),
      Action: "lambda:InvokeFunction",
      Principal: "apigateway.amazonaws.com",
      SourceArn: "arn:aws:execute-api:us-east-1:000000000000:abc123/*/GET/items",
    };
    const created = await provider("AWS::Lambda::Permission").create(c, "ApiPermission", props);
    expect(created.physicalId).toMatch(/^test-stack-ApiPermission-/);
    const { policy } = await policyOf("permitted");
    expect(policy.Statement).toEqual([
      {
        Sid: created.physicalId,
        Effect: "Allow",
        Principal: { Service: "apigateway.amazonaws.com" },
        Action: "lambda:InvokeFunction",
        Resource: fnArn("permitted"),
        Condition: { ArnLike: { "AWS:SourceArn": props.SourceArn } },
      },
    ]);
    const current = { physicalId: created.physicalId, properties: props, attributes: {} };
    await provider("AWS::Lambda::Permission").delete(c, "ApiPermission", current);
    await expect(
      nimbus.lambda.send(new GetPolicyCommand({ FunctionName: "permitted" })),
    ).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    await provider("AWS::Lambda::Permission").delete(c, "ApiPermission", current);
  });
});

describe("AWS::Lambda::EventInvokeConfig and AWS::Lambda::Url", () => {
  beforeAll(async () => {
    await createFixtureFunction(nimbus.lambda, "configured", "node/hello", { handler: "index.handler" });
  });

  it("puts, replaces and deletes the asynchronous invocation configuration", async () => {
    const c = ctx();
    const props = {
      FunctionName: "configured",
      Qualifier: "$LATEST",
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: "120",
      DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:000000000000:dlq" } },
    };
    const created = await provider("AWS::Lambda::EventInvokeConfig").create(c, "Eic", props);
    const got = await nimbus.lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: "configured", Qualifier: "$LATEST" }),
    );
    expect(got).toMatchObject({
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 120,
      DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:000000000000:dlq" } },
    });
    const next = { FunctionName: "configured", Qualifier: "$LATEST", MaximumRetryAttempts: 0 };
    await provider("AWS::Lambda::EventInvokeConfig").update(
      c,
      "Eic",
      { physicalId: created.physicalId, properties: props, attributes: {} },
      next,
    );
    const replaced = await nimbus.lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: "configured", Qualifier: "$LATEST" }),
    );
    expect(replaced.MaximumRetryAttempts).toBe(0);
    expect(replaced.MaximumEventAgeInSeconds).toBeUndefined();
    expect(replaced.DestinationConfig?.OnFailure?.Destination).toBeUndefined();
    await provider("AWS::Lambda::EventInvokeConfig").delete(c, "Eic", {
      physicalId: created.physicalId,
      properties: next,
      attributes: {},
    });
    await expect(
      nimbus.lambda.send(
        new GetFunctionEventInvokeConfigCommand({ FunctionName: "configured", Qualifier: "$LATEST" }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("creates a function URL that answers, updates its CORS and deletes it", async () => {
    const c = ctx();
    const props = { TargetFunctionArn: fnArn("configured"), AuthType: "NONE" };
    const created = await provider("AWS::Lambda::Url").create(c, "Url", props);
    const config = await nimbus.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: "configured" }));
    expect(created.attributes.FunctionArn).toBe(fnArn("configured"));
    // Same url-id as the API reports. (In-process answers name no port: the front door's
    // in-process requests carry `Host: localhost`.)
    const urlId = /^http:\/\/([a-z0-9]{32})\.lambda-url\.us-east-1\.localhost/.exec(
      String(created.attributes.FunctionUrl),
    )?.[1];
    expect(config.FunctionUrl).toContain(`http://${urlId}.lambda-url.us-east-1.localhost`);
    const res = await fetch(`${nimbus.url}/_nimbus/lambda-url/${urlId}/`);
    expect(await res.json()).toEqual({ message: "hello" });

    const next = {
      ...props,
      Cors: { AllowOrigins: ["https://example.com"], AllowCredentials: "true", MaxAge: "60" },
    };
    await provider("AWS::Lambda::Url").update(
      c,
      "Url",
      { physicalId: created.physicalId, properties: props, attributes: {} },
      next,
    );
    expect(
      (await nimbus.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: "configured" }))).Cors,
    ).toMatchObject({ AllowOrigins: ["https://example.com"], AllowCredentials: true, MaxAge: 60 });
    await provider("AWS::Lambda::Url").delete(c, "Url", {
      physicalId: created.physicalId,
      properties: next,
      attributes: {},
    });
    await expect(
      nimbus.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: "configured" })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });
});

describe("AWS::Lambda::EventSourceMapping", () => {
  it("maps an SQS queue to a function, delivers its messages, updates and deletes the mapping", async () => {
    const c = ctx();
    await provider("AWS::Lambda::Function").create(c, "Consumer", {
      FunctionName: "consumer",
      Code: {
        ZipFile:
          "exports.handler = async (event) => { console.log('BODIES ' + event.Records.map((r) => r.body).join(',')); return {}; };",
      },
      Handler: "index.handler",
      Runtime: "nodejs20.x",
      Role: ROLE,
    });
    const queue = await nimbus.server.api.json<{ QueueUrl: string }>("AmazonSQS.CreateQueue", {
      QueueName: "esm-queue",
    });
    const props = {
      FunctionName: "consumer",
      EventSourceArn: "arn:aws:sqs:us-east-1:000000000000:esm-queue",
      BatchSize: "5",
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    };
    const created = await provider("AWS::Lambda::EventSourceMapping").create(c, "Mapping", props);
    expect(created.attributes.Id).toBe(created.physicalId);
    const got = await nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID: created.physicalId }));
    expect(got).toMatchObject({
      BatchSize: 5,
      FunctionArn: fnArn("consumer"),
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });

    await nimbus.server.api.json("AmazonSQS.SendMessage", { QueueUrl: queue.QueueUrl, MessageBody: "m1" });
    // The poller hands the message to the function, which deletes it from the queue on success.
    let remaining = 1;
    for (let i = 0; i < 200 && remaining > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const attrs = await nimbus.server.api.json<{ Attributes: Record<string, string> }>(
        "AmazonSQS.GetQueueAttributes",
        {
          QueueUrl: queue.QueueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        },
      );
      remaining =
        Number(attrs.Attributes.ApproximateNumberOfMessages) +
        Number(attrs.Attributes.ApproximateNumberOfMessagesNotVisible);
    }
    expect(remaining).toBe(0);

    const next = {
      FunctionName: "consumer",
      EventSourceArn: props.EventSourceArn,
      BatchSize: 7,
      Enabled: false,
    };
    await provider("AWS::Lambda::EventSourceMapping").update(
      c,
      "Mapping",
      { physicalId: created.physicalId, properties: props, attributes: created.attributes },
      next,
    );
    const updated = await nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID: created.physicalId }));
    expect(updated).toMatchObject({ BatchSize: 7, State: "Disabled", FunctionResponseTypes: [] });
    await provider("AWS::Lambda::EventSourceMapping").delete(c, "Mapping", {
      physicalId: created.physicalId,
      properties: next,
      attributes: created.attributes,
    });
    await expect(
      nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID: created.physicalId })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });
});

describe("AWS::Lambda::LayerVersion and AWS::Lambda::LayerVersionPermission", () => {
  it("publishes a layer from a bucket that a function uses, shares it, and deletes both", async () => {
    const c = ctx();
    const layerZip = await zipFiles({
      "nodejs/node_modules/greeter/index.js": "exports.greet = (n) => 'hello ' + n;",
    });
    await nimbus.server.api.s3("PUT", "/artifacts/layers/greeter.zip", layerZip);
    const layerProps = {
      LayerName: "greeter",
      Content: { S3Bucket: "artifacts", S3Key: "layers/greeter.zip" },
      CompatibleRuntimes: ["nodejs20.x"],
      Description: "greets",
    };
    const layer = await provider("AWS::Lambda::LayerVersion").create(c, "Layer", layerProps);
    expect(layer.physicalId).toBe(`arn:aws:lambda:us-east-1:${ACCOUNT}:layer:greeter:1`);
    const got = await nimbus.lambda.send(new GetLayerVersionByArnCommand({ Arn: layer.physicalId }));
    expect(got).toMatchObject({ Description: "greets", CompatibleRuntimes: ["nodejs20.x"] });

    await provider("AWS::Lambda::Function").create(c, "Greeter", {
      FunctionName: "greeter-fn",
      Code: {
        ZipFile: "const { greet } = require('greeter'); exports.handler = async () => greet('layer');",
      },
      Handler: "index.handler",
      Runtime: "nodejs20.x",
      Role: ROLE,
      Layers: [layer.physicalId],
    });
    expect((await invokeJson(nimbus.lambda, "greeter-fn")).json).toBe("hello layer");

    const permProps = { LayerVersionArn: layer.physicalId, Action: "lambda:GetLayerVersion", Principal: "*" };
    const permission = await provider("AWS::Lambda::LayerVersionPermission").create(c, "Share", permProps);
    const policy = await nimbus.lambda.send(
      new GetLayerVersionPolicyCommand({ LayerName: "greeter", VersionNumber: 1 }),
    );
    expect(JSON.parse(policy.Policy ?? "{}").Statement[0]).toMatchObject({
      Principal: "*",
      Action: "lambda:GetLayerVersion",
    });
    await provider("AWS::Lambda::LayerVersionPermission").delete(c, "Share", {
      physicalId: permission.physicalId,
      properties: permProps,
      attributes: {},
    });
    await expect(
      nimbus.lambda.send(new GetLayerVersionPolicyCommand({ LayerName: "greeter", VersionNumber: 1 })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });

    await provider("AWS::Lambda::LayerVersion").delete(c, "Layer", {
      physicalId: layer.physicalId,
      properties: layerProps,
      attributes: layer.attributes,
    });
    await expect(
      nimbus.lambda.send(new GetLayerVersionByArnCommand({ Arn: layer.physicalId })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });
});

describe("IAM (recorded only) and log groups", () => {
  it("answers role and policy names and ARNs without applying anything", async () => {
    const c = ctx();
    const role = provider("AWS::IAM::Role");
    expect(role.recordedOnly).toBe(true);
    const created = await role.create(c, "Role", {
      AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [] },
      Path: "/service-role/",
    });
    expect(created.attributes.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/service-role/${created.physicalId}`);
    expect(created.attributes.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    const updated = await role.update(
      c,
      "Role",
      { physicalId: created.physicalId, properties: {}, attributes: created.attributes },
      { AssumeRolePolicyDocument: {}, Path: "/service-role/", Description: "x" },
    );
    expect(updated.attributes.RoleId).toBe(created.attributes.RoleId);
    const managed = await provider("AWS::IAM::ManagedPolicy").create(c, "Managed", {
      ManagedPolicyName: "readers",
      PolicyDocument: {},
      Roles: [created.physicalId],
    });
    expect(managed.physicalId).toBe(`arn:aws:iam::${ACCOUNT}:policy/readers`);
  });

  it("creates and deletes a log group", async () => {
    const c = ctx();
    const group = await provider("AWS::Logs::LogGroup").create(c, "Logs", { LogGroupName: "/app/orders" });
    expect(group.attributes.Arn).toBe(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app/orders:*`);
    const listed = await nimbus.server.api.json<{ logGroups: { logGroupName: string }[] }>(
      "Logs_20140328.DescribeLogGroups",
      { logGroupNamePrefix: "/app/" },
    );
    expect(listed.logGroups.map((g) => g.logGroupName)).toEqual(["/app/orders"]);
    await provider("AWS::Logs::LogGroup").delete(c, "Logs", {
      physicalId: "/app/orders",
      properties: {},
      attributes: {},
    });
    await provider("AWS::Logs::LogGroup").delete(c, "Logs", {
      physicalId: "/app/orders",
      properties: {},
      attributes: {},
    });
    const after = await nimbus.server.api.json<{ logGroups: unknown[] }>("Logs_20140328.DescribeLogGroups", {
      logGroupNamePrefix: "/app/",
    });
    expect(after.logGroups).toEqual([]);
  });
});
