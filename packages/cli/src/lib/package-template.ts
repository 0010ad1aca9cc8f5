import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, resolve } from "node:path";
import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { ZipFile } from "yazl";
import { usageError } from "./cli-error.js";
import { readTemplateFile, type TemplateJson } from "./template-file.js";
import { zipFolder } from "./zip-folder.js";

/** How one resource type's artifact property is packaged (as `aws cloudformation package` does). */
interface ArtifactRule {
  type: string;
  property: string;
  /** `uri`: the value becomes `s3://bucket/key`; otherwise an object with these two keys. */
  form: "uri" | { bucket: string; key: string };
  /** A single file that is not a zip archive is zipped (code); otherwise uploaded as is. */
  forceZip: boolean;
  /** A missing property packages the template's folder (SAM functions' CodeUri). */
  packageNull: boolean;
}

const S3_CODE = { bucket: "S3Bucket", key: "S3Key" };
const S3_LOCATION = { bucket: "Bucket", key: "Key" };

/** The artifact properties packaged, after awscli's `artifact_exporter.py` list (the ones Nimbus deploys). */
export const ARTIFACT_RULES: readonly ArtifactRule[] = [
  { type: "AWS::Serverless::Function", property: "CodeUri", form: "uri", forceZip: true, packageNull: true },
  {
    type: "AWS::Serverless::LayerVersion",
    property: "ContentUri",
    form: "uri",
    forceZip: true,
    packageNull: false,
  },
  {
    type: "AWS::Serverless::StateMachine",
    property: "DefinitionUri",
    form: S3_LOCATION,
    forceZip: false,
    packageNull: false,
  },
  {
    type: "AWS::Serverless::Api",
    property: "DefinitionUri",
    form: "uri",
    forceZip: false,
    packageNull: false,
  },
  {
    type: "AWS::Serverless::HttpApi",
    property: "DefinitionUri",
    form: "uri",
    forceZip: false,
    packageNull: false,
  },
  { type: "AWS::Lambda::Function", property: "Code", form: S3_CODE, forceZip: true, packageNull: false },
  {
    type: "AWS::Lambda::LayerVersion",
    property: "Content",
    form: S3_CODE,
    forceZip: true,
    packageNull: false,
  },
  {
    type: "AWS::StepFunctions::StateMachine",
    property: "DefinitionS3Location",
    form: S3_LOCATION,
    forceZip: false,
    packageNull: false,
  },
  {
    type: "AWS::ApiGateway::RestApi",
    property: "BodyS3Location",
    form: S3_LOCATION,
    forceZip: false,
    packageNull: false,
  },
  {
    type: "AWS::ApiGatewayV2::Api",
    property: "BodyS3Location",
    form: S3_LOCATION,
    forceZip: false,
    packageNull: false,
  },
];

export interface PackageOptions {
  /** The artifacts bucket (default `nimbus-artifacts-<accountId>-<region>`). */
  bucket?: string;
  accountId?: string;
  region?: string;
  /** Progress lines (zipping, uploading, skipped uploads). */
  onProgress?: (line: string) => void;
}

/** One uploaded (or already present) artifact. */
export interface PackagedArtifact {
  logicalId: string;
  property: string;
  localPath: string;
  bucket: string;
  key: string;
  uploaded: boolean;
}

export interface PackageResult {
  template: TemplateJson;
  text: string;
  bucket: string;
  artifacts: PackagedArtifact[];
}

/** The artifacts bucket's name for an account and region. */
export function artifactsBucketName(accountId: string, region: string): string {
  return `nimbus-artifacts-${accountId}-${region}`;
}

/**
 * Packages a template's local artifacts exactly as `aws cloudformation package` does (folders
 * zipped deterministically, files uploaded as is, keys named by SHA-256 so unchanged code is not
 * uploaded twice) and returns the processed template as JSON text.
 */
export async function packageTemplate(
  templatePath: string,
  s3: S3Client,
  options: PackageOptions = {},
): Promise<string> {
  return (await packageTemplateFile(templatePath, s3, options)).text;
}

/** `packageTemplate` with the details: the processed template object and every artifact. */
export async function packageTemplateFile(
  templatePath: string,
  s3: S3Client,
  options: PackageOptions = {},
): Promise<PackageResult> {
  const template = await readTemplateFile(templatePath);
  return packageTemplateObject(template, dirname(resolve(templatePath)), s3, options);
}

/** Packages an already parsed template whose relative paths start at `baseDir`. Mutates and returns it. */
export async function packageTemplateObject(
  template: TemplateJson,
  baseDir: string,
  s3: S3Client,
  options: PackageOptions = {},
): Promise<PackageResult> {
  const region = options.region ?? (await s3.config.region());
  const bucket = options.bucket ?? artifactsBucketName(options.accountId ?? "000000000000", region);
  const uploader = new ArtifactUploader(s3, bucket, options.onProgress ?? (() => {}));
  const artifacts: PackagedArtifact[] = [];

  // Globals.Function.CodeUri: packaged once; functions without a CodeUri inherit it.
  const globalsFn = asObject(asObject(template.Globals)?.Function);
  const globalCodeUri = globalsFn?.CodeUri;
  if (globalsFn && typeof globalCodeUri === "string" && isLocalPath(globalCodeUri)) {
    const { key, uploaded, localPath } = await uploader.upload(
      baseDir,
      globalCodeUri,
      true,
      "Globals",
      "CodeUri",
    );
    globalsFn.CodeUri = `s3://${bucket}/${key}`;
    artifacts.push({ logicalId: "Globals.Function", property: "CodeUri", localPath, bucket, key, uploaded });
  }

  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const res = asObject(resource);
    if (!res || typeof res.Type !== "string") continue;
    for (const rule of ARTIFACT_RULES) {
      if (rule.type !== res.Type) continue;
      let props = asObject(res.Properties);
      let value = props?.[rule.property];
      if (value === undefined || value === null) {
        if (!rule.packageNull) continue;
        if (rule.type === "AWS::Serverless::Function") {
          // InlineCode, container images and an inherited Globals CodeUri need no package.
          if (props?.InlineCode !== undefined || props?.ImageUri !== undefined) continue;
          if (props?.PackageType === "Image" || globalCodeUri !== undefined) continue;
        }
        value = ".";
      }
      if (typeof value !== "string" || !isLocalPath(value)) continue;
      const { key, uploaded, localPath } = await uploader.upload(
        baseDir,
        value,
        rule.forceZip,
        logicalId,
        rule.property,
      );
      if (!props) {
        props = {};
        res.Properties = props;
      }
      props[rule.property] =
        rule.form === "uri" ? `s3://${bucket}/${key}` : { [rule.form.bucket]: bucket, [rule.form.key]: key };
      artifacts.push({ logicalId, property: rule.property, localPath, bucket, key, uploaded });
    }
  }
  return { template, text: JSON.stringify(template, null, 2), bucket, artifacts };
}

/** A value that names a local path: not an S3 or HTTP(S) URL. */
function isLocalPath(value: string): boolean {
  return value !== "" && !/^(s3|https?):\/\//i.test(value);
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Zips/uploads artifacts to one bucket; each local path is handled once per run. */
class ArtifactUploader {
  private bucketReady: Promise<void> | undefined;
  private readonly done = new Map<string, Promise<{ key: string; uploaded: boolean }>>();

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly progress: (line: string) => void,
  ) {}

  async upload(
    baseDir: string,
    value: string,
    forceZip: boolean,
    logicalId: string,
    property: string,
  ): Promise<{ key: string; uploaded: boolean; localPath: string }> {
    const localPath = isAbsolute(value) ? value : resolve(baseDir, value);
    const cacheKey = `${localPath}\0${forceZip}`;
    let pending = this.done.get(cacheKey);
    if (!pending) {
      pending = this.prepareAndPut(localPath, value, forceZip, logicalId, property);
      this.done.set(cacheKey, pending);
    }
    return { ...(await pending), localPath };
  }

  private async prepareAndPut(
    localPath: string,
    value: string,
    forceZip: boolean,
    logicalId: string,
    property: string,
  ): Promise<{ key: string; uploaded: boolean }> {
    const info = await stat(localPath).catch(() => undefined);
    if (!info) {
      throw usageError(
        `Unable to upload artifact ${value} referenced by ${property} parameter of ${logicalId} resource: ${localPath} does not exist.`,
      );
    }
    let body: Buffer;
    let ext: string;
    if (info.isDirectory()) {
      this.progress(`Zipping ${value} (${logicalId}.${property})`);
      body = await zipFolder(localPath);
      ext = ".zip";
    } else {
      const data = await readFile(localPath);
      if (forceZip && !isZip(data)) {
        body = await zipSingleFile(data, basename(localPath), info.mode);
        ext = ".zip";
      } else {
        body = data;
        ext = extname(localPath);
      }
    }
    const key = `${createHash("sha256").update(body).digest("hex")}${ext}`;
    await this.ensureBucket();
    if (await this.exists(key)) {
      this.progress(`  ${key} already in s3://${this.bucket} (${logicalId}); not uploading`);
      return { key, uploaded: false };
    }
    this.progress(`Uploading ${value} to s3://${this.bucket}/${key} (${formatBytes(body.length)})`);
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
    return { key, uploaded: true };
  }

  private ensureBucket(): Promise<void> {
    this.bucketReady ??= ensureBucket(this.s3, this.bucket, this.progress);
    return this.bucketReady;
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

/** Creates the bucket when it does not exist yet. */
export async function ensureBucket(
  s3: S3Client,
  bucket: string,
  progress: (line: string) => void,
): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    progress(`Creating the artifacts bucket ${bucket}`);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (createError) {
      if ((createError as Error).name !== "BucketAlreadyOwnedByYou") throw createError;
    }
  }
}

/** Uploads one object under its SHA-256 (the template itself, when too large for TemplateBody); returns the key. */
export async function uploadBlob(
  s3: S3Client,
  bucket: string,
  body: string | Buffer,
  ext: string,
): Promise<string> {
  const key = `${createHash("sha256").update(body).digest("hex")}${ext}`;
  await ensureBucket(s3, bucket, () => {});
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return key;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === "NotFound" ||
    e.name === "NoSuchKey" ||
    e.name === "NoSuchBucket" ||
    e.$metadata?.httpStatusCode === 404
  );
}

/** A zip archive starts with a local file header (or is an empty archive). */
function isZip(data: Buffer): boolean {
  return data.length >= 4 && data.readUInt32LE(0) === 0x04034b50;
}

/** A single file zipped at the archive's root (`aws cloudformation package` copies it to a temp folder first). */
async function zipSingleFile(data: Buffer, name: string, mode: number): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addBuffer(data, name, { mtime: new Date("1980-01-01T00:00:00Z"), mode, compress: true });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolveZip, reject) => {
    zip.outputStream.on("data", (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on("end", () => resolveZip(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
  });
  zip.end();
  return done;
}

function formatBytes(n: number): string {
  return n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${(n / 1048576).toFixed(1)} MiB`;
}
