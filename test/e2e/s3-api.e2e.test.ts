import { createHash } from "node:crypto";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { errorOf, md5 } from "../support/s3.js";

let nimbus: TestNimbus;
let s3: S3Client;

beforeAll(async () => {
  nimbus = await startNimbus();
  s3 = new S3Client({ ...clientConfig(nimbus.url), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: "objects" }));
});

afterAll(async () => {
  s3?.destroy();
  await nimbus?.stop();
});

describe("buckets", () => {
  it("creates, lists, heads, locates and deletes buckets", async () => {
    await s3.send(
      new CreateBucketCommand({
        Bucket: "eu-bucket",
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toEqual(expect.arrayContaining(["objects", "eu-bucket"]));
    expect(listed.Buckets?.[0]?.CreationDate).toBeInstanceOf(Date);
    const head = await s3.send(new HeadBucketCommand({ Bucket: "eu-bucket" }));
    expect(head.BucketRegion).toBe("eu-west-1");
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: "eu-bucket" }))).LocationConstraint).toBe(
      "eu-west-1",
    );
    expect(
      (await s3.send(new GetBucketLocationCommand({ Bucket: "objects" }))).LocationConstraint,
    ).toBeUndefined();
    expect((await s3.send(new GetBucketAclCommand({ Bucket: "objects" }))).Grants?.[0]?.Permission).toBe(
      "FULL_CONTROL",
    );
    await s3.send(new DeleteBucketCommand({ Bucket: "eu-bucket" }));
    const missing = await errorOf(s3.send(new HeadBucketCommand({ Bucket: "eu-bucket" })));
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(missing.name).toBe("NotFound");
  });

  it("answers the bucket errors S3 answers", async () => {
    expect((await errorOf(s3.send(new CreateBucketCommand({ Bucket: "objects" })))).name).toBe(
      "BucketAlreadyOwnedByYou",
    );
    const invalid = await errorOf(s3.send(new CreateBucketCommand({ Bucket: "Bad_Name" })));
    expect(invalid.name).toBe("InvalidBucketName");
    expect(invalid.$metadata.httpStatusCode).toBe(400);
    await s3.send(new CreateBucketCommand({ Bucket: "full-bucket" }));
    await s3.send(new PutObjectCommand({ Bucket: "full-bucket", Key: "k", Body: "x" }));
    const notEmpty = await errorOf(s3.send(new DeleteBucketCommand({ Bucket: "full-bucket" })));
    expect(notEmpty.name).toBe("BucketNotEmpty");
    expect(notEmpty.$metadata.httpStatusCode).toBe(409);
    const noBucket = await errorOf(s3.send(new GetObjectCommand({ Bucket: "no-such-bucket", Key: "k" })));
    expect(noBucket.name).toBe("NoSuchBucket");
    const lifecycle = await errorOf(
      s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: "objects",
          LifecycleConfiguration: { Rules: [] },
        }),
      ),
    );
    expect(lifecycle.$metadata.httpStatusCode).toBe(501);
    expect(lifecycle.name).toBe("NotImplemented");
    expect(lifecycle.message).toContain("lifecycle");
    const owner = await errorOf(
      s3.send(new HeadBucketCommand({ Bucket: "objects", ExpectedBucketOwner: "111111111111" })),
    );
    expect(owner.$metadata.httpStatusCode).toBe(403);
    await s3.send(new HeadBucketCommand({ Bucket: "objects", ExpectedBucketOwner: "000000000000" }));
    const locked = await errorOf(
      s3.send(new CreateBucketCommand({ Bucket: "locked-bucket", ObjectLockEnabledForBucket: true })),
    );
    expect(locked.name).toBe("NotImplemented");
  });
});

describe("objects", () => {
  it("accepts SSE-S3 (AES256), S3's default, and refuses KMS encryption by name", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: "objects", Key: "sse.txt", Body: "x", ServerSideEncryption: "AES256" }),
    );
    const kms = await errorOf(
      s3.send(
        new PutObjectCommand({
          Bucket: "objects",
          Key: "kms.txt",
          Body: "x",
          ServerSideEncryption: "aws:kms",
        }),
      ),
    );
    expect(kms.name).toBe("NotImplemented");
    expect(kms.message).toContain("aws:kms");
  });

  it("puts and gets an object with its type, metadata and stored headers", async () => {
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: "objects",
        Key: "docs/hello world.txt",
        Body: "hello world",
        ContentType: "text/plain",
        Metadata: { author: "nimbus", "Mixed-Case": "v" },
        CacheControl: "max-age=60",
        ContentDisposition: "attachment",
        ContentLanguage: "en",
        Expires: new Date("2030-01-01T00:00:00Z"),
      }),
    );
    expect(put.ETag).toBe(`"${md5("hello world")}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "docs/hello world.txt" }));
    expect(await got.Body?.transformToString()).toBe("hello world");
    expect(got.ContentType).toBe("text/plain");
    expect(got.ContentLength).toBe(11);
    expect(got.ETag).toBe(put.ETag);
    expect(got.Metadata).toEqual({ author: "nimbus", "mixed-case": "v" });
    expect(got.CacheControl).toBe("max-age=60");
    expect(got.ContentDisposition).toBe("attachment");
    expect(got.ContentLanguage).toBe("en");
    expect(got.ExpiresString ?? got.Expires?.toUTCString()).toContain("2030");
    expect(got.LastModified).toBeInstanceOf(Date);
    expect(got.$metadata.requestId).toBeTruthy();
    expect(got.$metadata.extendedRequestId).toBeTruthy();
    const head = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "docs/hello world.txt" }));
    expect(head.ContentLength).toBe(11);
    expect(head.Metadata?.author).toBe("nimbus");
  });

  it("stores binary bodies byte for byte, empty ones too", async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "bin", Body: bytes }));
    const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "bin" }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(bytes)).toBe(true);
    await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "empty", Body: "" }));
    const empty = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "empty" }));
    expect(empty.ContentLength).toBe(0);
    expect(await empty.Body?.transformToString()).toBe("");
  });

  it("checks Content-MD5 (BadDigest)", async () => {
    const wrong = Buffer.from(md5("other"), "hex").toString("base64");
    const error = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: "objects", Key: "md5", Body: "data", ContentMD5: wrong })),
    );
    expect(error.name).toBe("BadDigest");
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "md5" })))).name).toBe(
      "NotFound",
    );
    const right = Buffer.from(md5("data"), "hex").toString("base64");
    await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "md5", Body: "data", ContentMD5: right }));
    const sha = (s: string) => createHash("sha256").update(s).digest("base64");
    const badSha = await errorOf(
      s3.send(
        new PutObjectCommand({ Bucket: "objects", Key: "sha", Body: "data", ChecksumSHA256: sha("other") }),
      ),
    );
    expect(badSha.name).toBe("BadDigest");
    await s3.send(
      new PutObjectCommand({ Bucket: "objects", Key: "sha", Body: "data", ChecksumSHA256: sha("data") }),
    );
    const crc = (value: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(value);
      return b.toString("base64");
    };
    const badCrc = await errorOf(
      s3.send(new PutObjectCommand({ Bucket: "objects", Key: "crc", Body: "abc", ChecksumCRC32: crc(1) })),
    );
    expect(badCrc.name).toBe("BadDigest");
    // The SDK computes CRC32 itself by default; S3 echoes it, and returns it on GET when asked.
    const put = await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "crc", Body: "abc" }));
    expect(put.ChecksumCRC32).toBe(crc(0x352441c2));
    const got = await s3.send(
      new GetObjectCommand({ Bucket: "objects", Key: "crc", ChecksumMode: "ENABLED" }),
    );
    expect(got.ChecksumCRC32).toBe(crc(0x352441c2));
    expect(await got.Body?.transformToString()).toBe("abc");
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: "objects", Key: "crc", ChecksumMode: "ENABLED", Range: "bytes=0-0" }),
    );
    expect(ranged.ChecksumCRC32).toBeUndefined();
    await ranged.Body?.transformToString();
  });

  it("serves ranges and conditional requests", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "digits", Body: "0123456789" }));
    const part = await s3.send(
      new GetObjectCommand({ Bucket: "objects", Key: "digits", Range: "bytes=2-4" }),
    );
    expect(await part.Body?.transformToString()).toBe("234");
    expect(part.ContentRange).toBe("bytes 2-4/10");
    expect(part.$metadata.httpStatusCode).toBe(206);
    const suffix = await s3.send(
      new GetObjectCommand({ Bucket: "objects", Key: "digits", Range: "bytes=-3" }),
    );
    expect(await suffix.Body?.transformToString()).toBe("789");
    const open = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "digits", Range: "bytes=7-" }));
    expect(await open.Body?.transformToString()).toBe("789");
    const invalid = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: "objects", Key: "digits", Range: "bytes=20-" })),
    );
    expect(invalid.name).toBe("InvalidRange");
    expect(invalid.$metadata.httpStatusCode).toBe(416);

    const etag = (await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "digits" }))).ETag;
    const notModified = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: "objects", Key: "digits", IfNoneMatch: etag })),
    );
    expect(notModified.$metadata.httpStatusCode).toBe(304);
    const failed = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: "objects", Key: "digits", IfMatch: '"nope"' })),
    );
    expect(failed.name).toBe("PreconditionFailed");
    expect(failed.$metadata.httpStatusCode).toBe(412);
    const future = new Date(Date.now() + 3600_000);
    const since = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: "objects", Key: "digits", IfModifiedSince: future })),
    );
    expect(since.$metadata.httpStatusCode).toBe(304);
    const past = new Date(Date.now() - 3600_000);
    const unmodified = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: "objects", Key: "digits", IfUnmodifiedSince: past })),
    );
    expect(unmodified.$metadata.httpStatusCode).toBe(412);
    const ok = await s3.send(
      new GetObjectCommand({
        Bucket: "objects",
        Key: "digits",
        IfMatch: etag,
        ResponseContentType: "text/csv",
      }),
    );
    expect(ok.ContentType).toBe("text/csv");
    await ok.Body?.transformToString();
  });

  it("deletes objects, absent ones with 204 too, and in batches", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "gone", Body: "x" }));
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "gone" }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(
      (await s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "gone" }))).$metadata.httpStatusCode,
    ).toBe(204);
    const missing = await errorOf(s3.send(new GetObjectCommand({ Bucket: "objects", Key: "gone" })));
    expect(missing.name).toBe("NoSuchKey");
    expect((missing as unknown as { Key?: string }).Key ?? "gone").toBe("gone");

    for (const key of ["batch/a", "batch/b"])
      await s3.send(new PutObjectCommand({ Bucket: "objects", Key: key, Body: key }));
    const batch = await s3.send(
      new DeleteObjectsCommand({
        Bucket: "objects",
        Delete: { Objects: [{ Key: "batch/a" }, { Key: "batch/b" }, { Key: "batch/none" }] },
      }),
    );
    expect(batch.Deleted?.map((d) => d.Key).sort()).toEqual(["batch/a", "batch/b", "batch/none"]);
    const quiet = await s3.send(
      new DeleteObjectsCommand({
        Bucket: "objects",
        Delete: { Quiet: true, Objects: [{ Key: "x".repeat(1100) }, { Key: "batch/c" }] },
      }),
    );
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(quiet.Errors?.[0]?.Code).toBe("KeyTooLongError");
  });

  it("copies objects with URL-encoded sources and both metadata directives", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: "objects",
        Key: "src/a b+c.txt",
        Body: "copy me",
        ContentType: "text/plain",
        Metadata: { m: "1" },
      }),
    );
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket: "objects",
        Key: "dst/copy.txt",
        CopySource: `objects/${encodeURIComponent("src/a b+c.txt")}`,
      }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5("copy me")}"`);
    expect(copied.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const same = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "dst/copy.txt" }));
    expect(await same.Body?.transformToString()).toBe("copy me");
    expect(same.Metadata).toEqual({ m: "1" });
    expect(same.ContentType).toBe("text/plain");
    await s3.send(
      new CopyObjectCommand({
        Bucket: "objects",
        Key: "dst/copy.txt",
        CopySource: "objects/dst/copy.txt",
        MetadataDirective: "REPLACE",
        Metadata: { n: "2" },
        ContentType: "text/markdown",
      }),
    );
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "dst/copy.txt" }));
    expect(replaced.Metadata).toEqual({ n: "2" });
    expect(replaced.ContentType).toBe("text/markdown");
    const self = await errorOf(
      s3.send(
        new CopyObjectCommand({ Bucket: "objects", Key: "dst/copy.txt", CopySource: "objects/dst/copy.txt" }),
      ),
    );
    expect(self.name).toBe("InvalidRequest");
    const noSource = await errorOf(
      s3.send(new CopyObjectCommand({ Bucket: "objects", Key: "x", CopySource: "objects/none" })),
    );
    expect(noSource.name).toBe("NoSuchKey");
  });
});
