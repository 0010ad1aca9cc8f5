import { createHash, randomBytes, randomUUID } from "node:crypto";

/**
 * Sample events as the AWS services send them to functions (shapes of
 * ../shared/reference/events.md, after AWS's docs and @types/aws-lambda), for `nimbus
 * generate-event` and for tests. Pure: every value comes from the options or `now`.
 */
export interface SampleOptions {
  region: string;
  accountId: string;
  now: Date;
  method?: string;
  path?: string;
  body?: string;
  stage?: string;
  bucket?: string;
  key?: string;
  size?: number;
  queue?: string;
  topic?: string;
  message?: string;
  subject?: string;
  source?: string;
  detailType?: string;
  detail?: string;
  rule?: string;
}

/** The option names (camelCase) each source/type uses; others are refused by the command. */
export const SAMPLE_SOURCES: Record<
  string,
  { types: Record<string, readonly (keyof SampleOptions)[]>; default: string }
> = {
  apigateway: {
    default: "aws-proxy",
    types: {
      "aws-proxy": ["method", "path", "body", "stage"],
      "http-api": ["method", "path", "body", "stage"],
    },
  },
  alb: { default: "request", types: { request: ["method", "path", "body"] } },
  sqs: { default: "receive-message", types: { "receive-message": ["queue", "body"] } },
  sns: { default: "notification", types: { notification: ["topic", "message", "subject"] } },
  s3: { default: "put", types: { put: ["bucket", "key", "size"], delete: ["bucket", "key"] } },
  eventbridge: { default: "event", types: { event: ["source", "detailType", "detail"] } },
  schedule: { default: "event", types: { event: ["rule"] } },
};

export function generateEvent(source: string, type: string, o: SampleOptions): Record<string, unknown> {
  switch (`${source}/${type}`) {
    case "apigateway/aws-proxy":
      return apiGatewayProxy(o);
    case "apigateway/http-api":
      return httpApi(o);
    case "alb/request":
      return albRequest(o);
    case "sqs/receive-message":
      return sqsMessage(o);
    case "sns/notification":
      return snsNotification(o);
    case "s3/put":
      return s3Event(o, "ObjectCreated:Put");
    case "s3/delete":
      return s3Event(o, "ObjectRemoved:Delete");
    case "eventbridge/event":
      return eventBridge(o);
    case "schedule/event":
      return scheduled(o);
    default:
      throw new Error(`unknown event ${source} ${type}`);
  }
}

function splitPath(path: string): { path: string; query: Record<string, string[]> } {
  const url = new URL(path.startsWith("/") ? path : `/${path}`, "http://x");
  const query: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) query[k] = [...(query[k] ?? []), v];
  return { path: url.pathname, query };
}

/** 04/Mar/2020:19:15:17 +0000 */
function clf(d: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const API_ID = "abc123defg";

function apiGatewayProxy(o: SampleOptions): Record<string, unknown> {
  const method = (o.method ?? "GET").toUpperCase();
  const stage = o.stage ?? "prod";
  const { path, query } = splitPath(o.path ?? "/hello");
  const domain = `${API_ID}.execute-api.${o.region}.amazonaws.com`;
  const headers: Record<string, string> = {
    Accept: "*/*",
    Host: domain,
    "User-Agent": "curl/8.5.0",
    "X-Forwarded-For": "192.0.2.1",
    "X-Forwarded-Port": "443",
    "X-Forwarded-Proto": "https",
  };
  if (o.body !== undefined) headers["Content-Type"] = "application/json";
  const hasQuery = Object.keys(query).length > 0;
  return {
    resource: "/{proxy+}",
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: hasQuery
      ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v[v.length - 1]]))
      : null,
    multiValueQueryStringParameters: hasQuery ? query : null,
    pathParameters: { proxy: path.replace(/^\//, "") },
    stageVariables: null,
    requestContext: {
      accountId: o.accountId,
      apiId: API_ID,
      resourceId: "x1y2z3",
      resourcePath: "/{proxy+}",
      httpMethod: method,
      path: `/${stage}${path}`,
      stage,
      protocol: "HTTP/1.1",
      requestId: randomUUID(),
      extendedRequestId: randomBytes(9).toString("base64"),
      requestTime: clf(o.now),
      requestTimeEpoch: o.now.getTime(),
      domainName: domain,
      domainPrefix: API_ID,
      identity: {
        sourceIp: "192.0.2.1",
        userAgent: "curl/8.5.0",
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        user: null,
        userArn: null,
      },
    },
    body: o.body ?? null,
    isBase64Encoded: false,
  };
}

function httpApi(o: SampleOptions): Record<string, unknown> {
  const method = (o.method ?? "GET").toUpperCase();
  const stage = o.stage ?? "$default";
  const { path, query } = splitPath(o.path ?? "/hello");
  const rawPath = stage === "$default" ? path : `/${stage}${path}`;
  const domain = `${API_ID}.execute-api.${o.region}.amazonaws.com`;
  const routeKey = `${method} ${path}`;
  const headers: Record<string, string> = {
    accept: "*/*",
    host: domain,
    "user-agent": "curl/8.5.0",
    "x-forwarded-for": "192.0.2.1",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
  };
  if (o.body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(o.body));
  }
  const event: Record<string, unknown> = {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString: new URL(o.path ?? "/hello", "http://x").search.replace(/^\?/, ""),
    headers,
  };
  if (Object.keys(query).length > 0) {
    event.queryStringParameters = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v.join(",")]));
  }
  event.requestContext = {
    accountId: o.accountId,
    apiId: API_ID,
    domainName: domain,
    domainPrefix: API_ID,
    http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "curl/8.5.0" },
    requestId: randomBytes(12).toString("base64").replace(/[+/]/g, "A"),
    routeKey,
    stage,
    time: clf(o.now),
    timeEpoch: o.now.getTime(),
  };
  if (o.body !== undefined) event.body = o.body;
  event.isBase64Encoded = false;
  return event;
}

function albRequest(o: SampleOptions): Record<string, unknown> {
  const { path } = splitPath(o.path ?? "/lambda");
  const rawQuery = new URL(o.path ?? "/lambda", "http://x").search.replace(/^\?/, "");
  const query: Record<string, string> = {};
  // ALB does not URL-decode query values.
  for (const part of rawQuery.split("&").filter(Boolean)) {
    const eq = part.indexOf("=");
    query[eq < 0 ? part : part.slice(0, eq)] = eq < 0 ? "" : part.slice(eq + 1);
  }
  return {
    requestContext: {
      elb: {
        targetGroupArn: `arn:aws:elasticloadbalancing:${o.region}:${o.accountId}:targetgroup/my-targets/6d0ecf831eec9f09`,
      },
    },
    httpMethod: (o.method ?? "GET").toUpperCase(),
    path,
    queryStringParameters: query,
    headers: {
      accept: "*/*",
      host: `my-alb-1234567890.${o.region}.elb.amazonaws.com`,
      "user-agent": "curl/8.5.0",
      "x-amzn-trace-id": `Root=1-${Math.floor(o.now.getTime() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`,
      "x-forwarded-for": "192.0.2.1",
      "x-forwarded-port": "80",
      "x-forwarded-proto": "http",
      ...(o.body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: o.body ?? "",
    isBase64Encoded: false,
  };
}

function sqsMessage(o: SampleOptions): Record<string, unknown> {
  const body = o.body ?? "Hello from SQS!";
  const sent = o.now.getTime();
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: randomBytes(48).toString("base64"),
        body,
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: String(sent),
          SenderId: "AIDAIENQZJOLO23YVJ4VO",
          ApproximateFirstReceiveTimestamp: String(sent + 2),
        },
        messageAttributes: {},
        md5OfBody: createHash("md5").update(body).digest("hex"),
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:${o.region}:${o.accountId}:${o.queue ?? "my-queue"}`,
        awsRegion: o.region,
      },
    ],
  };
}

function snsNotification(o: SampleOptions): Record<string, unknown> {
  const topicArn = `arn:aws:sns:${o.region}:${o.accountId}:${o.topic ?? "my-topic"}`;
  return {
    Records: [
      {
        EventVersion: "1.0",
        EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
        EventSource: "aws:sns",
        Sns: {
          SignatureVersion: "1",
          Timestamp: o.now.toISOString(),
          Signature: randomBytes(64).toString("base64"),
          SigningCertUrl: `https://sns.${o.region}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem`,
          MessageId: randomUUID(),
          Message: o.message ?? "Hello from SNS!",
          MessageAttributes: {},
          Type: "Notification",
          UnsubscribeUrl: `https://sns.${o.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}`,
          TopicArn: topicArn,
          Subject: o.subject ?? null,
        },
      },
    ],
  };
}

function s3Event(o: SampleOptions, eventName: string): Record<string, unknown> {
  const bucket = o.bucket ?? "my-bucket";
  const key = o.key ?? "photos/my file.jpg";
  const object: Record<string, unknown> = {
    // Keys arrive URL-encoded with spaces as `+`.
    key: encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/"),
  };
  if (eventName.startsWith("ObjectCreated")) {
    object.size = o.size ?? 1024;
    object.eTag = createHash("md5").update(key).digest("hex");
  }
  object.sequencer = o.now.getTime().toString(16).toUpperCase().padStart(18, "0");
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: o.region,
        eventTime: o.now.toISOString(),
        eventName,
        userIdentity: { principalId: "AWS:AIDAINPONIXQXHT3IKHL2" },
        requestParameters: { sourceIPAddress: "192.0.2.1" },
        responseElements: {
          "x-amz-request-id": randomBytes(8).toString("hex").toUpperCase(),
          "x-amz-id-2": randomBytes(48).toString("base64"),
        },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "nimbus-sample",
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: "A3I5XTEXAMAI3E" },
            arn: `arn:aws:s3:::${bucket}`,
          },
          object,
        },
      },
    ],
  };
}

/** Second precision, as EventBridge writes `time`. */
function ebTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

function eventBridge(o: SampleOptions): Record<string, unknown> {
  let detail: unknown = { message: "Hello from EventBridge!" };
  if (o.detail !== undefined) detail = JSON.parse(o.detail);
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": o.detailType ?? "Order Placed",
    source: o.source ?? "com.example.orders",
    account: o.accountId,
    time: ebTime(o.now),
    region: o.region,
    resources: [],
    detail,
  };
}

function scheduled(o: SampleOptions): Record<string, unknown> {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: o.accountId,
    time: ebTime(o.now),
    region: o.region,
    resources: [`arn:aws:events:${o.region}:${o.accountId}:rule/${o.rule ?? "my-schedule"}`],
    detail: {},
  };
}
