import type { TemplateObject, TemplateValue } from "../model.js";
import { SamResourceError } from "./errors.js";
import { isIntrinsic, isObject, resolveParameterRefs } from "./util.js";

export interface S3Location {
  bucket: TemplateValue;
  key: TemplateValue;
  version?: TemplateValue;
}

/**
 * Reads a SAM artifact location (CodeUri, ContentUri, DefinitionUri): an `s3://bucket/key`
 * string (or a Ref to a parameter holding one), or `{ Bucket, Key, Version }`. A local path
 * is an error: `nimbus deploy` / `aws cloudformation package` upload it and rewrite the
 * template first.
 */
export function s3Location(
  value: TemplateValue | undefined,
  logicalId: string,
  property: string,
  parameters: Record<string, string | string[]>,
): S3Location {
  const resolved = isIntrinsic(value) ? resolveParameterRefs(value, parameters) : value;
  if (typeof resolved === "string") {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(resolved);
    if (match === null) {
      if (resolved.startsWith("s3://")) {
        throw new SamResourceError(
          logicalId,
          `'${property}' is not a valid S3 Uri of the form 's3://bucket/key'.`,
        );
      }
      throw new SamResourceError(
        logicalId,
        `${property} ${resolved} is a local path: package it first (nimbus deploy or aws cloudformation package).`,
        true,
      );
    }
    const [, bucket, keyAndQuery] = match as unknown as [string, string, string];
    // `s3://bucket/key?versionId=...` is SAM's way to pin a version in a URI.
    const [key, query] = keyAndQuery.split("?", 2) as [string, string | undefined];
    const versionId = query === undefined ? null : new URLSearchParams(query).get("versionId");
    return versionId === null ? { bucket, key } : { bucket, key, version: versionId };
  }
  if (isObject(resolved) && !isIntrinsic(resolved)) {
    if (resolved.Bucket === undefined || resolved.Key === undefined) {
      throw new SamResourceError(
        logicalId,
        `'${property}' requires Bucket and Key properties to be specified.`,
      );
    }
    const out: S3Location = { bucket: resolved.Bucket, key: resolved.Key };
    if (resolved.Version !== undefined) out.version = resolved.Version;
    return out;
  }
  throw new SamResourceError(
    logicalId,
    `'${property}' must be an 's3://bucket/key' string or an object with Bucket and Key (or a Ref to a parameter holding the URI).`,
  );
}

/** `{ S3Bucket, S3Key, S3ObjectVersion }` (Lambda Code and LayerVersion Content). */
export function lambdaCode(location: S3Location): TemplateObject {
  const code: TemplateObject = { S3Bucket: location.bucket, S3Key: location.key };
  if (location.version !== undefined) code.S3ObjectVersion = location.version;
  return code;
}

/** `{ Bucket, Key, Version }` (BodyS3Location, DefinitionS3Location). */
export function s3Object(location: S3Location): TemplateObject {
  const out: TemplateObject = { Bucket: location.bucket, Key: location.key };
  if (location.version !== undefined) out.Version = location.version;
  return out;
}
