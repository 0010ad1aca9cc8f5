import type { AwsRequest } from "../../aws/http-types.js";
import { jsonResult, readJsonBody } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import { WireReader } from "../../aws/wire-validation.js";
import { PlatformError } from "../../core/errors.js";
import { lambdaTimestamp } from "../../core/time-format.js";
import { functionsError } from "../errors.js";
import { AWS_RUNTIME_IDS } from "../runtimes.js";
import type { LayerStatement, LayerVersionRecord } from "./layer-model.js";
import type { LayerFilter, LayerService } from "./layer-service.js";

export interface LayerApiDeps {
  layers: LayerService;
  /** A URL on this server that serves the archive (LayerVersion Content.Location). */
  codeUrl: (req: AwsRequest, codeKey: string) => string;
}

const LAYER_NAME = /^(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)$|^[a-zA-Z0-9-_]+$/;
const LAYER_VERSION_ARN =
  /^arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$/;
const STATEMENT_ID = /^[a-zA-Z0-9-_]+$/;
const ACTION = /^lambda:GetLayerVersion$/;
const PRINCIPAL = /^(\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root)$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ARCHITECTURES = ["x86_64", "arm64"] as const;
const MAX_PAGE = 50;

/**
 * Layer operations (restJson1, lambda-api.md sections 3 and 4.6): publish, get, list, delete,
 * and the layer version resource policy. Needs the `2018-10-31` path prefix on the Lambda service.
 */
export function addLayerRoutes(router: RestRouter, deps: LayerApiDeps): void {
  const { layers } = deps;
  const base = "/2018-10-31/layers";
  const version = `${base}/{LayerName}/versions/{VersionNumber}`;

  router.add("POST", `${base}/{LayerName}/versions`, async (req, p) => {
    const name = layerName(p.LayerName);
    const input = readJsonBody(req);
    const reader = new WireReader(input);
    const content = reader.object("Content");
    const description = reader.string("Description", { max: 256 });
    const licenseInfo = reader.string("LicenseInfo", { max: 512 });
    const runtimes = reader.stringList("CompatibleRuntimes") ?? [];
    const architectures = reader.stringList("CompatibleArchitectures") ?? [];
    if (runtimes.length > 15)
      reader.fail(
        JSON.stringify(runtimes),
        "compatibleRuntimes",
        "Member must have length less than or equal to 15",
      );
    for (const runtime of runtimes) checkEnum(reader, runtime, "compatibleRuntimes", AWS_RUNTIME_IDS);
    if (architectures.length > 2)
      reader.fail(
        JSON.stringify(architectures),
        "compatibleArchitectures",
        "Member must have length less than or equal to 2",
      );
    for (const arch of architectures) checkEnum(reader, arch, "compatibleArchitectures", ARCHITECTURES);
    reader.done();
    const record = await layers.publish(name, {
      zip: readContent(content),
      description: description ?? "",
      licenseInfo,
      compatibleRuntimes: runtimes,
      compatibleArchitectures: architectures,
    });
    return jsonResult(201, layerVersion(req, record));
  });

  router.add("GET", version, async (req, p) =>
    jsonResult(
      200,
      layerVersion(req, await layers.get(layerName(p.LayerName), versionNumber(p.VersionNumber))),
    ),
  );

  // ListLayers and GetLayerVersionByArn (`?find=LayerVersion&Arn=...`) share the path.
  router.add("GET", base, async (req) => {
    if (req.query.get("find") === "LayerVersion") {
      const arn = req.query.get("Arn");
      if (arn === null) throw missing("Arn");
      if (arn.length > 140 || !LAYER_VERSION_ARN.test(arn)) {
        throw validation(
          arn,
          "arn",
          `Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN.source}`,
        );
      }
      return jsonResult(200, layerVersion(req, await layers.getByArn(arn)));
    }
    const all = await layers.listLayers(readFilter(req));
    const page = paginate(req, all);
    return jsonResult(200, {
      Layers: page.items.map((l) => ({
        LayerName: l.name,
        LayerArn: layers.layerArn(l.name),
        LatestMatchingVersion: listItem(l.latest),
      })),
      ...(page.next ? { NextMarker: page.next } : {}),
    });
  });

  router.add("GET", `${base}/{LayerName}/versions`, async (req, p) => {
    const all = await layers.listVersions(layerName(p.LayerName), readFilter(req));
    const page = paginate(req, all);
    return jsonResult(200, {
      LayerVersions: page.items.map(listItem),
      ...(page.next ? { NextMarker: page.next } : {}),
    });
  });

  router.add("DELETE", version, async (_req, p) => {
    await layers.delete(layerName(p.LayerName), versionNumber(p.VersionNumber));
    return jsonResult(204, undefined);
  });

  router.add("POST", `${version}/policy`, async (req, p) => {
    const reader = new WireReader(readJsonBody(req));
    const sid = reader.string("StatementId", { min: 1, max: 100, pattern: STATEMENT_ID });
    const action = reader.string("Action", { max: 22, pattern: ACTION });
    const principal = reader.string("Principal", { pattern: PRINCIPAL });
    const organizationId = reader.string("OrganizationId", { max: 34, pattern: ORGANIZATION_ID });
    reader.done();
    if (sid === undefined) throw missing("StatementId");
    if (action === undefined) throw missing("Action");
    if (principal === undefined) throw missing("Principal");
    if (organizationId !== undefined && principal !== "*") {
      throw functionsError.invalid("OrganizationId can only be used with Principal '*'.");
    }
    const statement: LayerStatement = { sid, action, principal, organizationId };
    const name = layerName(p.LayerName);
    const number = versionNumber(p.VersionNumber);
    const added = await layers.addPermission(
      name,
      number,
      statement,
      req.query.get("RevisionId") ?? undefined,
    );
    return jsonResult(201, {
      Statement: JSON.stringify(statementJson(statement, layers.versionArn(added.record.name, number))),
      RevisionId: added.revisionId,
    });
  });

  router.add("GET", `${version}/policy`, async (_req, p) => {
    const number = versionNumber(p.VersionNumber);
    const { record, statements, revisionId } = await layers.getPolicy(layerName(p.LayerName), number);
    const resource = layers.versionArn(record.name, number);
    const policy = {
      Version: "2012-10-17",
      Id: "default",
      Statement: statements.map((s) => statementJson(s, resource)),
    };
    return jsonResult(200, { Policy: JSON.stringify(policy), RevisionId: revisionId });
  });

  router.add("DELETE", `${version}/policy/{StatementId}`, async (req, p) => {
    const sid = p.StatementId ?? "";
    if (sid.length === 0 || sid.length > 100 || !STATEMENT_ID.test(sid)) {
      throw validation(
        sid,
        "statementId",
        `Member must satisfy regular expression pattern: ${STATEMENT_ID.source}`,
      );
    }
    await layers.removePermission(
      layerName(p.LayerName),
      versionNumber(p.VersionNumber),
      sid,
      req.query.get("RevisionId") ?? undefined,
    );
    return jsonResult(204, undefined);
  });

  /** LayerVersion (Publish/Get/GetByArn responses). */
  function layerVersion(req: AwsRequest, v: LayerVersionRecord): Record<string, unknown> {
    return {
      Content: {
        Location: deps.codeUrl(req, v.codeKey),
        CodeSha256: v.codeSha256,
        CodeSize: v.codeSizeBytes,
      },
      LayerArn: layers.layerArn(v.name),
      ...listItem(v),
    };
  }

  /** LayerVersionsListItem (ListLayerVersions, ListLayers' LatestMatchingVersion). */
  function listItem(v: LayerVersionRecord): Record<string, unknown> {
    return {
      LayerVersionArn: layers.versionArn(v.name, v.version),
      Version: v.version,
      Description: v.description,
      CreatedDate: lambdaTimestamp(v.createdAt),
      ...(v.compatibleRuntimes.length > 0 ? { CompatibleRuntimes: v.compatibleRuntimes } : {}),
      ...(v.compatibleArchitectures.length > 0 ? { CompatibleArchitectures: v.compatibleArchitectures } : {}),
      ...(v.licenseInfo === undefined ? {} : { LicenseInfo: v.licenseInfo }),
    };
  }
}

/** A policy statement as Lambda renders it: account principals become `arn:aws:iam::<id>:root`. */
function statementJson(s: LayerStatement, resource: string): Record<string, unknown> {
  const principal =
    s.principal === "*"
      ? "*"
      : { AWS: /^\d{12}$/.test(s.principal) ? `arn:aws:iam::${s.principal}:root` : s.principal };
  return {
    Sid: s.sid,
    Effect: "Allow",
    Principal: principal,
    Action: s.action,
    Resource: resource,
    ...(s.organizationId === undefined
      ? {}
      : { Condition: { StringEquals: { "aws:PrincipalOrgID": s.organizationId } } }),
  };
}

function readContent(content: Record<string, unknown> | undefined): Buffer {
  if (content === undefined) throw missing("Content");
  for (const member of ["S3Bucket", "S3Key", "S3ObjectVersion", "S3ObjectStorageMode"]) {
    if (content[member] !== undefined) {
      throw functionsError.unsupported(
        `Content.${member} is not supported by this Nimbus version; upload the archive as Content.ZipFile.`,
      );
    }
  }
  const zipFile = content.ZipFile;
  if (typeof zipFile !== "string" || zipFile.length === 0)
    throw functionsError.invalid("Content.ZipFile is required.");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(zipFile))
    throw functionsError.invalid("Content.ZipFile must be base64.");
  return Buffer.from(zipFile, "base64");
}

function readFilter(req: AwsRequest): LayerFilter {
  const runtime = req.query.get("CompatibleRuntime") ?? undefined;
  const architecture = req.query.get("CompatibleArchitecture") ?? undefined;
  const reader = new WireReader({});
  if (runtime !== undefined) checkEnum(reader, runtime, "compatibleRuntime", AWS_RUNTIME_IDS);
  if (architecture !== undefined) checkEnum(reader, architecture, "compatibleArchitecture", ARCHITECTURES);
  reader.done();
  return { runtime, architecture };
}

function checkEnum(reader: WireReader, value: string, member: string, allowed: readonly string[]): void {
  if (!allowed.includes(value)) {
    reader.fail(value, member, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
  }
}

function layerName(raw: string | undefined): string {
  const value = raw ?? "";
  if (value.length === 0 || value.length > 140 || !LAYER_NAME.test(value)) {
    throw validation(
      value,
      "layerName",
      `Member must satisfy regular expression pattern: ${LAYER_NAME.source}`,
    );
  }
  return value;
}

function versionNumber(raw: string | undefined): number {
  const value = raw ?? "";
  if (!/^-?\d{1,18}$/.test(value)) {
    throw new PlatformError({
      code: "ERR_AWS_SERIALIZATION",
      message: `Member VersionNumber must be a number, got '${value}'.`,
      status: 400,
      awsName: "SerializationException",
    });
  }
  return Number(value);
}

function paginate<T>(req: AwsRequest, items: T[]): { items: T[]; next?: string } {
  const raw = req.query.get("MaxItems");
  const max = raw === null ? MAX_PAGE : Number(raw);
  if (!Number.isInteger(max) || max < 1) {
    throw validation(raw ?? "", "maxItems", "Member must have value greater than or equal to 1");
  }
  if (max > MAX_PAGE) {
    throw validation(raw ?? "", "maxItems", `Member must have value less than or equal to ${MAX_PAGE}`);
  }
  const marker = req.query.get("Marker");
  const start = marker ? Number(Buffer.from(marker, "base64url").toString("utf8")) : 0;
  if (!Number.isInteger(start) || start < 0) throw functionsError.invalid("Marker is not valid.");
  const slice = items.slice(start, start + max);
  return start + max < items.length
    ? { items: slice, next: Buffer.from(String(start + max), "utf8").toString("base64url") }
    : { items: slice };
}

function validation(value: string, member: string, constraint: string): PlatformError {
  return new PlatformError({
    code: "ERR_AWS_VALIDATION",
    message: `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
    status: 400,
    awsName: "ValidationException",
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
