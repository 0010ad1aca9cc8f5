import type { AwsCalls } from "../aws-calls.js";
import { stackError } from "../errors.js";

/** CloudFormation's limit on TemplateBody (TemplateURL allows 1 MB). */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;
export const MAX_TEMPLATE_URL_BYTES = 1_048_576;

/**
 * The text of a template given by TemplateURL: an object in a Nimbus bucket, addressed
 * path-style (`https://s3.amazonaws.com/bucket/key`, `http://127.0.0.1:4566/bucket/key`,
 * `https://s3.<region>.amazonaws.com/bucket/key`) or virtual-host style
 * (`https://bucket.s3.amazonaws.com/key`, `https://bucket.s3.<region>.amazonaws.com/key`,
 * `http://bucket.localhost:4566/key`, `http://bucket.s3.localhost:4566/key`),
 * read through the in-process S3 API. Other hosts are not fetched: Nimbus serves templates from
 * its own buckets only.
 */
export async function readTemplateUrl(api: AwsCalls, url: string): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw stackError.templateUrl("TemplateURL must be a supported URL.");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw stackError.templateUrl("TemplateURL must be a supported URL.");
  const bucket = virtualHostBucket(parsed.hostname);
  const path = bucket ? `/${bucket}${parsed.pathname}` : parsed.pathname;
  if (!/^\/[^/]+\/.+/.test(path))
    throw stackError.templateUrl(`TemplateURL must reference a valid S3 object to which you have access.`);
  let body: Buffer;
  try {
    body = (await api.s3("GET", path)).body;
  } catch {
    throw stackError.templateUrl("TemplateURL must reference a valid S3 object to which you have access.");
  }
  if (body.length > MAX_TEMPLATE_URL_BYTES)
    throw stackError.validation(
      `1 validation error detected: Value 'TemplateURL' failed to satisfy constraint: the template at TemplateURL is larger than ${MAX_TEMPLATE_URL_BYTES} bytes`,
    );
  return body.toString("utf8");
}

/** The template text of a request: TemplateBody (51,200 bytes at most) or TemplateURL. */
export async function templateText(
  api: AwsCalls,
  source: { templateBody?: string | undefined; templateUrl?: string | undefined },
): Promise<string> {
  if (source.templateBody !== undefined && source.templateUrl !== undefined)
    throw stackError.validation("Specify exactly one of TemplateBody or TemplateUrl.");
  if (source.templateBody !== undefined) {
    if (Buffer.byteLength(source.templateBody) > MAX_TEMPLATE_BODY_BYTES)
      throw stackError.validation(
        `1 validation error detected: Value '${source.templateBody.slice(0, 20)}...' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TEMPLATE_BODY_BYTES}`,
      );
    return source.templateBody;
  }
  if (source.templateUrl !== undefined) return readTemplateUrl(api, source.templateUrl);
  throw stackError.validation("Either Template URL or Template Body must be specified.");
}

/** The bucket of a virtual-hosted S3 address (AWS's, or Nimbus's `*.localhost` ones). */
function virtualHostBucket(hostname: string): string | undefined {
  const aws = /^(.+)\.s3(?:[.-][a-z0-9-]+)?(?:\.[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/.exec(hostname);
  if (aws) return aws[1];
  if (/\.(lambda-url|execute-api)\./.test(hostname)) return undefined;
  return /^(.+?)(?:\.s3)?\.localhost$/.exec(hostname)?.[1];
}
