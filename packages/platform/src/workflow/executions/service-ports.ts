import type { AwsRequest } from "../../aws/http-types.js";
import type { JsonRpcService } from "../../aws/json-rpc.js";
import { QueryParams, type QueryService, type XmlValue } from "../../aws/query-protocol.js";
import { isJsonObject, type Json, type JsonObject } from "../engine/index.js";
import type { ServiceIntegrationPorts, ServiceResponse } from "./service-integrations.js";

/** The APIs the ports call in-process (bound late: server.ts builds them after the workflows). */
export interface ServiceApis {
  /** SQS over awsJson1_0 (`AmazonSQS.SendMessage`). */
  sqs: () => JsonRpcService;
  /** SNS over awsQuery (`Publish`). */
  sns: () => QueryService;
  /** EventBridge over awsJson1_1 (`AWSEvents.PutEvents`). */
  events: () => JsonRpcService;
}

/**
 * Ports that call the services' own API operations with an internal request (`request()` gives
 * one per call: the server's origin and account), so a task gets exactly what the API would
 * answer, validation and errors included.
 */
export function servicePortsFromApis(apis: ServiceApis, request: () => AwsRequest): ServiceIntegrationPorts {
  const json = async (service: JsonRpcService, operation: string, input: JsonObject) => {
    const op = service.operations[operation];
    if (!op) throw new Error(`${service.targetPrefix}.${operation} is not available`);
    const req = request();
    return { output: asJson(await op(input, req)), requestId: req.requestId };
  };
  return {
    sendMessage: (input) => json(apis.sqs(), "SendMessage", input),
    putEvents: (input) => json(apis.events(), "PutEvents", input),
    async publish(input): Promise<ServiceResponse> {
      const op = apis.sns().operations.Publish;
      if (!op) throw new Error("SNS Publish is not available");
      const req = request();
      const result: XmlValue = await op(new QueryParams(publishForm(input)), req);
      return { output: asJson(result), requestId: req.requestId };
    },
  };
}

/**
 * Publish's JSON request as the query form SNS reads (`MessageAttributes.entry.N.*`); the task
 * has already checked that MessageAttributes is an object.
 */
export function publishForm(input: JsonObject): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    if (key === "MessageAttributes") continue;
    if (value !== null && value !== undefined)
      form.set(key, typeof value === "string" ? value : JSON.stringify(value));
  }
  const attributes = input.MessageAttributes;
  if (isJsonObject(attributes)) {
    let i = 0;
    for (const [name, value] of Object.entries(attributes)) {
      i += 1;
      const base = `MessageAttributes.entry.${i}`;
      form.set(`${base}.Name`, name);
      if (!isJsonObject(value)) continue;
      for (const member of ["DataType", "StringValue", "BinaryValue"])
        if (typeof value[member] === "string") form.set(`${base}.Value.${member}`, value[member] as string);
    }
  }
  return form;
}

/** An API's answer as task JSON (members left undefined dropped). */
function asJson(value: unknown): JsonObject {
  const parsed = JSON.parse(JSON.stringify(value ?? {})) as Json;
  return isJsonObject(parsed) ? parsed : {};
}
