import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { EventBridgeClient, ListTargetsByRuleCommand, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  InvokeCommand,
  LambdaClient,
} from "@aws-sdk/client-lambda";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import {
  DescribeExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NimbusServer, startServer } from "../../packages/platform/src/index.js";
import { until } from "../support/async.js";
import { clientConfig } from "../support/nimbus.js";
import { OffsetClock } from "../support/offset-clock.js";
import { nimbusCli, nimbusDeploy, stackOutputs } from "../support/stacks.js";

// Public SAM templates as their authors wrote them (test/fixtures/sam-apps/README.md lists the
// sources and the few changes), each deployed with `nimbus deploy` against a real server and
// exercised once the way the pattern is meant to be used.

const ROOT = resolve(import.meta.dirname, "../..");
const APPS = join(ROOT, "test/fixtures/sam-apps");

let server: NimbusServer;
let dataDir: string;
let workDir: string;
const clock = new OffsetClock();
let cfn: CloudFormationClient;
let logs: CloudWatchLogsClient;
let lambda: LambdaClient;
let sqs: SQSClient;
let sns: SNSClient;
let s3: S3Client;
let events: EventBridgeClient;
let sfn: SFNClient;
let scheduler: SchedulerClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "nimbus-sam-apps-"));
  workDir = await mkdtemp(join(tmpdir(), "nimbus-sam-apps-src-"));
  server = await startServer({
    clock,
    config: {
      server: { host: "127.0.0.1", port: 0, dataDir },
      log: { level: "silent" },
      async: { retryDelayScale: 0.001 },
    },
  });
  const config = clientConfig(server.url);
  cfn = new CloudFormationClient(config);
  logs = new CloudWatchLogsClient(config);
  lambda = new LambdaClient(config);
  sqs = new SQSClient(config);
  sns = new SNSClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  events = new EventBridgeClient(config);
  sfn = new SFNClient({ ...config, disableHostPrefix: true });
  scheduler = new SchedulerClient(config);
});

afterAll(async () => {
  for (const client of [cfn, logs, lambda, sqs, sns, s3, events, sfn, scheduler]) client?.destroy();
  await server?.close({ graceMs: 2000 });
  await rm(dataDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

/** `nimbus deploy` of an app folder, as a user runs it; answers the stack's outputs. */
async function deploy(
  app: string,
  extra: string[] = [],
  folder = join(APPS, app),
  status = "CREATE_COMPLETE",
): Promise<Record<string, string>> {
  deployWarnings.set(app, await nimbusDeploy(server.url, join(folder, "template.yaml"), app, extra));
  const { status: got, outputs } = await stackOutputs(cfn, app);
  expect(got).toBe(status);
  return outputs;
}

/** What each deploy wrote to stderr (warnings). */
const deployWarnings = new Map<string, string>();

/** The stack-level notes of the last deploy ("Not applied by Nimbus: ..."). */
async function stackNotes(stack: string): Promise<string> {
  const got = await cfn.send(new DescribeStackEventsCommand({ StackName: stack }));
  return (got.StackEvents ?? [])
    .filter((e) => e.ResourceType === "AWS::CloudFormation::Stack")
    .map((e) => e.ResourceStatusReason ?? "")
    .join("\n");
}

/** Physical id of one of the stack's resources. */
async function physicalId(stack: string, logicalId: string): Promise<string> {
  const got = await cfn.send(
    new DescribeStackResourcesCommand({ StackName: stack, LogicalResourceId: logicalId }),
  );
  const id = got.StackResources?.[0]?.PhysicalResourceId;
  if (!id) throw new Error(`${stack} has no ${logicalId}`);
  return id;
}

/** Waits for a log line of a function that contains `text`. */
function logLine(functionName: string, text: string): Promise<string> {
  return until(`"${text}" in ${functionName}'s log`, async () => {
    const found = await logs
      .send(
        new FilterLogEventsCommand({
          logGroupName: `/aws/lambda/${functionName}`,
          filterPattern: JSON.stringify(text),
        }),
      )
      .catch(() => ({ events: [] }));
    return found.events?.[0]?.message;
  });
}

function receiveOne(QueueUrl: string) {
  return until(`a message in ${QueueUrl}`, async () => {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    return got.Messages?.[0];
  });
}

/** `https://<api>.execute-api.<region>.amazonaws.com/<rest>` as Nimbus's path form. */
function nimbusUrl(awsUrl: string): string {
  const match = /^https:\/\/([a-z0-9]+)\.execute-api\.[^/]+(\/.*)$/.exec(awsUrl);
  if (!match) throw new Error(`not an execute-api URL: ${awsUrl}`);
  return `${server.url}/_nimbus/execute-api/${match[1]}${match[2]}`;
}

describe("sam init hello-world (aws-sam-cli-app-templates)", () => {
  it("nodejs20.x: GET /hello through the implicit REST API", async () => {
    const outputs = await deploy("hello-world-nodejs");
    const response = await fetch(nimbusUrl(outputs.HelloWorldApi ?? ""));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: "hello world", path: "/hello/" });
    expect(outputs.HelloWorldFunctionIamRole).toMatch(
      /^arn:aws:iam::\d{12}:role\/hello-world-nodejs-HelloWorldFunctionRole-/,
    );
  });

  it("python3.12: GET /hello through the implicit REST API", async () => {
    const outputs = await deploy("hello-world-python");
    const response = await fetch(nimbusUrl(outputs.HelloWorldApi ?? ""));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: "hello world", path: "/hello/" });
  });

  it("nodejs22.x sqs: the function (code: the template's folder) logs what the queue receives", async () => {
    await deploy("sam-init-sqs-nodejs");
    const queueUrl = await physicalId("sam-init-sqs-nodejs", "SimpleQueue");
    const fn = await physicalId("sam-init-sqs-nodejs", "SQSPayloadLogger");
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "from sam init" }));
    await logLine(fn, "payload: from sam init");
  });
});

describe("serverless-patterns", () => {
  it("apigw-http-api-lambda-python: the implicit HTTP API's default route runs inline Python", async () => {
    const outputs = await deploy("apigw-http-api-lambda-python");
    const response = await fetch(`${server.url}/_nimbus/execute-api/${outputs.HttpApiEndpoint}/anything`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("Hello World! This is the HTTP API");
  });

  it("sqs-lambda: a message sent to the queue reaches the consumer", async () => {
    const outputs = await deploy("sqs-lambda");
    await sqs.send(new SendMessageCommand({ QueueUrl: outputs.SQSqueueURL, MessageBody: "order-17" }));
    await logLine(outputs.QueueConsumerFunction ?? "", "received message: order-17");
  });

  it("lambda-sqs: the function sends to the queue its environment names", async () => {
    const outputs = await deploy("lambda-sqs");
    const invoked = await lambda.send(
      new InvokeCommand({
        FunctionName: outputs.QueuePublisherFunction,
        Payload: JSON.stringify({ order: 9 }),
      }),
    );
    expect(invoked.FunctionError).toBeUndefined();
    const message = await receiveOne(outputs.SQSqueueURL ?? "");
    expect(JSON.parse(message.Body ?? "{}")).toEqual({ order: 9 });
  });

  it("eventbridge-sqs: the rule (account and source) sends matching events to the queue", async () => {
    const outputs = await deploy("eventbridge-sqs");
    await events.send(
      new PutEventsCommand({
        Entries: [{ Source: "demo.sqs", DetailType: "demo", Detail: JSON.stringify({ n: 1 }) }],
      }),
    );
    const message = await receiveOne(outputs.SQSqueueURL ?? "");
    expect(JSON.parse(message.Body ?? "{}")).toMatchObject({
      source: "demo.sqs",
      account: "000000000000",
      detail: { n: 1 },
    });
  });

  it("sns-sqs: a message published to the topic lands in the subscribed queue", async () => {
    const outputs = await deploy("sns-sqs");
    // Its Outputs repeat a `Description:` key: the last one is used, as sam deploy does.
    expect(deployWarnings.get("sns-sqs")).toContain("line 48: key 'Description' appears twice in one map");
    await sns.send(new PublishCommand({ TopicArn: outputs.MySnsTopicArn, Message: "fan-out" }));
    const message = await receiveOne(outputs.MySqsQueueURL ?? "");
    const envelope = JSON.parse(message.Body ?? "{}") as { Type: string; Message: string; TopicArn: string };
    expect(envelope).toMatchObject({
      Type: "Notification",
      Message: "fan-out",
      TopicArn: outputs.MySnsTopicArn,
    });
    expect(outputs.MySnsTopicName).toBe(outputs.MySnsTopicArn?.split(":").at(-1));
  });

  it("s3-lambda: an object put in the bucket triggers the function", async () => {
    const outputs = await deploy("s3-lambda");
    await s3.send(new PutObjectCommand({ Bucket: outputs.S3Bucket, Key: "photos/cat.jpg", Body: "meow" }));
    const line = await logLine(outputs.FunctionArn ?? "", "new object:");
    expect(line).toContain(`${outputs.S3Bucket}/photos/cat.jpg (ObjectCreated:Put)`);
  });

  it("eventbridge-lambda: the rule's prefix pattern lets EUR transactions through", async () => {
    // The template has `Description:` next to `Properties:`; SAM ignores it (and Nimbus says so).
    const outputs = await deploy("eventbridge-lambda");
    expect(await stackNotes("eventbridge-lambda")).toContain(
      "ConsumerFunction (AWS::Serverless::Function) property Description: not a resource attribute",
    );
    const put = (location: string) =>
      events.send(
        new PutEventsCommand({
          Entries: [
            { Source: "custom.myApp", DetailType: "transaction", Detail: JSON.stringify({ location }) },
          ],
        }),
      );
    await put("USD-NYC");
    await put("EUR-PAR");
    const line = await logLine(outputs.ConsumerFunction ?? "", "transaction at EUR-PAR");
    expect(line).toContain('"location":"EUR-PAR"');
  });

  it("eventbridge-schedule-to-lambda: the Scheduler schedule runs the function every 5 minutes", async () => {
    await deploy("eventbridge-schedule-to-lambda");
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: "MySchedule" }));
    expect(schedule.ScheduleExpression).toBe("rate(5 minutes)");
    const functionName = await physicalId("eventbridge-schedule-to-lambda", "ScheduledLambdaFunction");
    clock.advance(5 * 60_000 + 1000);
    await logLine(functionName, "scheduled run");
  });

  it("sfn-lambda: the express workflow calls the function through DefinitionSubstitutions", async () => {
    const outputs = await deploy("sfn-lambda");
    const result = await sfn.send(
      new StartSyncExecutionCommand({
        stateMachineArn: outputs.StateMachineExpressSynctoLambda,
        input: JSON.stringify({ message: "hello" }),
      }),
    );
    expect(result.status).toBe("SUCCEEDED");
    const output = JSON.parse(result.output ?? "{}") as { message: string; ticketId: string };
    expect(output.message).toBe("hello");
    expect(output.ticketId).toMatch(/^REF-5-\d+$/);
  });

  it("eventbridge-sfn: the rule targets the state machine with InputPath $.detail; the Choice routes by state", async () => {
    const outputs = await deploy("eventbridge-sfn");
    // `aws.ec2` events come from EC2 only (PutEvents refuses aws.* sources, as AWS does): the
    // rule and its target are checked, and the state machine is run with what the rule sends.
    const ruleName = (await physicalId("eventbridge-sfn", "EC2StateWatcherStateChange")).split("|").at(-1);
    const targets = await events.send(new ListTargetsByRuleCommand({ Rule: ruleName }));
    expect(targets.Targets?.[0]).toMatchObject({ Arn: outputs.EC2StateWatcherArn, InputPath: "$.detail" });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: outputs.EC2StateWatcherArn,
        input: JSON.stringify({ "instance-id": "i-0abc", state: "stopped" }),
      }),
    );
    const done = await until("the execution to finish", async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === "RUNNING" ? undefined : d;
    });
    expect(done.status).toBe("SUCCEEDED");
    expect(JSON.parse(done.output ?? "{}")).toEqual({ "instance-id": "i-0abc", state: "stopped" });
  });
});

describe("serverless-application-model examples", () => {
  it("function_lambda_event_destinations: generated and conditional destinations", async () => {
    // UseExistingQueue=false: the default points OnSuccess at the parameter's placeholder
    // "my-sqs-arn", which is not an ARN (AWS refuses it as well).
    // First a change set only (--no-execute): the stack waits in REVIEW_IN_PROGRESS, and the next
    // deploy creates it (no previous parameter values to keep).
    const overrides = ["--parameter-overrides", "UseExistingQueue=false"];
    const folder = join(APPS, "lambda-event-destinations");
    await deploy("lambda-event-destinations", [...overrides, "--no-execute"], folder, "REVIEW_IN_PROGRESS");
    await deploy("lambda-event-destinations", overrides);
    const stack = "lambda-event-destinations";
    // The email subscription: Nimbus sends no email, so it is listed and not created.
    expect(await stackNotes(stack)).toContain(
      "SNSSubscription (AWS::SNS::Subscription): Protocol email: Nimbus's SNS delivers to sqs, lambda, http and https endpoints only, not created",
    );
    const resources = await cfn.send(new DescribeStackResourcesCommand({ StackName: stack }));
    expect(resources.StackResources?.map((r) => r.LogicalResourceId)).not.toContain("SNSSubscription");
    const sqsSns = await physicalId(stack, "EventDestinationSQSSNS");
    const config = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: sqsSns }));
    expect(config.MaximumRetryAttempts).toBe(1);
    expect(config.DestinationConfig?.OnFailure?.Destination).toBe(
      await physicalId(stack, "EventDestinationSQSSNSEventInvokeConfigOnFailureTopic"),
    );
    // OnSuccess: the queue SAM generates when the `!If` picks AWS::NoValue.
    const successQueue = await physicalId(stack, "EventDestinationSQSSNSEventInvokeConfigOnSuccessQueue");
    await lambda.send(
      new InvokeCommand({
        FunctionName: sqsSns,
        InvocationType: "Event",
        Payload: JSON.stringify({ order: 1 }),
      }),
    );
    const record = JSON.parse((await receiveOne(successQueue)).Body ?? "{}") as {
      requestContext: { condition: string };
      responsePayload: unknown;
    };
    expect(record.requestContext.condition).toBe("Success");
    expect(record.responsePayload).toEqual({ processed: { order: 1 } });

    // A failing event is retried once, then recorded in the generated OnFailure queue.
    const failing = await physicalId(stack, "EventDestinationLambda");
    await lambda.send(
      new InvokeCommand({
        FunctionName: failing,
        InvocationType: "Event",
        Payload: JSON.stringify({ fail: "boom" }),
      }),
    );
    const failureQueue = await physicalId(stack, "EventDestinationLambdaEventInvokeConfigOnFailureQueue");
    const failure = JSON.parse((await receiveOne(failureQueue)).Body ?? "{}") as {
      requestContext: { condition: string; approximateInvokeCount: number };
    };
    expect(failure.requestContext).toMatchObject({
      condition: "RetriesExhausted",
      approximateInvokeCount: 2,
    });

    // `nimbus delete` removes what was created (the subscription never was).
    await nimbusCli(server.url, ["delete", "--yes", "--stack-name", stack]);
    await expect(cfn.send(new DescribeStacksCommand({ StackName: stack }))).rejects.toThrow("does not exist");
    await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: sqsSns }))).rejects.toThrow(
      /not found/i,
    );
  });

  it("lambda_safe_deployments: a new release runs the PreTraffic hook, then shifts 10% a minute", async () => {
    const folder = join(workDir, "lambda-safe-deployments");
    await cp(join(APPS, "lambda-safe-deployments"), folder, { recursive: true });
    await deploy("lambda-safe-deployments", [], folder);
    const fn = await physicalId("lambda-safe-deployments", "safeTest");
    const call = async () => {
      const invoked = await lambda.send(
        new InvokeCommand({ FunctionName: fn, Qualifier: "live", Payload: "{}" }),
      );
      return JSON.parse(Buffer.from(invoked.Payload ?? []).toString()) as { version: string; answer: number };
    };
    expect(await call()).toEqual({ version: "1", answer: 42 });
    const hook = "CodeDeployHook_preTrafficHook";
    const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: hook }));
    expect(before.Environment?.Variables?.CurrentVersion).toMatch(new RegExp(`:function:${fn}:1$`));

    // New code: version 2; the hook checks it before any traffic moves, then Linear10PercentEvery1Minute.
    const source = join(folder, "src/safeTest.js");
    await writeFile(source, (await readFile(source, "utf8")).replace("answer: 42", "answer: 42, release: 2"));
    const update = deploy("lambda-safe-deployments", [], folder, "UPDATE_COMPLETE");
    await logLine(hook, `:function:${fn}:2: Succeeded`);
    const shifting = await until("the first 10%", async () => {
      const alias = await lambda.send(new GetAliasCommand({ FunctionName: fn, Name: "live" }));
      const weights = alias.RoutingConfig?.AdditionalVersionWeights ?? {};
      return Object.keys(weights).length > 0 ? { alias, weights } : undefined;
    });
    expect(shifting.alias.FunctionVersion).toBe("1");
    expect(shifting.weights).toEqual({ 2: 0.1 });
    let finished = false;
    void update.then(
      () => {
        finished = true;
      },
      () => {
        finished = true;
      },
    );
    for (let minute = 0; minute < 12 && !finished; minute++) {
      clock.advance(61_000);
      await new Promise((r) => setTimeout(r, 300));
    }
    await update;
    expect(await call()).toEqual({ version: "2", answer: 42, release: 2 });
  });

  it("lambda_sns_filter_policy: only football notifications reach the function", async () => {
    await deploy("lambda-sns-filter-policy");
    const topicArn = await physicalId("lambda-sns-filter-policy", "Notifications");
    const publish = (sport: string) =>
      sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: `${sport} news`,
          MessageAttributes: { sport: { DataType: "String", StringValue: sport } },
        }),
      );
    await publish("tennis");
    await publish("football");
    const fn = "sam-example-lambda-sns-filter-policy-notification-logger";
    await logLine(fn, "notification: football news");
    const all = await logs.send(
      new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, filterPattern: '"notification:"' }),
    );
    // The tennis message was published first; the filter dropped it at publish time.
    expect((all.events ?? []).map((e) => e.message?.trim().split("\t").at(-1))).not.toContain(
      "notification: tennis news",
    );
  });

  it("http_api_cors: the HTTP API answers the CORS preflight and serves the default route", async () => {
    await deploy("http-api-cors");
    const apiId = await physicalId("http-api-cors", "MyApi");
    const base = `${server.url}/_nimbus/execute-api/${apiId}`;
    const preflight = await fetch(`${base}/items`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://foo.com",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-apigateway-header",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://foo.com");
    expect(preflight.headers.get("access-control-allow-methods")).toMatch(/GET/);
    const got = await fetch(`${base}/items?x=1`, { headers: { Origin: "https://foo.com" } });
    expect(got.status).toBe(200);
    expect(got.headers.get("access-control-allow-origin")).toBe("https://foo.com");
    expect(got.headers.get("access-control-expose-headers")).toBe("x-amzm-header");
    const event = (await got.json()) as { rawPath: string; rawQueryString: string };
    expect(event).toMatchObject({ rawPath: "/items", rawQueryString: "x=1" });
  });
});

describe("Step Functions workshop", () => {
  it("stepfunctions-rest-api: the REST API (api.yaml through AWS::Include) runs the express workflow synchronously", async () => {
    const outputs = await deploy("stepfunctions-rest-api");
    const response = await fetch(nimbusUrl(outputs.HelloWorldApi ?? ""), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ hello: "world" }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { output: string };
    expect(JSON.parse(body.output)).toEqual({ value: "Hello back to you!" });
  });
});
