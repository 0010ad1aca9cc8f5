import { toWireError, type WireError } from "../../aws/aws-errors.js";
import { queryError, type XmlValue, xmlElement } from "../../aws/query-protocol.js";
import { isPlatformError } from "../../core/errors.js";
import { newRequestId } from "../../core/ids.js";
import type { Logger } from "../../core/logger.js";
import { type AwsServiceTarget, serviceSpec } from "./aws-service-uri.js";

/**
 * The services' own API operations, called in-process as a client would call them (the server
 * passes its `AwsCalls`). Errors arrive thrown: a PlatformError, or an error carrying the
 * `status` and `awsName` the service answered.
 */
export interface ServiceApis {
  json(target: string, input: Record<string, unknown>): Promise<unknown>;
  query(signingService: string, action: string, params: URLSearchParams): Promise<XmlValue | undefined>;
}

/** What the integration request carries besides the URI: the mapped body, parameters and method. */
export interface ServiceRequest {
  /** The integration's HTTP method (`integrationHttpMethod`). */
  httpMethod: string;
  /** The integration request body (the request template's output, or the passed-through body). */
  payload: Buffer;
  /** `integration.request.querystring.*` mappings: query parameters of the call. */
  querystring: Record<string, string>;
  /** `integration.request.header.*` mappings (Content-Type and Accept matter to the services). */
  header: Record<string, string>;
  /** `integration.request.path.*` mappings: fill `{name}` in a path URI. */
  path: Record<string, string>;
}

/** The service's answer as API Gateway receives it: status, headers and body. */
export interface ServiceAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Calls the service an AWS integration addresses and answers what the service returned (an error
 * is an answer too: its status and body go through integration response selection, as on AWS).
 */
export async function callAwsService(
  apis: ServiceApis,
  target: AwsServiceTarget,
  request: ServiceRequest,
  logger: Logger,
): Promise<ServiceAnswer> {
  const requestId = newRequestId();
  return serviceSpec(target.service).protocol === "json"
    ? callJson(apis, target, request, requestId, logger)
    : callQuery(apis, target, request, requestId, logger);
}

async function callJson(
  apis: ServiceApis,
  target: AwsServiceTarget,
  request: ServiceRequest,
  requestId: string,
  logger: Logger,
): Promise<ServiceAnswer> {
  const spec = serviceSpec(target.service);
  const headers = { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": requestId };
  const jsonError = (error: WireError): ServiceAnswer => ({
    status: error.status,
    headers: { ...headers, "x-amzn-errortype": error.name },
    body: Buffer.from(JSON.stringify({ __type: error.name, message: error.message })),
  });
  // The request template's output is the operation's JSON input. What AWS answers for a body that
  // is not a JSON object is a SerializationException (the exact message text is not documented).
  let input: unknown;
  try {
    const text = request.payload.toString("utf8");
    input = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    input = undefined;
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return jsonError(wire(400, "SerializationException", "The request body is not a JSON object"));
  }
  try {
    const output = await apis.json(`${spec.targetPrefix}.${target.action}`, input as Record<string, unknown>);
    return { status: 200, headers, body: Buffer.from(JSON.stringify(output ?? {})) };
  } catch (error) {
    return jsonError(errorOf(error, logger));
  }
}

async function callQuery(
  apis: ServiceApis,
  target: AwsServiceTarget,
  request: ServiceRequest,
  requestId: string,
  logger: Logger,
): Promise<ServiceAnswer> {
  const spec = serviceSpec(target.service);
  const fields = new URLSearchParams(target.params);
  for (const [name, value] of Object.entries(request.querystring)) fields.append(name, value);
  // API Gateway sends the body with the integration request's Content-Type (application/json
  // unless mapped): only a form body is read as the action's parameters, as the service does.
  const contentType = headerOf(request.header, "content-type") ?? "application/json";
  if (
    request.httpMethod !== "GET" &&
    contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")
  ) {
    for (const [name, value] of new URLSearchParams(request.payload.toString("utf8")))
      fields.append(name, value);
  }
  const action = target.action ?? fields.get("Action") ?? "";
  fields.delete("Action");
  fields.delete("Version");
  // The query services answer JSON when asked (API Gateway asks unless the integration request
  // maps an Accept header), XML otherwise.
  const xml = /xml/i.test(headerOf(request.header, "accept") ?? "");
  const namespace = spec.xmlNamespace ?? "";
  const answerError = (error: WireError): ServiceAnswer => {
    if (xml) {
      const result = queryError(error, namespace, requestId);
      return {
        status: result.status,
        headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
        body: Buffer.from(String(result.body ?? "")),
      };
    }
    const body = {
      Error: {
        Code: error.queryCode ?? error.name,
        Message: error.message,
        Type: error.fault ? "Receiver" : "Sender",
      },
      RequestId: requestId,
    };
    return {
      status: error.status,
      headers: { "content-type": "application/json", "x-amzn-requestid": requestId },
      body: Buffer.from(JSON.stringify(body)),
    };
  };
  if (!(spec.actions as readonly string[]).includes(action)) {
    return answerError(
      wire(
        400,
        "InvalidAction",
        action === ""
          ? "The request must contain the parameter Action."
          : `The action ${action} is not valid for this web service.`,
      ),
    );
  }
  // A path URI addresses the queue by its URL's path (`/<account>/<queue>`).
  if (target.path !== undefined && target.path !== "/" && !fields.has("QueueUrl")) {
    const path = target.path.replace(/\{([^}+]+)\+?\}/g, (_m, name: string) =>
      encodeURIComponent(request.path[name] ?? ""),
    );
    fields.set("QueueUrl", path);
  }
  let result: XmlValue | undefined;
  try {
    result = await apis.query(target.service, action, fields);
  } catch (error) {
    return answerError(errorOf(error, logger));
  }
  if (xml) {
    const inner = result === undefined ? "" : xmlElement(`${action}Result`, result);
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}">${inner}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
    return {
      status: 200,
      headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
      body: Buffer.from(body),
    };
  }
  const response: Record<string, unknown> = {};
  if (result !== undefined) response[`${action}Result`] = jsonOf(result);
  response.ResponseMetadata = { RequestId: requestId };
  return {
    status: 200,
    headers: { "content-type": "application/json", "x-amzn-requestid": requestId },
    body: Buffer.from(JSON.stringify({ [`${action}Response`]: response })),
  };
}

/**
 * The JSON form of a query result: elements become members, repeated elements arrays. AWS's
 * JSON rendering also lists the model's absent members as null and may unwrap lists; Nimbus
 * writes what the result holds, in the XML's structure (uncertain for list-valued results).
 */
function jsonOf(value: XmlValue): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map(jsonOf);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(value)) if (child !== undefined) out[name] = jsonOf(child);
    return out;
  }
  return value;
}

/** The error a service call raised, as the service puts it on the wire. */
function errorOf(error: unknown, logger: Logger): WireError {
  if (isPlatformError(error)) {
    if (error.kind === "system") logger.error({ err: error }, "REST API AWS integration: the service failed");
    return toWireError(error);
  }
  const answered = error as { status?: unknown; awsName?: unknown; message?: unknown };
  if (typeof answered.status === "number" && typeof answered.awsName === "string") {
    const message = String(answered.message ?? "").replace(`${answered.awsName}: `, "");
    return wire(answered.status, answered.awsName, message);
  }
  logger.error({ err: error }, "REST API AWS integration: the service call failed");
  return toWireError(error);
}

function wire(status: number, name: string, message: string): WireError {
  return { name, message, status, fault: status >= 500, details: {} };
}

function headerOf(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}
