import { type AwsRequest, header } from "../aws/http-types.js";
import { jsonResult, readJsonBody } from "../aws/rest-json.js";
import type { RestRouter } from "../aws/rest-router.js";
import { WireReader } from "../aws/wire-validation.js";
import { PlatformError } from "../core/errors.js";
import { functionsError } from "./errors.js";
import {
  type FunctionUrlConfig,
  type FunctionUrlCors,
  type FunctionUrlService,
  functionUrlFor,
} from "./function-url-service.js";

export interface FunctionUrlApiDeps {
  urls: FunctionUrlService;
  region: string;
}

/** First path segment of the function URL operations (the front door routes it to Lambda). */
export const FUNCTION_URL_API_PREFIX = "2021-10-31";

const AUTH_TYPES = ["NONE", "AWS_IAM"] as const;
const INVOKE_MODES = ["BUFFERED", "RESPONSE_STREAM"] as const;
const FUNCTION_NAME =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const BASE = `/${FUNCTION_URL_API_PREFIX}/functions/{FunctionName}`;

/**
 * Create/Get/Update/DeleteFunctionUrlConfig and ListFunctionUrlConfigs (restJson1,
 * lambda-api.md section 4.9). The reported FunctionUrl is the host form on the port the caller
 * used; the path form `/_nimbus/lambda-url/<url-id>/` reaches the same URL (docs/function-urls.md).
 */
export function addFunctionUrlRoutes(router: RestRouter, deps: FunctionUrlApiDeps): void {
  const { urls } = deps;
  const wire = (req: AwsRequest, config: FunctionUrlConfig, shape: WireShape) =>
    toWireConfig(
      config,
      urls.functionArn(config),
      functionUrlFor(config.urlId, deps.region, port(req)),
      shape,
    );

  router.add("POST", `${BASE}/url`, async (req, p) => {
    const name = pathName(p.FunctionName);
    const reader = new WireReader(readJsonBody(req));
    const authType = reader.enumValue("AuthType", AUTH_TYPES);
    const cors = readCors(reader);
    const invokeMode = reader.enumValue("InvokeMode", INVOKE_MODES);
    reader.done();
    if (authType === undefined) throw missing("AuthType");
    refuseStreaming(invokeMode);
    const config = await urls.create(name, qualifierOf(req), { authType, cors });
    return jsonResult(201, wire(req, config, { lastModified: false, invokeMode: invokeMode !== undefined }));
  });

  router.add("GET", `${BASE}/url`, async (req, p) => {
    const config = await urls.get(pathName(p.FunctionName), qualifierOf(req));
    return jsonResult(200, wire(req, config, { lastModified: true, invokeMode: true }));
  });

  router.add("PUT", `${BASE}/url`, async (req, p) => {
    const name = pathName(p.FunctionName);
    const reader = new WireReader(readJsonBody(req));
    const authType = reader.enumValue("AuthType", AUTH_TYPES);
    const cors = readCors(reader);
    const invokeMode = reader.enumValue("InvokeMode", INVOKE_MODES);
    reader.done();
    refuseStreaming(invokeMode);
    const config = await urls.update(name, qualifierOf(req), { authType, cors });
    return jsonResult(200, wire(req, config, { lastModified: true, invokeMode: true }));
  });

  router.add("DELETE", `${BASE}/url`, async (req, p) => {
    await urls.delete(pathName(p.FunctionName), qualifierOf(req));
    return jsonResult(204, undefined);
  });

  router.add("GET", `${BASE}/urls`, async (req, p) => {
    const limit = maxItems(req.query.get("MaxItems"));
    const marker = req.query.get("Marker");
    const page = await urls.list(pathName(p.FunctionName), {
      after: marker ? Buffer.from(marker, "base64url").toString("utf8") : undefined,
      limit,
    });
    return jsonResult(200, {
      FunctionUrlConfigs: page.items.map((c) => wire(req, c, { lastModified: true, invokeMode: true })),
      ...(page.next === undefined
        ? {}
        : { NextMarker: Buffer.from(page.next, "utf8").toString("base64url") }),
    });
  });
}

interface WireShape {
  /** Create answers without LastModifiedTime. */
  lastModified: boolean;
  /** Create echoes InvokeMode only when it was given. */
  invokeMode: boolean;
}

function toWireConfig(
  config: FunctionUrlConfig,
  functionArn: string,
  functionUrl: string,
  shape: WireShape,
): Record<string, unknown> {
  return {
    FunctionUrl: functionUrl,
    FunctionArn: functionArn,
    AuthType: config.authType,
    ...(config.cors === undefined ? {} : { Cors: toWireCors(config.cors) }),
    CreationTime: new Date(config.createdAt).toISOString(),
    ...(shape.lastModified ? { LastModifiedTime: new Date(config.lastModifiedAt).toISOString() } : {}),
    ...(shape.invokeMode ? { InvokeMode: config.invokeMode } : {}),
  };
}

function toWireCors(cors: FunctionUrlCors): Record<string, unknown> {
  return {
    ...(cors.allowCredentials === undefined ? {} : { AllowCredentials: cors.allowCredentials }),
    ...(cors.allowHeaders === undefined ? {} : { AllowHeaders: cors.allowHeaders }),
    ...(cors.allowMethods === undefined ? {} : { AllowMethods: cors.allowMethods }),
    ...(cors.allowOrigins === undefined ? {} : { AllowOrigins: cors.allowOrigins }),
    ...(cors.exposeHeaders === undefined ? {} : { ExposeHeaders: cors.exposeHeaders }),
    ...(cors.maxAgeSec === undefined ? {} : { MaxAge: cors.maxAgeSec }),
  };
}

/** Reads `Cors`, recording every constraint failure on the request's reader (AWS reports them together). */
function readCors(reader: WireReader): FunctionUrlCors | undefined {
  const raw = reader.object("Cors");
  if (raw === undefined) return undefined;
  const inner = new WireReader(raw);
  const cors: FunctionUrlCors = {};
  const allowCredentials = inner.boolean("AllowCredentials");
  if (allowCredentials !== undefined) cors.allowCredentials = allowCredentials;
  const lists = [
    ["AllowHeaders", "allowHeaders", 100, 0, 1024],
    ["AllowMethods", "allowMethods", 6, 0, 6],
    ["AllowOrigins", "allowOrigins", 100, 1, 253],
    ["ExposeHeaders", "exposeHeaders", 100, 0, 1024],
  ] as const;
  for (const [member, key, maxItems, minLength, maxLength] of lists) {
    const values = inner.stringList(member);
    if (values === undefined) continue;
    const where = `cors.${key}`;
    const shown = `[${values.join(", ")}]`;
    if (values.length > maxItems) {
      reader.fail(shown, where, `Member must have length less than or equal to ${maxItems}`);
    } else if (values.some((v) => v.length > maxLength)) {
      reader.fail(
        shown,
        where,
        `Member must satisfy constraint: [Member must have length less than or equal to ${maxLength}]`,
      );
    } else if (values.some((v) => v.length < minLength)) {
      reader.fail(
        shown,
        where,
        `Member must satisfy constraint: [Member must have length greater than or equal to ${minLength}]`,
      );
    }
    cors[key] = values;
  }
  const maxAge = inner.integer("MaxAge");
  if (maxAge !== undefined) {
    if (maxAge < 0)
      reader.fail(String(maxAge), "cors.maxAge", "Member must have value greater than or equal to 0");
    else if (maxAge > 86400)
      reader.fail(String(maxAge), "cors.maxAge", "Member must have value less than or equal to 86400");
    cors.maxAgeSec = maxAge;
  }
  return cors;
}

function refuseStreaming(invokeMode: string | undefined): void {
  if (invokeMode === "RESPONSE_STREAM") {
    throw functionsError.unsupported(
      "InvokeMode RESPONSE_STREAM is not supported by this Nimbus version (response streaming is not implemented yet); use BUFFERED.",
    );
  }
}

function qualifierOf(req: AwsRequest): string | undefined {
  return req.query.get("Qualifier") ?? undefined;
}

/** The port the caller addressed, so the reported FunctionUrl reaches this server. */
function port(req: AwsRequest): string | undefined {
  return /:(\d+)$/.exec(header(req.headers, "host") ?? "")?.[1];
}

function maxItems(raw: string | null): number {
  if (raw === null) return 50;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 50) {
    const constraint =
      Number.isInteger(n) && n > 50
        ? "Member must have value less than or equal to 50"
        : "Member must have value greater than or equal to 1";
    throw validation(
      `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: ${constraint}`,
    );
  }
  return n;
}

function pathName(raw: string | undefined): string {
  const value = raw ?? "";
  if (value.length === 0 || value.length > 140 || !FUNCTION_NAME.test(value)) {
    throw validation(
      `1 validation error detected: Value '${value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${FUNCTION_NAME.source}`,
    );
  }
  return value;
}

function missing(member: string): PlatformError {
  return validation(
    `1 validation error detected: Value null at '${member.charAt(0).toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must not be null`,
  );
}

function validation(message: string): PlatformError {
  return new PlatformError({
    code: "ERR_AWS_VALIDATION",
    message,
    status: 400,
    awsName: "ValidationException",
  });
}
