import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import {
  InvokeCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nimbusApi, probeLines, waitFor } from "../support/async.js";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const FN = "arn:aws:lambda:us-east-1:000000000000:function";
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
const event = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("dead-letter queues and destinations of asynchronous invocation", () => {
  let nimbus: TestNimbus;
  let sqs: SQSClient;
  const urls: Record<string, string> = {};

  /** Waits for one message on a queue (long polls), with its attributes. */
  const receiveOne = (name: string): Promise<Message> =>
    waitFor(
      async () =>
        (
          await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: urls[name],
              MaxNumberOfMessages: 1,
              WaitTimeSeconds: 1,
              MessageAttributeNames: ["All"],
            }),
          )
        ).Messages?.[0],
      (m) => m !== undefined,
    ) as Promise<Message>;

  beforeAll(async () => {
    nimbus = await startNimbus({ config: { async: { retryDelayScale: 0.001 } } });
    sqs = new SQSClient(clientConfig(nimbus.url));
    for (const name of ["dlq", "failures", "successes", "via-sns", "via-bus"]) {
      urls[name] = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? "";
    }
    await createFixtureFunction(nimbus.lambda, "dl-fail", "node/async-probe", {
      env: { PROBE_MODE: "fail" },
    });
    await createFixtureFunction(nimbus.lambda, "dl-ok", "node/async-probe");
    await createFixtureFunction(nimbus.lambda, "chained", "node/async-probe");
  });

  afterAll(async () => {
    sqs.destroy();
    await nimbus.stop();
  });

  it("sends a failed event to the DLQ with its attributes and an invocation record to OnFailure", async () => {
    await nimbus.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: "dl-fail",
        DeadLetterConfig: { TargetArn: queueArn("dlq") },
      }),
    );
    await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "dl-fail",
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: queueArn("failures") } },
      }),
    );
    const out = await nimbus.lambda.send(
      new InvokeCommand({ FunctionName: "dl-fail", InvocationType: "Event", Payload: event({ tag: "x" }) }),
    );
    const requestId = out.$metadata.requestId;

    const dead = await receiveOne("dlq");
    expect(JSON.parse(dead.Body ?? "")).toEqual({ tag: "x" });
    expect(dead.MessageAttributes).toEqual({
      RequestID: { DataType: "String", StringValue: requestId },
      ErrorCode: { DataType: "Number", StringValue: "200" },
      ErrorMessage: { DataType: "String", StringValue: "probe failed: x" },
    });

    const record = JSON.parse((await receiveOne("failures")).Body ?? "");
    expect(record).toMatchObject({
      version: "1.0",
      requestContext: {
        requestId,
        functionArn: `${FN}:dl-fail:$LATEST`,
        condition: "RetriesExhausted",
        approximateInvokeCount: 2,
      },
      requestPayload: { tag: "x" },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorType: "Error", errorMessage: "probe failed: x" },
    });
    expect(Number.isNaN(Date.parse(record.timestamp))).toBe(false);

    const listed = await nimbusApi(nimbus.url, "GET", "/_nimbus/async/failures?function=dl-fail");
    const id = (listed.body as { failures: { id: string }[] }).failures[0]?.id ?? "";
    const shown = await nimbusApi(nimbus.url, "GET", `/_nimbus/async/failures/${id}`);
    expect((shown.body as { deliveries: unknown[] }).deliveries).toEqual([
      { role: "DeadLetterQueue", arn: queueArn("dlq"), ok: true },
      { role: "OnFailure", arn: queueArn("failures"), ok: true },
    ]);
  });

  it("sends a success record to OnSuccess", async () => {
    await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "dl-ok",
        DestinationConfig: { OnSuccess: { Destination: queueArn("successes") } },
      }),
    );
    const out = await nimbus.lambda.send(
      new InvokeCommand({ FunctionName: "dl-ok", InvocationType: "Event", Payload: event({ tag: "y" }) }),
    );
    const record = JSON.parse((await receiveOne("successes")).Body ?? "");
    expect(record).toMatchObject({
      version: "1.0",
      requestContext: {
        requestId: out.$metadata.requestId,
        functionArn: `${FN}:dl-ok:$LATEST`,
        condition: "Success",
        approximateInvokeCount: 1,
      },
      requestPayload: { tag: "y" },
      responseContext: { statusCode: 200, executedVersion: "$LATEST" },
      responsePayload: { ok: true, tag: "y" },
    });
    expect(record.responseContext).not.toHaveProperty("functionError");
  });

  it("invokes a function destination asynchronously with the record as its event", async () => {
    await createFixtureFunction(nimbus.lambda, "origin", "node/async-probe");
    await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "origin",
        DestinationConfig: { OnSuccess: { Destination: `${FN}:chained` } },
      }),
    );
    const out = await nimbus.lambda.send(
      new InvokeCommand({ FunctionName: "origin", InvocationType: "Event", Payload: event({ tag: "z" }) }),
    );
    const lines = await waitFor(
      () => probeLines(nimbus, "chained"),
      (l) => l.length > 0,
    );
    expect(lines[0]?.event).toMatchObject({
      requestContext: { requestId: out.$metadata.requestId, condition: "Success" },
      requestPayload: { tag: "z" },
    });
  });

  it("publishes the record to an SNS topic destination (and its subscribers)", async () => {
    const sns = new SNSClient(clientConfig(nimbus.url));
    try {
      const topic = (await sns.send(new CreateTopicCommand({ Name: "outcomes" }))).TopicArn ?? "";
      await sns.send(
        new SubscribeCommand({ TopicArn: topic, Protocol: "sqs", Endpoint: queueArn("via-sns") }),
      );
      await createFixtureFunction(nimbus.lambda, "to-topic", "node/async-probe");
      await nimbus.lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: "to-topic",
          DestinationConfig: { OnSuccess: { Destination: topic } },
        }),
      );
      const out = await nimbus.lambda.send(
        new InvokeCommand({
          FunctionName: "to-topic",
          InvocationType: "Event",
          Payload: event({ tag: "t" }),
        }),
      );
      const envelope = JSON.parse((await receiveOne("via-sns")).Body ?? "");
      expect(envelope).toMatchObject({ Type: "Notification", TopicArn: topic });
      expect(JSON.parse(envelope.Message)).toMatchObject({
        requestContext: { requestId: out.$metadata.requestId, condition: "Success" },
        responsePayload: { ok: true, tag: "t" },
      });
    } finally {
      sns.destroy();
    }
  });

  it("puts the record on an event bus as AWS's Lambda destination event", async () => {
    const events = new EventBridgeClient(clientConfig(nimbus.url));
    try {
      await events.send(
        new PutRuleCommand({ Name: "lambda-results", EventPattern: JSON.stringify({ source: ["lambda"] }) }),
      );
      await events.send(
        new PutTargetsCommand({ Rule: "lambda-results", Targets: [{ Id: "q", Arn: queueArn("via-bus") }] }),
      );
      await createFixtureFunction(nimbus.lambda, "to-bus", "node/async-probe");
      const bus = "arn:aws:events:us-east-1:000000000000:event-bus/default";
      await nimbus.lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: "to-bus",
          DestinationConfig: { OnSuccess: { Destination: bus } },
        }),
      );
      const out = await nimbus.lambda.send(
        new InvokeCommand({ FunctionName: "to-bus", InvocationType: "Event", Payload: event({ tag: "b" }) }),
      );
      const delivered = JSON.parse((await receiveOne("via-bus")).Body ?? "");
      expect(delivered).toMatchObject({
        source: "lambda",
        "detail-type": "Lambda Function Invocation Result - Success",
        resources: [`${FN}:to-bus:$LATEST`, bus],
        detail: {
          requestContext: { requestId: out.$metadata.requestId, condition: "Success" },
          requestPayload: { tag: "b" },
        },
      });
    } finally {
      events.destroy();
    }
  });

  it("keeps a successful event whose OnSuccess delivery failed in the failure store", async () => {
    await createFixtureFunction(nimbus.lambda, "lost-success", "node/async-probe");
    await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "lost-success",
        DestinationConfig: { OnSuccess: { Destination: queueArn("no-such-queue") } },
      }),
    );
    await nimbus.lambda.send(
      new InvokeCommand({
        FunctionName: "lost-success",
        InvocationType: "Event",
        Payload: event({ tag: "w" }),
      }),
    );
    const listed = await waitFor(
      () => nimbusApi(nimbus.url, "GET", "/_nimbus/async/failures?function=lost-success"),
      (r) => (r.body as { failures: unknown[] }).failures.length > 0,
    );
    expect((listed.body as { failures: unknown[] }).failures[0]).toMatchObject({
      condition: "Success",
      reason: "DeliveryFailed",
      attempts: 1,
    });
  });
});
