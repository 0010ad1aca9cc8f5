import {
  APIGatewayClient,
  BadRequestException,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  TestInvokeMethodCommand,
} from "@aws-sdk/client-api-gateway";
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  waitUntilStackCreateComplete,
} from "@aws-sdk/client-cloudformation";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { resourcePath, rootId, stageUrl } from "../support/rest-api.js";

const ACCOUNT = "000000000000";
const ARN = "arn:aws:apigateway:us-east-1";
const PASS_MACHINE = JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Pass", End: true } } });

let nimbus: TestNimbus;
let apigw: APIGatewayClient;
let sfn: SFNClient;
let sqs: SQSClient;
let sns: SNSClient;

type IntegrationInput = Omit<
  ConstructorParameters<typeof PutIntegrationCommand>[0],
  "restApiId" | "resourceId" | "httpMethod"
>;
type ResponseInput = {
  statusCode: string;
  selectionPattern?: string;
  responseTemplates?: Record<string, string>;
};

/** A method (POST unless told) on a new resource with an integration and its responses, through the SDK. */
async function method(
  restApiId: string,
  root: string,
  path: string,
  integration: IntegrationInput,
  responses: ResponseInput[],
  httpMethod = "POST",
): Promise<string> {
  const resourceId = await resourcePath(apigw, restApiId, root, path);
  await apigw.send(new PutMethodCommand({ restApiId, resourceId, httpMethod, authorizationType: "NONE" }));
  await apigw.send(new PutIntegrationCommand({ restApiId, resourceId, httpMethod, ...integration }));
  for (const r of responses) {
    await apigw.send(
      new PutMethodResponseCommand({ restApiId, resourceId, httpMethod, statusCode: r.statusCode }),
    );
    await apigw.send(new PutIntegrationResponseCommand({ restApiId, resourceId, httpMethod, ...r }));
  }
  return resourceId;
}

async function post(url: string, body: string, contentType = "application/json") {
  const response = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body });
  return { status: response.status, text: await response.text() };
}

async function receiveOne(queueUrl: string): Promise<string | undefined> {
  const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }));
  return received.Messages?.[0]?.Body;
}

beforeAll(async () => {
  nimbus = await startNimbus();
  apigw = new APIGatewayClient(clientConfig(nimbus.url));
  sfn = new SFNClient(clientConfig(nimbus.url));
  sqs = new SQSClient(clientConfig(nimbus.url));
  sns = new SNSClient(clientConfig(nimbus.url));
});

afterAll(async () => {
  for (const client of [apigw, sfn, sqs, sns]) client.destroy();
  await nimbus?.stop();
});

describe("REST API AWS integrations (Step Functions, SQS, SNS)", () => {
  let apiId: string;
  let base: string;
  let machineArn: string;
  let ordersUrl: string;
  let ordersId: string;
  let fanoutUrl: string;

  beforeAll(async () => {
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: "api-orders",
        definition: PASS_MACHINE,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn`,
      }),
    );
    machineArn = machine.stateMachineArn ?? "";
    ordersUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "api-orders" }))).QueueUrl ?? "";
    fanoutUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "api-fanout" }))).QueueUrl ?? "";
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: "api-events" }))).TopicArn ?? "";
    const fanoutArn =
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: fanoutUrl, AttributeNames: ["QueueArn"] })))
        .Attributes?.QueueArn ?? "";
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: fanoutArn,
        Attributes: { RawMessageDelivery: "true" },
      }),
    );

    apiId = (await apigw.send(new CreateRestApiCommand({ name: "aws-integrations" }))).id ?? "";
    const root = await rootId(apigw, apiId);
    const role = `arn:aws:iam::${ACCOUNT}:role/apigateway-calls`;
    // Step Functions: the request template's output is StartExecution's JSON input.
    await method(
      apiId,
      root,
      "/executions",
      {
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: `${ARN}:states:action/StartExecution`,
        credentials: role,
        requestTemplates: {
          "application/json": `{"input": "$util.escapeJavaScript($input.json('$'))", "stateMachineArn": "$util.escapeJavaScript($input.params('machine'))"}`,
        },
      },
      [
        {
          statusCode: "200",
          responseTemplates: { "application/json": `{"execution": "$input.path('$.executionArn')"}` },
        },
        // The service's error answer, selected by its status code.
        { statusCode: "404", selectionPattern: "4\\d{2}" },
      ],
    );
    // SQS by queue path, the classic walkthrough: a form body for SendMessage.
    ordersId = await method(
      apiId,
      root,
      "/orders",
      {
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: `${ARN}:sqs:path/${ACCOUNT}/api-orders`,
        credentials: role,
        requestParameters: {
          "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'",
        },
        requestTemplates: {
          "application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)",
        },
        passthroughBehavior: "NEVER",
      },
      [{ statusCode: "200" }, { statusCode: "400", selectionPattern: "4\\d{2}" }],
    );
    // SQS again, asking for XML answers.
    await method(
      apiId,
      root,
      "/orders-xml",
      {
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: `${ARN}:sqs:path/${ACCOUNT}/api-orders`,
        requestParameters: {
          "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'",
          "integration.request.header.Accept": "'application/xml'",
        },
        requestTemplates: {
          "application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)",
        },
      },
      [{ statusCode: "200" }],
    );
    // SNS Publish by action URI: the topic from a mapped query parameter, the message from the body.
    await method(
      apiId,
      root,
      "/events",
      {
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: `${ARN}:sns:action/Publish`,
        requestParameters: {
          "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'",
          "integration.request.querystring.TopicArn": `'${topicArn}'`,
        },
        requestTemplates: { "application/json": "Message=$util.urlEncode($input.body)" },
      },
      [
        {
          statusCode: "202",
          responseTemplates: {
            "application/json": `{"messageId": "$input.path('$.PublishResponse.PublishResult.MessageId')"}`,
          },
        },
      ],
    );
    // SQS by GET: the action and its fields as mapped query parameters, no body.
    await method(
      apiId,
      root,
      "/notes",
      {
        type: "AWS",
        integrationHttpMethod: "GET",
        uri: `${ARN}:sqs:path/${ACCOUNT}/api-orders`,
        requestParameters: {
          "integration.request.querystring.Action": "'SendMessage'",
          "integration.request.querystring.MessageBody": "method.request.querystring.text",
        },
      },
      [{ statusCode: "200" }],
      "GET",
    );
    // A queue that does not exist: SQS's error, selected by its status.
    await method(
      apiId,
      root,
      "/lost",
      {
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: `${ARN}:sqs:path/${ACCOUNT}/no-such-queue`,
        requestParameters: {
          "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'",
        },
        requestTemplates: { "application/json": "Action=SendMessage&MessageBody=x" },
      },
      [{ statusCode: "200" }, { statusCode: "502", selectionPattern: "4\\d{2}" }],
    );
    await apigw.send(new CreateDeploymentCommand({ restApiId: apiId, stageName: "prod" }));
    base = stageUrl(nimbus.url, apiId, "prod");
  });

  it("starts a Step Functions execution with the mapped input", async () => {
    const response = await post(
      `${base}/executions?machine=${encodeURIComponent(machineArn)}`,
      JSON.stringify({ order: 7 }),
    );
    expect(response.status).toBe(200);
    const executionArn = (JSON.parse(response.text) as { execution: string }).execution;
    expect(executionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:api-orders:/);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(described.input ?? "null")).toEqual({ order: 7 });
  });

  it("answers the service's error through the integration response its status selects", async () => {
    const missing = machineArn.replace("api-orders", "no-such-machine");
    const response = await post(`${base}/executions?machine=${encodeURIComponent(missing)}`, "{}");
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text)).toMatchObject({ __type: "StateMachineDoesNotExist" });
  });

  it("sends the mapped form to an SQS queue addressed by path, answering SQS's JSON", async () => {
    const response = await post(`${base}/orders`, JSON.stringify({ item: "tea & cake" }));
    expect(response.status).toBe(200);
    const answer = JSON.parse(response.text) as {
      SendMessageResponse: {
        SendMessageResult: { MessageId: string };
        ResponseMetadata: { RequestId: string };
      };
    };
    expect(answer.SendMessageResponse.SendMessageResult.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await receiveOne(ordersUrl)).toBe(JSON.stringify({ item: "tea & cake" }));
  });

  it("answers SQS's XML when the integration request asks for it", async () => {
    const response = await post(`${base}/orders-xml`, "plain");
    expect(response.status).toBe(200);
    expect(response.text).toMatch(
      /<SendMessageResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/">/,
    );
    expect(response.text).toMatch(/<MessageId>[0-9a-f-]{36}<\/MessageId>/);
    expect(await receiveOne(ordersUrl)).toBe("plain");
  });

  it("calls SQS by GET with the fields as mapped query parameters", async () => {
    const response = await fetch(`${base}/notes?text=${encodeURIComponent("a note")}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("SendMessageResult");
    expect(await receiveOne(ordersUrl)).toBe("a note");
  });

  it("answers SQS's JSON error for a queue that does not exist", async () => {
    const response = await post(`${base}/lost`, "{}");
    expect(response.status).toBe(502);
    expect(JSON.parse(response.text)).toMatchObject({
      Error: { Code: "AWS.SimpleQueueService.NonExistentQueue", Type: "Sender" },
    });
  });

  it("publishes to an SNS topic by action URI", async () => {
    const response = await post(`${base}/events`, JSON.stringify({ kind: "created" }));
    expect(response.status).toBe(202);
    expect((JSON.parse(response.text) as { messageId: string }).messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await receiveOne(fanoutUrl)).toBe(JSON.stringify({ kind: "created" }));
  });

  it("runs the integration from TestInvokeMethod too", async () => {
    const result = await apigw.send(
      new TestInvokeMethodCommand({
        restApiId: apiId,
        resourceId: ordersId,
        httpMethod: "POST",
        body: "from the console",
        headers: { "Content-Type": "application/json" },
      }),
    );
    expect(result.status).toBe(200);
    expect(result.body).toContain("SendMessageResponse");
    expect(await receiveOne(ordersUrl)).toBe("from the console");
  });

  it("refuses services and actions Nimbus does not implement, naming them", async () => {
    const root = await rootId(apigw, apiId);
    const resourceId = await resourcePath(apigw, apiId, root, "/refused");
    await apigw.send(
      new PutMethodCommand({ restApiId: apiId, resourceId, httpMethod: "POST", authorizationType: "NONE" }),
    );
    const put = (uri: string) =>
      apigw.send(
        new PutIntegrationCommand({
          restApiId: apiId,
          resourceId,
          httpMethod: "POST",
          type: "AWS",
          integrationHttpMethod: "POST",
          uri,
        }),
      );
    await expect(put(`${ARN}:kinesis:action/PutRecord`)).rejects.toBeInstanceOf(BadRequestException);
    await expect(put(`${ARN}:kinesis:action/PutRecord`)).rejects.toThrow(/the service 'kinesis'/);
    await expect(put(`${ARN}:states:action/RedriveExecution`)).rejects.toThrow(
      /Step Functions action 'RedriveExecution'/,
    );
  });
});

describe("SAM: a state machine's Api event", () => {
  it("deploys with CreateStack, and a POST to the API starts an execution", async () => {
    const cfn = new CloudFormationClient(clientConfig(nimbus.url));
    const waiter = { client: cfn, maxWaitTime: 120, minDelay: 1, maxDelay: 1 };
    try {
      await cfn.send(
        new CreateStackCommand({
          StackName: "sam-sfn-api",
          Capabilities: ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
          TemplateBody: `
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Accept
        States:
          Accept: { Type: Pass, End: true }
      Events:
        Submit:
          Type: Api
          Properties: { Path: /orders, Method: post }
Outputs:
  ApiId:
    Value: !Ref ServerlessRestApi
  MachineArn:
    Value: !Ref Orders
`,
        }),
      );
      await waitUntilStackCreateComplete(waiter, { StackName: "sam-sfn-api" });
      const outputs = (await cfn.send(new DescribeStacksCommand({ StackName: "sam-sfn-api" }))).Stacks?.[0]
        ?.Outputs;
      const output = (key: string) => outputs?.find((o) => o.OutputKey === key)?.OutputValue ?? "";
      const response = await post(`${stageUrl(nimbus.url, output("ApiId"), "Prod")}/orders`, '{"id": 42}');
      expect(response.status).toBe(200);
      const { executionArn } = JSON.parse(response.text) as { executionArn: string };
      const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: output("MachineArn") }));
      expect(listed.executions?.map((e) => e.executionArn)).toEqual([executionArn]);
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(JSON.parse(described.input ?? "null")).toEqual({ id: 42 });
    } finally {
      cfn.destroy();
    }
  });
});
