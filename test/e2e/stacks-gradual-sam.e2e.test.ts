import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
} from "@aws-sdk/client-cloudformation";
import { CodeDeployClient, GetDeploymentCommand, ListDeploymentsCommand } from "@aws-sdk/client-codedeploy";
import { GetAliasCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../packages/platform/src/core/clock.js";
import { type NimbusServer, startServer } from "../../packages/platform/src/index.js";
import { clientConfig, payloadJson } from "../support/nimbus.js";
import { processesOf, startNimbusChild } from "../support/nimbus-process.js";

const MIN = 60_000;
const CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"] as const;

const HOOK = `const { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } = require("@aws-sdk/client-codedeploy");
const client = new CodeDeployClient({});
exports.handler = async (event) => {
  await client.send(new PutLifecycleEventHookExecutionStatusCommand({
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
    status: "Succeeded",
  }));
};`;

/** A SAM app whose function answers `code`, published to alias `live` by a 10% canary with a hook and an alarm. */
const template = (code: string) => `
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: sam-canary
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
        ${code}
      AutoPublishAlias: live
      DeploymentPreference:
        Type: Canary10Percent5Minutes
        Alarms:
          - !Ref AliasErrors
        Hooks:
          PreTraffic: !Ref PreTrafficHook
  PreTrafficHook:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
${HOOK.split("\n")
  .map((line) => `        ${line}`)
  .join("\n")}
  AliasErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions:
        - Name: FunctionName
          Value: !Ref Hello
        - Name: Resource
          Value: !Sub "\${Hello}:live"
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
`;
const answers = (text: string) => `exports.handler = async () => ({ version: "${text}" });`;
const BROKEN = `exports.handler = async () => { throw new Error("broken release"); };`;

describe("gradual deployments through a SAM stack (DeploymentPreference)", () => {
  const clock = new ManualClock();
  let dataDir: string;
  let server: NimbusServer;
  let cfn: CloudFormationClient;
  let lambda: LambdaClient;
  let codedeploy: CodeDeployClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "nimbus-gradual-sam-"));
    server = await startServer({
      clock,
      config: { server: { host: "127.0.0.1", port: 0, dataDir }, log: { level: "silent" } },
    });
    cfn = new CloudFormationClient(clientConfig(server.url));
    lambda = new LambdaClient(clientConfig(server.url));
    codedeploy = new CodeDeployClient(clientConfig(server.url));
  });
  afterAll(async () => {
    for (const client of [cfn, lambda, codedeploy]) client.destroy();
    await server.close({ graceMs: 2000 });
    await rm(dataDir, { recursive: true, force: true });
  });

  const alias = async () => {
    const out = await lambda.send(new GetAliasCommand({ FunctionName: "sam-canary", Name: "live" }));
    return { version: out.FunctionVersion, weights: out.RoutingConfig?.AdditionalVersionWeights ?? {} };
  };
  const status = async () =>
    (await cfn.send(new DescribeStacksCommand({ StackName: "gradual" }))).Stacks?.[0]?.StackStatus ?? "";
  /** Real-time polling: hooks are async invocations and the stack works in the background. */
  async function until<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string): Promise<T> {
    for (let i = 0; i < 600; i++) {
      const value = await read();
      if (check(value)) return value;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  const settle = () => new Promise((r) => setTimeout(r, 100));

  it("creates the alias directly, then shifts a code change 10% -> 100% after five minutes", async () => {
    await cfn.send(
      new CreateStackCommand({
        StackName: "gradual",
        TemplateBody: template(answers("one")),
        Capabilities: [...CAPABILITIES],
      }),
    );
    await waitUntilStackCreateComplete(
      { client: cfn, maxWaitTime: 120, minDelay: 1, maxDelay: 1 },
      { StackName: "gradual" },
    );
    expect(await alias()).toEqual({ version: "1", weights: {} });

    await cfn.send(
      new UpdateStackCommand({
        StackName: "gradual",
        TemplateBody: template(answers("two")),
        Capabilities: [...CAPABILITIES],
      }),
    );
    await until(alias, (a) => a.weights["2"] === 0.1, "the 10% canary");
    expect(await status()).toBe("UPDATE_IN_PROGRESS");
    await settle();
    clock.advance(5 * MIN);
    await until(status, (s) => s === "UPDATE_COMPLETE", "UPDATE_COMPLETE");
    expect(await alias()).toEqual({ version: "2", weights: {} });
    const out = await lambda.send(new InvokeCommand({ FunctionName: "sam-canary", Qualifier: "live" }));
    expect(payloadJson(out.Payload)).toEqual({ version: "two" });
    const ids = (await codedeploy.send(new ListDeploymentsCommand({}))).deployments ?? [];
    expect(ids).toHaveLength(1);
    const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: ids[0] }))).deploymentInfo;
    expect(info?.status).toBe("Succeeded");
    expect(info?.creator).toBe("CloudFormation");
  });

  it("rolls a release back when the alias's Errors alarm fires, and the stack update rolls back", async () => {
    await cfn.send(
      new UpdateStackCommand({
        StackName: "gradual",
        TemplateBody: template(BROKEN),
        Capabilities: [...CAPABILITIES],
      }),
    );
    await until(alias, (a) => a.weights["3"] === 0.1, "the 10% canary of version 3");
    let failedOnNew = false;
    for (let i = 0; i < 300 && !failedOnNew; i++) {
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: "sam-canary", Qualifier: "live", Payload: Buffer.from("{}") }),
      );
      failedOnNew = out.ExecutedVersion === "3" && out.FunctionError !== undefined;
    }
    expect(failedOnNew).toBe(true);
    await settle();
    clock.advance(MIN);
    await until(status, (s) => s === "UPDATE_ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE");
    expect(await alias()).toEqual({ version: "2", weights: {} });
    const events =
      (await cfn.send(new DescribeStackEventsCommand({ StackName: "gradual" }))).StackEvents ?? [];
    const reasons = events.map((e) => e.ResourceStatusReason ?? "").join("\n");
    expect(reasons).toMatch(/Deployment d-[A-Z0-9]{9} failed: alarm gradual-AliasErrors-\w+ fired/);
  });
});

describe("a server killed during a gradual deployment", () => {
  it("fails the deployment and moves the alias back on the next start", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "nimbus-gradual-crash-"));
    const first = await startNimbusChild(dataDir);
    const cfn = new CloudFormationClient(clientConfig(first.url));
    const lambda = new LambdaClient(clientConfig(first.url));
    try {
      await cfn.send(
        new CreateStackCommand({
          StackName: "crash",
          TemplateBody: template(answers("one")),
          Capabilities: [...CAPABILITIES],
        }),
      );
      await waitUntilStackCreateComplete(
        { client: cfn, maxWaitTime: 120, minDelay: 1, maxDelay: 1 },
        { StackName: "crash" },
      );
      await cfn.send(
        new UpdateStackCommand({
          StackName: "crash",
          TemplateBody: template(answers("two")),
          Capabilities: [...CAPABILITIES],
        }),
      );
      // The canary waits five real minutes on this server's system clock: kill it while at 10%.
      for (let i = 0; ; i++) {
        const out = await lambda.send(new GetAliasCommand({ FunctionName: "sam-canary", Name: "live" }));
        if (out.RoutingConfig?.AdditionalVersionWeights?.["2"] === 0.1) break;
        if (i > 600) throw new Error("the canary did not start");
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      cfn.destroy();
      lambda.destroy();
      await first.stop("SIGKILL");
    }
    for (let i = 0; processesOf(dataDir).length > 0 && i < 400; i++)
      await new Promise((r) => setTimeout(r, 25));

    const second = await startServer({
      config: { server: { host: "127.0.0.1", port: 0, dataDir }, log: { level: "silent" } },
    });
    const lambda2 = new LambdaClient(clientConfig(second.url));
    const codedeploy = new CodeDeployClient(clientConfig(second.url));
    try {
      const live = await lambda2.send(new GetAliasCommand({ FunctionName: "sam-canary", Name: "live" }));
      expect(live.FunctionVersion).toBe("1");
      expect(live.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
      const ids = (await codedeploy.send(new ListDeploymentsCommand({}))).deployments ?? [];
      expect(ids).toHaveLength(1);
      const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: ids[0] }))).deploymentInfo;
      expect(info?.status).toBe("Failed");
      expect(info?.errorInformation?.message).toMatch(/Nimbus restarted during the deployment/);
    } finally {
      lambda2.destroy();
      codedeploy.destroy();
      await second.close({ graceMs: 2000 });
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
