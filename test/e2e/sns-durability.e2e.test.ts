import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { InvokeCommand, PutFunctionEventInvokeConfigCommand } from "@aws-sdk/client-lambda";
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

/** An endpoint that answers 500 while `down`, and records the notifications it accepted. */
async function startEndpoint() {
  const state = { down: false, accepted: [] as string[], confirmations: [] as Record<string, string>[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, string>;
      if (body.Type === "SubscriptionConfirmation") state.confirmations.push(body);
      else if (state.down) return res.writeHead(500).end();
      else state.accepted.push(body.Message ?? "");
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { state, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("SNS deliveries are durable", () => {
  const servers: TestNimbus[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
  });

  it("keeps retrying HTTP deliveries across a restart until the endpoint accepts them", async () => {
    const endpoint = await startEndpoint();
    const first = await startNimbus();
    servers.push(first);
    const sns = new SNSClient(clientConfig(first.url));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "durable" }));
    const retry = { healthyRetryPolicy: { numRetries: 100, minDelayTarget: 1, maxDelayTarget: 1 } };
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "http",
        Endpoint: endpoint.url,
        Attributes: { DeliveryPolicy: JSON.stringify(retry) },
      }),
    );
    await until(() => endpoint.state.confirmations.length > 0, "the confirmation");
    await sns.send(
      new ConfirmSubscriptionCommand({ TopicArn, Token: endpoint.state.confirmations[0]?.Token }),
    );

    endpoint.state.down = true;
    const sent = Array.from({ length: 20 }, (_, i) => `message ${i}`);
    for (const message of sent) await sns.send(new PublishCommand({ TopicArn, Message: message }));
    sns.destroy();
    await first.stop(false);
    servers.length = 0;

    endpoint.state.down = false;
    const second = await startNimbus({ dataDir: first.dataDir });
    servers.push(second);
    await until(
      () => new Set(endpoint.state.accepted).size === sent.length,
      "every message after the restart",
    );
    expect([...new Set(endpoint.state.accepted)].sort()).toEqual([...sent].sort());
    await endpoint.close();
  });

  it("receives an async invocation's failure record through the sns target", async () => {
    const nimbus = await startNimbus({ config: { async: { retryDelayScale: 0 } } });
    servers.push(nimbus);
    const sns = new SNSClient(clientConfig(nimbus.url));
    const sqs = new SQSClient(clientConfig(nimbus.url));
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "failures" }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "failure-copies" }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    await sns.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: Attributes?.QueueArn,
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    await createFixtureFunction(nimbus.lambda, "always-throws", "node/throws");
    await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "always-throws",
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: TopicArn } },
      }),
    );
    const invoked = await nimbus.lambda.send(
      new InvokeCommand({
        FunctionName: "always-throws",
        InvocationType: "Event",
        Payload: Buffer.from('{"n":7}'),
      }),
    );
    expect(invoked.StatusCode).toBe(202);
    let body: string | undefined;
    for (let i = 0; i < 30 && body === undefined; i++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      body = Messages[0]?.Body;
    }
    const record = JSON.parse(body ?? "{}");
    expect(record.requestContext).toMatchObject({ condition: "RetriesExhausted" });
    expect(record.requestPayload).toEqual({ n: 7 });
    sns.destroy();
    sqs.destroy();
  });
});
