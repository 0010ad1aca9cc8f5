import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { isPlatformError, PlatformError } from "../core/errors.js";
import { newRequestId } from "../core/ids.js";
import type { Authenticator } from "./authenticator.js";
import { awsError, toWireError } from "./aws-errors.js";
import type { AwsRequest, CallerIdentity, HttpResult } from "./http-types.js";
import { type InternalCall, internalQueryRequest, internalRequest } from "./internal-call.js";
import { dispatchJsonRpc, type JsonRpcService, jsonRpcError } from "./json-rpc.js";
import {
  dispatchQuery,
  isQueryRequest,
  QueryParams,
  type QueryService,
  queryError,
  queryFields,
  selectQueryService,
  type XmlValue,
} from "./query-protocol.js";
import { restJsonError } from "./rest-json.js";
import type { RestRouter } from "./rest-router.js";

const EMPTY_BODY = Buffer.alloc(0);

/** A restJson1 service, selected by SigV4 signing name and path prefix. */
export interface RestService {
  signingName: string;
  /** First path segments that belong to this service (e.g. `2015-03-31`). */
  pathPrefixes: string[];
  router: RestRouter;
}

/** Platform routes outside AWS's API surface (`/_nimbus/...`), unsigned. */
export type NimbusRoute = (req: AwsRequest) => Promise<HttpResult | undefined>;

/**
 * Application traffic that is not an AWS API call (function URLs, later API gateways), picked by
 * Host or a reserved path before any AWS routing. Returns undefined at once (synchronously) when
 * the request is plainly not its own, so an AWS API call passes every route without a promise;
 * the promise may still settle with undefined when a lookup finds nothing. Such routes do their
 * own authentication (AuthType NONE or AWS_IAM).
 */
export type TrafficRoute = (req: AwsRequest) => Promise<HttpResult | undefined> | undefined;

/**
 * A service whose request bodies are streamed, not read up front (S3: objects of any size).
 * Claimed by the request head only; its handler gets the body as a stream and answers errors
 * in its own shape.
 */
export interface StreamingService {
  /** `unsignedFallback`: unsigned, and no other service's path prefix, target or Action. */
  claims(hostname: string, signingService: string | undefined, unsignedFallback: boolean): boolean;
  /** `checkChunk`: verifies each chunk signature of a signed streaming upload (auth on). */
  handle(
    req: AwsRequest,
    body: AsyncIterable<Buffer>,
    options: { checkChunk?: ((signature: string, chunkSha256Hex: string) => void) | undefined },
  ): Promise<HttpResult>;
  errorResult(error: unknown, req: AwsRequest): HttpResult;
}

export interface FrontDoorOptions {
  /** S3: checked after traffic routes' hosts and `/_nimbus/`, before the other services. */
  streamingService?: StreamingService;
  restServices: RestService[];
  jsonServices: JsonRpcService[];
  /** awsQuery services (SNS, SQS's query mode), picked by signing name or `Version`. */
  queryServices?: QueryService[];
  nimbusRoutes: NimbusRoute[];
  trafficRoutes?: TrafficRoute[];
  authenticator: Authenticator;
  maxBodyBytes: number;
  logger: Logger;
}

/**
 * The one HTTP listener's request handler: reads the request, authenticates it, picks the
 * service by X-Amz-Target or SigV4 scope + path, runs it, and maps errors to each protocol's
 * wire shape exactly once.
 */
export class FrontDoor {
  private readonly jsonByPrefix = new Map<string, JsonRpcService>();

  constructor(private readonly options: FrontDoorOptions) {
    for (const service of options.jsonServices) this.jsonByPrefix.set(service.targetPrefix, service);
  }

  readonly handle = (incoming: IncomingMessage, res: ServerResponse): void => {
    this.serve(incoming, res).catch((error: unknown) => {
      this.options.logger.error({ err: error }, "unhandled error while serving a request");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };

  /**
   * An in-process API call from a trusted part of the platform (stack deploys): the same
   * dispatch as an HTTP request, without the socket or a signature check. Errors are thrown as
   * they come from the service (PlatformError), not mapped to a wire shape. Query services are
   * called through `callQuery`, which returns the structured result instead of XML.
   */
  async call(input: InternalCall): Promise<HttpResult> {
    const req = internalRequest(input);
    const body = req.body;
    if (input.signingService === "s3") {
      const service = this.options.streamingService;
      if (!service) throw new Error("no streaming service is configured");
      return service.handle(
        req,
        (async function* () {
          if (body.length > 0) yield body;
        })(),
        {},
      );
    }
    const jsonService = input.target
      ? this.jsonByPrefix.get(input.target.slice(0, input.target.lastIndexOf(".")))
      : undefined;
    return this.dispatch(req, jsonService, input.target);
  }

  /** An in-process awsQuery call (see `call`): the operation's structured result. */
  async callQuery(
    signingService: string,
    action: string,
    params: URLSearchParams,
    caller: Pick<CallerIdentity, "region" | "accountId">,
    origin = "http://localhost",
  ): Promise<XmlValue | undefined> {
    const service = (this.options.queryServices ?? []).find((s) => s.signingName === signingService);
    const operation = service?.operations[action];
    if (!operation) throw awsError.unknownOperation(`${signingService} has no operation ${action}.`);
    const req = internalQueryRequest(signingService, caller, origin);
    return operation(new QueryParams(params), req);
  }

  private async serve(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const rawUrl = incoming.url ?? "/";
    const q = rawUrl.indexOf("?");
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q === -1 ? "" : rawUrl.slice(q + 1));
    const hostHeader = incoming.headers.host ?? "localhost";
    const target = incoming.headers["x-amz-target"];
    const jsonService =
      typeof target === "string"
        ? this.jsonByPrefix.get(target.slice(0, target.lastIndexOf(".")))
        : undefined;

    // The SigV4 scope is read once: it picks the streaming service and names the caller.
    const caller = this.options.authenticator.identify(incoming.headers, query);
    const req: AwsRequest = {
      requestId,
      method: incoming.method ?? "GET",
      rawPath,
      query,
      rawQuery: q === -1 ? "" : rawUrl.slice(q + 1),
      headers: incoming.headers,
      body: EMPTY_BODY,
      hostname: hostHeader.replace(/:\d+$/, ""),
      origin: `http://${hostHeader}`,
      sourceIp: incoming.socket.remoteAddress?.replace(/^::ffff:/, ""),
      caller,
    };
    const streaming = this.streamingServiceFor(
      rawPath,
      query,
      incoming.headers,
      caller.signingService,
      target,
    );
    if (streaming) {
      await this.serveStreaming(streaming, incoming, res, req);
      return;
    }
    let result: HttpResult;
    // Set once the request is known to be awsQuery, so errors take that protocol's XML shape.
    let queryService: QueryService | undefined;
    try {
      req.body = await readBody(incoming, this.options.maxBodyBytes);
      const pendingTraffic = this.trafficRoute(req, 0);
      const traffic = pendingTraffic && (await pendingTraffic);
      if (traffic) {
        result = traffic;
      } else if (rawPath.startsWith("/_nimbus/")) {
        result = (await this.nimbusRoute(req)) ?? { status: 404, body: "Not Found" };
      } else {
        this.options.authenticator.verify(req);
        const fields = isQueryRequest(req) ? queryFields(req) : undefined;
        queryService = fields && selectQueryService(this.options.queryServices ?? [], req, fields);
        result =
          queryService && fields
            ? await dispatchQuery(queryService, fields, req)
            : await this.dispatch(req, jsonService, typeof target === "string" ? target : undefined);
        this.logFunctionCall(req, result.status, target);
      }
    } catch (error) {
      result = queryService
        ? queryError(this.wireError(error), queryService.xmlNamespace, requestId)
        : this.errorResult(error, jsonService);
    }
    this.send(res, requestId, result);
  }

  /** The streaming service that claims this request by its head, if any. */
  private streamingServiceFor(
    rawPath: string,
    query: URLSearchParams,
    headers: IncomingMessage["headers"],
    signingService: string | undefined,
    target: string | string[] | undefined,
  ): StreamingService | undefined {
    const service = this.options.streamingService;
    if (!service || rawPath.startsWith("/_nimbus/") || target !== undefined) return undefined;
    const first = rawPath.split("/").find(Boolean) ?? "";
    const contentType = headers["content-type"] ?? "";
    const unsignedFallback =
      signingService === undefined &&
      !query.has("Action") &&
      !contentType.startsWith("application/x-www-form-urlencoded") &&
      !this.options.restServices.some((s) => s.pathPrefixes.includes(first));
    const hostname = (headers.host ?? "localhost").replace(/:\d+$/, "");
    return service.claims(hostname, signingService, unsignedFallback) ? service : undefined;
  }

  private async serveStreaming(
    service: StreamingService,
    incoming: IncomingMessage,
    res: ServerResponse,
    req: AwsRequest,
  ): Promise<void> {
    let result: HttpResult;
    try {
      // A hex x-amz-content-sha256 is signed as declared; the service checks the streamed body against it.
      const declared = incoming.headers["x-amz-content-sha256"];
      const payloadHash =
        typeof declared === "string" && /^[0-9a-f]{64}$/.test(declared) ? declared : undefined;
      this.options.authenticator.verify(req, payloadHash);
      result = await service.handle(req, incoming, {
        checkChunk: this.options.authenticator.chunkVerifier(req),
      });
      this.logFunctionCall(req, result.status, undefined);
    } catch (error) {
      if (!isPlatformError(error) || error.kind === "system") {
        this.options.logger.error({ err: error }, "request failed with an internal error");
      }
      result = service.errorResult(error, req);
    }
    const headers: Record<string, string> = { ...result.headers };
    if (result.stream) {
      const stream = result.stream;
      res.writeHead(result.status, headers);
      // A client that goes away mid-download must not leave the file open.
      res.on("close", () => stream.destroy());
      stream.on("error", () => res.destroy());
      stream.pipe(res);
      return;
    }
    const body = result.body ?? "";
    if (headers["content-length"] === undefined && result.status !== 204 && result.status !== 304) {
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    res.writeHead(result.status, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  }

  /** What a function called, as CloudTrail would record it for the execution role. */
  private logFunctionCall(req: AwsRequest, status: number, target: string | string[] | undefined): void {
    if (req.caller.functionName === undefined) return;
    this.options.logger.info(
      {
        function: req.caller.functionName,
        accessKeyId: req.caller.accessKeyId,
        service: req.caller.signingService,
        target,
        method: req.method,
        path: req.rawPath,
        status,
      },
      "function called an AWS API",
    );
  }

  /** The first traffic route from `from` on that answers; no promise when none claims the request. */
  private trafficRoute(req: AwsRequest, from: number): Promise<HttpResult | undefined> | undefined {
    const routes = this.options.trafficRoutes ?? [];
    for (let i = from; i < routes.length; i++) {
      const pending = routes[i]?.(req);
      if (pending) return pending.then((result) => result ?? this.trafficRoute(req, i + 1));
    }
    return undefined;
  }

  private async nimbusRoute(req: AwsRequest): Promise<HttpResult | undefined> {
    for (const route of this.options.nimbusRoutes) {
      const result = await route(req);
      if (result) return result;
    }
    return undefined;
  }

  /** Not async: the operation's own promise is returned as it is (no extra turn per request). */
  private dispatch(
    req: AwsRequest,
    jsonService: JsonRpcService | undefined,
    target: string | undefined,
  ): Promise<HttpResult> {
    if (target !== undefined) {
      if (!jsonService) throw awsError.unknownOperation(`Unknown X-Amz-Target ${target}.`);
      return dispatchJsonRpc(jsonService, target.slice(target.lastIndexOf(".") + 1), req);
    }
    const first = req.rawPath.split("/").find(Boolean) ?? "";
    const candidates = this.options.restServices.filter((s) => s.pathPrefixes.includes(first));
    const preferred = candidates.find((s) => s.signingName === req.caller.signingService) ?? candidates[0];
    const match = preferred?.router.match(req.method, req.rawPath);
    if (!match) {
      throw awsError.unknownOperation(`No operation matches ${req.method} ${req.rawPath}.`);
    }
    return match.handler(req, match.params);
  }

  private wireError(error: unknown) {
    if (!isPlatformError(error) || error.kind === "system") {
      this.options.logger.error({ err: error }, "request failed with an internal error");
    }
    return toWireError(error);
  }

  private errorResult(error: unknown, jsonService: JsonRpcService | undefined): HttpResult {
    const wire = this.wireError(error);
    return jsonService ? jsonRpcError(wire, jsonService.jsonVersion) : restJsonError(wire);
  }

  private send(res: ServerResponse, requestId: string, result: HttpResult): void {
    const headers: Record<string, string> = { "x-amzn-requestid": requestId, ...result.headers };
    if (result.stream) {
      res.writeHead(result.status, headers);
      result.stream.on("error", () => res.destroy());
      result.stream.pipe(res);
      return;
    }
    const body = result.body ?? "";
    headers["content-length"] = String(Buffer.byteLength(body));
    res.writeHead(result.status, result.statusMessage, headers);
    res.end(body);
  }
}

/** Reads the whole body, refusing more than `limit` bytes with a 413 the SDK understands. */
function readBody(incoming: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(incoming.headers["content-length"] ?? "0");
    if (declared > limit) {
      incoming.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        incoming.destroy();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    incoming.on("end", () => resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks)));
    incoming.on("error", reject);
  });
}

function tooLarge(limit: number): PlatformError {
  return new PlatformError({
    code: "ERR_AWS_REQUEST_TOO_LARGE",
    message: `Request must be smaller than ${limit} bytes.`,
    status: 413,
    awsName: "RequestTooLargeException",
  });
}
