import { requestTime } from "../function-url/event-v2.js";
import type { EventV1Request } from "../payload-v1/event-v1.js";
import { isBinaryMediaType } from "../payload-v1/event-v1.js";
import type { IamIdentity } from "./iam-auth.js";
import type { ResourceDoc } from "./model.js";

/** One request matched to a resource and method of a deployed stage. */
export interface RequestFacts {
  requestId: string;
  method: string;
  /** Path below the stage, as sent. */
  path: string;
  rawQuery: string;
  headerLines: [string, string][];
  /** Last value per header name (names as the request carried them). */
  headers: Record<string, string>;
  /** Last value per query key, decoded. */
  query: Record<string, string>;
  pathParameters: Record<string, string>;
  body: Buffer;
  apiId: string;
  stage: string;
  stageVariables: Record<string, string>;
  resource: ResourceDoc;
  accountId: string;
  region: string;
  domainName: string;
  sourceIp: string;
  timeEpochMs: number;
  binaryMediaTypes: string[];
  apiKey?: { value: string; id: string } | undefined;
  /** `requestContext.authorizer`, when an authorizer ran. */
  authorizer?: Record<string, unknown> | undefined;
  /** Who signed the request, for AWS_IAM methods. */
  iam?: IamIdentity | undefined;
}

/** The payload 1.0 builder's input for a matched request. */
export function eventRequest(facts: RequestFacts): EventV1Request {
  return {
    method: facts.method,
    resource: facts.resource.path,
    resourceId: facts.resource.id,
    path: facts.path,
    contextPath: `/${facts.stage}${facts.path}`,
    rawQuery: facts.rawQuery,
    headers: facts.headerLines,
    pathParameters: facts.pathParameters,
    stageVariables: facts.stageVariables,
    body: facts.body,
    binaryBody: isBinaryMediaType(facts.headers["content-type"], facts.binaryMediaTypes),
    accountId: facts.accountId,
    apiId: facts.apiId,
    stage: facts.stage,
    requestId: facts.requestId,
    extendedRequestId: Buffer.from(facts.requestId.replaceAll("-", "").slice(0, 12), "hex").toString(
      "base64",
    ),
    timeEpochMs: facts.timeEpochMs,
    domainName: facts.domainName,
    sourceIp: facts.sourceIp,
    protocol: "HTTP/1.1",
    apiKey: facts.apiKey,
    authorizer: facts.authorizer,
    ...(facts.iam ? { iamIdentity: facts.iam } : {}),
  };
}

/** `$context` of mapping templates (the same facts as payload 1.0's requestContext). */
export function templateContext(facts: RequestFacts): Record<string, unknown> {
  return {
    accountId: facts.accountId,
    apiId: facts.apiId,
    requestId: facts.requestId,
    extendedRequestId: eventRequest(facts).extendedRequestId,
    stage: facts.stage,
    resourceId: facts.resource.id,
    resourcePath: facts.resource.path,
    httpMethod: facts.method,
    path: `/${facts.stage}${facts.path}`,
    protocol: "HTTP/1.1",
    requestTime: requestTime(facts.timeEpochMs),
    requestTimeEpoch: facts.timeEpochMs,
    domainName: facts.domainName,
    domainPrefix: facts.apiId,
    identity: {
      sourceIp: facts.sourceIp,
      userAgent: facts.headers["user-agent"] ?? "",
      apiKey: facts.apiKey?.value ?? "",
      apiKeyId: facts.apiKey?.id ?? "",
      accessKey: facts.iam?.accessKey ?? "",
      caller: facts.iam?.caller ?? "",
      user: facts.iam?.user ?? "",
      userArn: facts.iam?.userArn ?? "",
    },
    authorizer: facts.authorizer ?? {},
  };
}

/** The ARN an authorizer policy is evaluated against. */
export function methodArn(
  facts: Pick<RequestFacts, "region" | "accountId" | "apiId" | "stage" | "method" | "path">,
): string {
  return `arn:aws:execute-api:${facts.region}:${facts.accountId}:${facts.apiId}/${facts.stage}/${facts.method}${facts.path}`;
}
