import { describe, expect, it } from "vitest";
import { PlatformError } from "../../core/errors.js";
import type { Json, JsonObject, RunTaskCommand } from "../engine/index.js";
import { runServiceTask, type ServiceIntegrationPorts } from "./service-integrations.js";
import { publishForm } from "./service-ports.js";

const command = (resource: string, parameters: Json): RunTaskCommand => ({
  kind: "runTask",
  id: "t1",
  stateName: "Call",
  resource: `arn:aws:states:::${resource}`,
  parameters,
});

/** Ports that record what they were called with and answer `output` (or throw `failure`). */
function recordingPorts(output: JsonObject, failure?: Error) {
  const calls: { op: string; input: JsonObject }[] = [];
  const answer = (op: string) => async (input: JsonObject) => {
    calls.push({ op, input });
    if (failure) throw failure;
    return { output, requestId: "req-1" };
  };
  const ports: ServiceIntegrationPorts = {
    sendMessage: answer("sendMessage"),
    publish: answer("publish"),
    putEvents: answer("putEvents"),
  };
  return { ports, calls };
}

describe("queue, topic and bus tasks", () => {
  it("sends JSON message bodies as their JSON text and answers with the SDK metadata", async () => {
    const { ports, calls } = recordingPorts({ MessageId: "m1", MD5OfMessageBody: "x" });
    const event = await runServiceTask(
      ports,
      command("sqs:sendMessage", { QueueUrl: "u", MessageBody: { a: [1, true] } }),
    );
    expect(calls).toEqual([{ op: "sendMessage", input: { QueueUrl: "u", MessageBody: '{"a":[1,true]}' } }]);
    expect(event).toMatchObject({
      kind: "taskSucceeded",
      output: { MessageId: "m1", MD5OfMessageBody: "x", SdkResponseMetadata: { RequestId: "req-1" } },
    });
  });

  it("keeps text messages as they are and reports a callback's call as submitted", async () => {
    const { ports, calls } = recordingPorts({ MessageId: "m2" });
    const event = await runServiceTask(
      ports,
      command("sns:publish.waitForTaskToken", { TopicArn: "t", Message: "plain" }),
    );
    expect(calls[0]?.input.Message).toBe("plain");
    expect(event.kind).toBe("taskSubmitted");
  });

  it("sends event details as JSON text and fails on failed entries with EventBridge.FailedEntry", async () => {
    const failed = { FailedEntryCount: 1, Entries: [{ ErrorCode: "X", ErrorMessage: "bad" }] };
    const { ports, calls } = recordingPorts(failed);
    const event = await runServiceTask(
      ports,
      command("events:putEvents", { Entries: [{ Source: "s", DetailType: "d", Detail: { k: 1 } }] }),
    );
    expect(calls[0]?.input.Entries).toEqual([{ Source: "s", DetailType: "d", Detail: '{"k":1}' }]);
    expect(event).toEqual({
      kind: "taskFailed",
      id: "t1",
      error: "EventBridge.FailedEntry",
      cause: JSON.stringify(failed),
    });
  });

  it("names service failures <Service>.<Exception>", async () => {
    const cases: [string, PlatformError | Error, string][] = [
      [
        "sqs:sendMessage",
        new PlatformError({ code: "E", awsName: "QueueDoesNotExist", message: "m" }),
        "SQS.QueueDoesNotExistException",
      ],
      [
        "sns:publish",
        new PlatformError({ code: "E", awsName: "NotFound", message: "m" }),
        "SNS.NotFoundException",
      ],
      [
        "sns:publish",
        new PlatformError({ code: "E", awsName: "ParameterValueInvalid", message: "m" }),
        "SNS.InvalidParameterValueException",
      ],
      [
        "events:putEvents",
        new PlatformError({ code: "E", awsName: "ResourceNotFoundException", message: "m" }),
        "EventBridge.ResourceNotFoundException",
      ],
      ["sqs:sendMessage", new Error("disk"), "SQS.AmazonSQSException"],
    ];
    for (const [resource, failure, name] of cases) {
      const { ports } = recordingPorts({}, failure);
      const event = await runServiceTask(
        ports,
        command(resource, resource.startsWith("events") ? { Entries: [] } : {}),
      );
      expect(event).toMatchObject({ kind: "taskFailed", error: name });
    }
  });

  it("fails the task with States.Runtime on parameters the API does not have", async () => {
    const { ports, calls } = recordingPorts({});
    const unknown = await runServiceTask(ports, command("sqs:sendMessage", { QueueUrl: "u", Body: "x" }));
    expect(unknown).toMatchObject({ kind: "taskFailed", error: "States.Runtime" });
    expect(unknown.kind === "taskFailed" && unknown.cause).toContain("'Body'");
    const notObject = await runServiceTask(ports, command("sns:publish", "text"));
    expect(notObject).toMatchObject({ kind: "taskFailed", error: "States.Runtime" });
    const attributes = await runServiceTask(
      ports,
      command("sns:publish", { Message: "m", MessageAttributes: [] }),
    );
    expect(attributes).toMatchObject({ kind: "taskFailed", error: "States.Runtime" });
    expect(calls).toEqual([]);
  });
});

describe("publishForm", () => {
  it("writes Publish's JSON as SNS's query form", () => {
    const form = publishForm({
      TopicArn: "arn:t",
      Message: "hi",
      MessageAttributes: {
        color: { DataType: "String", StringValue: "red" },
        n: { DataType: "Number", StringValue: "2" },
      },
    });
    expect(Object.fromEntries(form)).toEqual({
      TopicArn: "arn:t",
      Message: "hi",
      "MessageAttributes.entry.1.Name": "color",
      "MessageAttributes.entry.1.Value.DataType": "String",
      "MessageAttributes.entry.1.Value.StringValue": "red",
      "MessageAttributes.entry.2.Name": "n",
      "MessageAttributes.entry.2.Value.DataType": "Number",
      "MessageAttributes.entry.2.Value.StringValue": "2",
    });
  });
});
