import type { HttpResult } from "../aws/http-types.js";
import type { XmlValue } from "../aws/query-protocol.js";

/** The front door's in-process entry points (`FrontDoor.call` / `callQuery`). */
export interface InProcessApis {
  call(input: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: Buffer | string | undefined;
    signingService?: string | undefined;
    target?: string;
    caller: { region: string; accountId: string };
    origin?: string;
  }): Promise<HttpResult>;
  callQuery(
    signingService: string,
    action: string,
    params: URLSearchParams,
    caller: { region: string; accountId: string },
    origin?: string,
  ): Promise<XmlValue | undefined>;
}

/** A failed in-process call whose service answered with an error status instead of throwing. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly awsName: string,
    message: string,
  ) {
    super(`${awsName}: ${message}`);
    this.name = "ApiCallError";
  }
}

/**
 * Calls of the services' own API operations from inside the server, as an AWS client would
 * make them (same validation, same errors), for the stack providers. Errors from services
 * arrive as thrown PlatformErrors (their `awsName` and `message` are what a client would see).
 */
export class AwsCalls {
  constructor(
    private readonly apis: InProcessApis,
    private readonly scope: { region: string; accountId: string },
    /** The server's endpoint (queue URLs and other links in answers use it). */
    private readonly origin: () => string,
  ) {}

  /** An awsJson operation: `json("AmazonSQS.CreateQueue", { QueueName })`. */
  async json<T = Record<string, unknown>>(target: string, input: Record<string, unknown>): Promise<T> {
    const result = await this.apis.call({
      method: "POST",
      path: "/",
      target,
      headers: { "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify(input),
      caller: this.scope,
      origin: this.origin(),
    });
    return parseJson<T>(result);
  }

  /**
   * A restJson1 operation: `rest("lambda", "POST", "/2015-03-31/functions", {...})`. The path is
   * sent as given (percent-encode names yourself). Answers with the parsed JSON body (or `{}`).
   */
  async rest<T = Record<string, unknown>>(
    signingService: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const result = await this.apis.call({
      method,
      path,
      signingService,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      caller: this.scope,
      origin: this.origin(),
    });
    return parseJson<T>(result);
  }

  /** An awsQuery operation (`query("sns", "CreateTopic", { Name })`): its structured result. */
  async query(
    signingService: string,
    action: string,
    params: Record<string, string | undefined> | URLSearchParams,
  ): Promise<XmlValue | undefined> {
    const form = params instanceof URLSearchParams ? params : new URLSearchParams();
    if (!(params instanceof URLSearchParams)) {
      for (const [key, value] of Object.entries(params)) if (value !== undefined) form.set(key, value);
    }
    return this.apis.callQuery(signingService, action, form, this.scope, this.origin());
  }

  /** An S3 request (path-style: `/bucket/key?sub`): status, headers and the whole body. */
  async s3(
    method: string,
    path: string,
    body?: Buffer | string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const result = await this.apis.call({
      method,
      path,
      signingService: "s3",
      headers:
        body === undefined ? headers : { "content-length": String(Buffer.byteLength(body)), ...headers },
      body,
      caller: this.scope,
      origin: this.origin(),
    });
    const bytes = await readAll(result);
    if (result.status >= 400) {
      const text = bytes.toString("utf8");
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP ${result.status}`;
      const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text;
      throw new ApiCallError(result.status, code, message);
    }
    return { status: result.status, headers: result.headers ?? {}, body: bytes };
  }
}

async function readAll(result: HttpResult): Promise<Buffer> {
  if (result.stream) {
    const chunks: Buffer[] = [];
    for await (const chunk of result.stream) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks);
  }
  return result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body);
}

async function parseJson<T>(result: HttpResult): Promise<T> {
  const text = (await readAll(result)).toString("utf8");
  const parsed = text.length === 0 ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (result.status >= 400) {
    const type = String(parsed.__type ?? result.headers?.["x-amzn-errortype"] ?? `HTTP ${result.status}`);
    const message = String(parsed.message ?? parsed.Message ?? text);
    throw new ApiCallError(
      result.status,
      type.slice(type.lastIndexOf("#") + 1).split(":")[0] ?? type,
      message,
    );
  }
  return parsed as T;
}
