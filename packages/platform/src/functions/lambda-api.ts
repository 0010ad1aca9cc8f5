import type { AwsRequest } from "../aws/http-types.js";
import { jsonResult, readJsonBody } from "../aws/rest-json.js";
import type { RestRouter } from "../aws/rest-router.js";
import { WireReader } from "../aws/wire-validation.js";
import { parseFunctionRef } from "../core/arn.js";
import { PlatformError } from "../core/errors.js";
import { functionsError } from "./errors.js";
import type { FunctionConfig } from "./function-model.js";
import {
  DEFAULT_FUNCTION_SETTINGS,
  type FunctionService,
  type FunctionSettings,
} from "./function-service.js";
import type { Reservations } from "./reservations.js";
import { readSettings } from "./settings-reader.js";
import { toFunctionConfiguration } from "./wire-shapes.js";

export interface LambdaApiDeps {
  functions: FunctionService;
  limits: {
    maxEnvironmentBytes: number;
    maxUnzippedBytes: number;
    accountConcurrency: number;
    maxZipBytes: number;
  };
  /** A URL on this server that serves the archive (GetFunction's Code.Location). */
  codeUrl: (req: AwsRequest, codeKey: string) => string;
  reservations: Reservations;
  /** A note when the host's interpreter differs from what the runtime id names. */
  runtimeNote: (runtime: string) => Record<string, string> | undefined;
}

const FUNCTION_NAME =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;

/** Lambda's control-plane operations (restJson1, lambda-api.md section 3). */
export function addLambdaControlRoutes(router: RestRouter, deps: LambdaApiDeps): void {
  const { functions } = deps;
  const config = (c: FunctionConfig, qualified: boolean) =>
    toFunctionConfiguration(c, functions.arn(c.name, qualified ? c.version : undefined));

  router.add("POST", "/2015-03-31/functions", async (req) => {
    const input = readJsonBody(req);
    const reader = new WireReader(input);
    const rawName = reader.string("FunctionName", { min: 1, max: 140, pattern: FUNCTION_NAME });
    const settings = readSettings(input, reader, deps.limits);
    const code = reader.object("Code");
    const publish = reader.boolean("Publish") ?? false;
    const tags = reader.stringMap("Tags") ?? {};
    reader.done();
    if (rawName === undefined) throw missing("FunctionName");
    const name = functionName(rawName);
    if (name.length > 64) throw functionsError.invalid(`Function name ${name} is longer than 64 characters.`);
    if (settings.role === undefined) throw missing("Role");
    if (settings.runtime === undefined)
      throw functionsError.invalid("Runtime is required for .zip file functions.");
    if (settings.handler === undefined)
      throw functionsError.invalid("Handler is required for .zip file functions.");
    const zip = readZip(code);
    const created = await functions.create({
      name,
      settings: {
        ...DEFAULT_FUNCTION_SETTINGS,
        ...(definedOnly(settings) as Partial<FunctionSettings>),
        runtime: settings.runtime,
        handler: settings.handler,
        role: settings.role,
      },
      zip,
      publish,
      tags,
    });
    return jsonResult(201, config(created, publish));
  });

  router.add("GET", "/2015-03-31/functions", async (req) => {
    const maxItems = pageSize(req.query.get("MaxItems"), 50);
    const marker = req.query.get("Marker");
    const all = req.query.get("FunctionVersion") === "ALL";
    const page = await functions.list({
      ...(marker ? { after: decodeMarker(marker) } : {}),
      limit: maxItems,
      allVersions: all,
    });
    const items = page.items.map((c) =>
      toFunctionConfiguration(
        c,
        functions.arn(c.name, c.version === "$LATEST" && !all ? undefined : c.version),
        { forList: true },
      ),
    );
    return jsonResult(200, {
      Functions: items,
      ...(page.next ? { NextMarker: encodeMarker(page.next) } : {}),
    });
  });

  router.add("GET", "/2015-03-31/functions/{FunctionName}", async (req, p) => {
    const name = pathName(p.FunctionName);
    const qualifier = req.query.get("Qualifier") ?? undefined;
    const c = await functions.getConfig(name, qualifier);
    const { record } = await functions.getRecord(name);
    const note = deps.runtimeNote(c.runtime);
    return jsonResult(200, {
      Configuration: config(c, qualifier !== undefined || parseFunctionRef(name)?.qualifier !== undefined),
      Code: { RepositoryType: "S3", Location: deps.codeUrl(req, c.codeKey) },
      Tags: record.tags,
      ...(record.reservedConcurrency === undefined
        ? {}
        : { Concurrency: { ReservedConcurrentExecutions: record.reservedConcurrency } }),
      ...(note ? { Nimbus: note } : {}),
    });
  });

  router.add("GET", "/2015-03-31/functions/{FunctionName}/configuration", async (req, p) => {
    const name = pathName(p.FunctionName);
    const qualifier = req.query.get("Qualifier") ?? undefined;
    const c = await functions.getConfig(name, qualifier);
    return jsonResult(
      200,
      config(c, qualifier !== undefined || parseFunctionRef(name)?.qualifier !== undefined),
    );
  });

  router.add("PUT", "/2015-03-31/functions/{FunctionName}/code", async (req, p) => {
    const input = readJsonBody(req);
    const reader = new WireReader(input);
    const publish = reader.boolean("Publish") ?? false;
    const dryRun = reader.boolean("DryRun") ?? false;
    const revisionId = reader.string("RevisionId");
    reader.string("Architectures");
    reader.done();
    for (const member of ["S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri"]) {
      if (input[member] !== undefined)
        throw functionsError.unsupported(
          `${member} is not supported by this Nimbus version; upload the archive as ZipFile.`,
        );
    }
    const zip = readZip({ ZipFile: input.ZipFile });
    if (dryRun) {
      const current = await functions.getConfig(pathName(p.FunctionName));
      return jsonResult(200, config(current, false));
    }
    const updated = await functions.updateCode(pathName(p.FunctionName), zip, {
      publish,
      ...(revisionId ? { revisionId } : {}),
    });
    return jsonResult(200, config(updated, publish));
  });

  router.add("PUT", "/2015-03-31/functions/{FunctionName}/configuration", async (req, p) => {
    const input = readJsonBody(req);
    const reader = new WireReader(input);
    const settings = readSettings(input, reader, deps.limits);
    const revisionId = reader.string("RevisionId");
    reader.done();
    const patch = definedOnly(settings);
    // Environment replaces the whole map; an empty map removes every variable.
    if (input.Environment !== undefined) {
      patch.environment =
        settings.environment && Object.keys(settings.environment).length > 0
          ? settings.environment
          : undefined;
    }
    // DeadLetterConfig {} (or an empty TargetArn) removes the dead-letter target.
    if (input.DeadLetterConfig !== undefined) patch.deadLetterTargetArn = settings.deadLetterTargetArn;
    const updated = await functions.updateConfiguration(pathName(p.FunctionName), patch, revisionId);
    return jsonResult(200, config(updated, false));
  });

  router.add("DELETE", "/2015-03-31/functions/{FunctionName}", async (req, p) => {
    await functions.delete(pathName(p.FunctionName), req.query.get("Qualifier") ?? undefined);
    return jsonResult(204, undefined);
  });

  router.add("POST", "/2015-03-31/functions/{FunctionName}/versions", async (req, p) => {
    const input = readJsonBody(req);
    const reader = new WireReader(input);
    const codeSha256 = reader.string("CodeSha256");
    const description = reader.string("Description", { max: 256 });
    const revisionId = reader.string("RevisionId");
    reader.done();
    const published = await functions.publishVersion(pathName(p.FunctionName), {
      ...(codeSha256 === undefined ? {} : { codeSha256 }),
      ...(description === undefined ? {} : { description }),
      ...(revisionId === undefined ? {} : { revisionId }),
    });
    return jsonResult(201, config(published, true));
  });

  router.add("GET", "/2015-03-31/functions/{FunctionName}/versions", async (req, p) => {
    const name = pathName(p.FunctionName);
    const { record } = await functions.getRecord(name);
    const all = [record.latest, ...(await functions.versions(record.latest.name))];
    const maxItems = pageSize(req.query.get("MaxItems"), 50);
    const marker = req.query.get("Marker");
    const start = marker ? Number(decodeMarker(marker)) : 0;
    const slice = all.slice(start, start + maxItems);
    const next = start + maxItems < all.length ? encodeMarker(String(start + maxItems)) : undefined;
    return jsonResult(200, {
      Versions: slice.map((c) =>
        toFunctionConfiguration(c, functions.arn(c.name, c.version), { forList: true }),
      ),
      ...(next ? { NextMarker: next } : {}),
    });
  });

  router.add("GET", "/2017-03-31/tags/{Resource}", async (_req, p) => {
    const { record } = await functions.getRecord(tagResource(p.Resource));
    return jsonResult(200, { Tags: record.tags });
  });

  router.add("POST", "/2017-03-31/tags/{Resource}", async (req, p) => {
    const reader = new WireReader(readJsonBody(req));
    const tags = reader.stringMap("Tags");
    reader.done();
    if (tags === undefined) throw missing("Tags");
    await functions.setTags(tagResource(p.Resource), (current) => ({ ...current, ...tags }));
    return jsonResult(204, undefined);
  });

  router.add("DELETE", "/2017-03-31/tags/{Resource}", async (req, p) => {
    const keys = req.query.getAll("tagKeys");
    if (keys.length === 0) throw missing("TagKeys");
    await functions.setTags(tagResource(p.Resource), (current) => {
      for (const key of keys) delete current[key];
      return current;
    });
    return jsonResult(204, undefined);
  });

  router.add("GET", "/2016-08-19/account-settings", async () => {
    const usage = await functions.usage();
    return jsonResult(200, {
      AccountLimit: {
        TotalCodeSize: 80_530_636_800,
        CodeSizeUnzipped: deps.limits.maxUnzippedBytes,
        CodeSizeZipped: deps.limits.maxZipBytes,
        ConcurrentExecutions: deps.limits.accountConcurrency,
        UnreservedConcurrentExecutions: await deps.reservations.unreserved(),
      },
      AccountUsage: { TotalCodeSize: usage.totalCodeSize, FunctionCount: usage.functionCount },
    });
  });
}

function missing(member: string): PlatformError {
  return new PlatformError({
    code: "ERR_AWS_VALIDATION",
    message: `1 validation error detected: Value null at '${member.charAt(0).toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must not be null`,
    status: 400,
    awsName: "ValidationException",
  });
}

/** The bare function name of a FunctionName member (name, partial ARN or ARN). */
function functionName(raw: string): string {
  const ref = parseFunctionRef(raw);
  if (!ref) throw functionsError.invalid(`Invalid function name: ${raw}`);
  if (ref.qualifier !== undefined)
    throw functionsError.invalid("FunctionName must not include a qualifier on create.");
  return ref.name;
}

/** Validates a FunctionName path label the way AWS does (ValidationException). */
function pathName(raw: string | undefined): string {
  const value = raw ?? "";
  if (value.length === 0 || value.length > 256 || !FUNCTION_NAME.test(value)) {
    throw new PlatformError({
      code: "ERR_AWS_VALIDATION",
      message: `1 validation error detected: Value '${value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${FUNCTION_NAME.source}`,
      status: 400,
      awsName: "ValidationException",
    });
  }
  return value;
}

function tagResource(raw: string | undefined): string {
  const value = raw ?? "";
  if (!value.startsWith("arn:")) throw functionsError.invalid(`Resource ${value} is not a valid ARN.`);
  return pathName(value);
}

function readZip(code: Record<string, unknown> | undefined): Buffer {
  if (code === undefined) throw missing("Code");
  for (const member of ["S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri", "SourceKMSKeyArn"]) {
    if (code[member] !== undefined) {
      throw functionsError.unsupported(
        `Code.${member} is not supported by this Nimbus version; upload the archive as Code.ZipFile.`,
      );
    }
  }
  const zipFile = code.ZipFile;
  if (typeof zipFile !== "string" || zipFile.length === 0)
    throw functionsError.invalid("Code.ZipFile is required.");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(zipFile)) throw functionsError.invalid("Code.ZipFile must be base64.");
  return Buffer.from(zipFile, "base64");
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function pageSize(raw: string | null, max: number): number {
  if (raw === null) return max;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10000)
    throw functionsError.invalid(`MaxItems must be between 1 and 10000.`);
  return Math.min(n, max);
}

function encodeMarker(value: string): string {
  return Buffer.from(value, "utf8").toString("base64url");
}

function decodeMarker(marker: string): string {
  return Buffer.from(marker, "base64url").toString("utf8");
}
