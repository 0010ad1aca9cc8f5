import { createHash } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
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

describe("listing", () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "listing" }));
    const keys = [
      "a.txt",
      "photos/2024/a.jpg",
      "photos/2024/b.jpg",
      "photos/2025/c.jpg",
      "photos/d e.jpg",
      "z.txt",
    ];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: "listing", Key: key, Body: key }));
  });

  it("lists with prefix, delimiter, max-keys and continuation", async () => {
    const top = await s3.send(new ListObjectsV2Command({ Bucket: "listing", Delimiter: "/" }));
    expect(top.Contents?.map((c) => c.Key)).toEqual(["a.txt", "z.txt"]);
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["photos/"]);
    expect(top.KeyCount).toBe(3);
    expect(top.IsTruncated).toBe(false);
    expect(top.Contents?.[0]?.Size).toBe(5);
    expect(top.Contents?.[0]?.ETag).toBe(`"${md5("a.txt")}"`);
    expect(top.Contents?.[0]?.Owner).toBeUndefined();
    const owned = await s3.send(
      new ListObjectsV2Command({ Bucket: "listing", FetchOwner: true, MaxKeys: 1 }),
    );
    expect(owned.Contents?.[0]?.Owner?.ID).toBeTruthy();

    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: "listing", MaxKeys: 2, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ""));
      token = page.NextContinuationToken;
      pages++;
      if (token) expect(page.IsTruncated).toBe(true);
    } while (token);
    expect(pages).toBe(3);
    expect(keys).toHaveLength(6);

    const after = await s3.send(
      new ListObjectsV2Command({ Bucket: "listing", Prefix: "photos/", StartAfter: "photos/2024/b.jpg" }),
    );
    expect(after.Contents?.map((c) => c.Key)).toEqual(["photos/2025/c.jpg", "photos/d e.jpg"]);

    const encoded = await s3.send(
      new ListObjectsV2Command({ Bucket: "listing", Prefix: "photos/d", EncodingType: "url" }),
    );
    expect(encoded.Contents?.[0]?.Key).toBe("photos/d+e.jpg");

    const v1 = await s3.send(
      new ListObjectsCommand({ Bucket: "listing", Prefix: "photos/", Delimiter: "/", MaxKeys: 1 }),
    );
    expect(v1.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["photos/2024/"]);
    expect(v1.IsTruncated).toBe(true);
    expect(v1.NextMarker).toBe("photos/2024/");
    const v1next = await s3.send(
      new ListObjectsCommand({ Bucket: "listing", Prefix: "photos/", Delimiter: "/", Marker: v1.NextMarker }),
    );
    expect(v1next.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["photos/2025/"]);
    expect(v1next.Contents?.map((c) => c.Key)).toEqual(["photos/d e.jpg"]);
  });
});

describe("multipart uploads", () => {
  const MiB = 1024 * 1024;

  it("uploads parts, lists them, completes with the -N ETag and lists uploads", async () => {
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: "objects",
        Key: "big.bin",
        ContentType: "application/x-big",
        Metadata: { p: "q" },
      }),
    );
    const uploadId = created.UploadId;
    expect(uploadId).toBeTruthy();
    const part1 = Buffer.alloc(5 * MiB, 1);
    const part2 = Buffer.from("tail");
    const e1 = (
      await s3.send(
        new UploadPartCommand({
          Bucket: "objects",
          Key: "big.bin",
          UploadId: uploadId,
          PartNumber: 1,
          Body: part1,
        }),
      )
    ).ETag;
    const e2 = (
      await s3.send(
        new UploadPartCommand({
          Bucket: "objects",
          Key: "big.bin",
          UploadId: uploadId,
          PartNumber: 2,
          Body: part2,
        }),
      )
    ).ETag;
    expect(e1).toBe(`"${md5(part1)}"`);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: "objects" }));
    expect(uploads.Uploads?.map((u) => u.UploadId)).toContain(uploadId);
    const other = await s3.send(new CreateMultipartUploadCommand({ Bucket: "objects", Key: "zz-other.bin" }));
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: "objects", MaxUploads: 1 }));
    expect(page.IsTruncated).toBe(true);
    expect(page.Uploads).toHaveLength(1);
    const rest = await s3.send(
      new ListMultipartUploadsCommand({
        Bucket: "objects",
        KeyMarker: page.NextKeyMarker,
        UploadIdMarker: page.NextUploadIdMarker,
      }),
    );
    expect(rest.Uploads?.map((u) => u.Key)).toContain("zz-other.bin");
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: "objects", Key: "zz-other.bin", UploadId: other.UploadId }),
    );
    const parts = await s3.send(
      new ListPartsCommand({ Bucket: "objects", Key: "big.bin", UploadId: uploadId }),
    );
    expect(parts.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * MiB],
      [2, 4],
    ]);

    const badOrder = await errorOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: "objects",
          Key: "big.bin",
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 2, ETag: e2 },
              { PartNumber: 1, ETag: e1 },
            ],
          },
        }),
      ),
    );
    expect(badOrder.name).toBe("InvalidPartOrder");
    const badPart = await errorOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: "objects",
          Key: "big.bin",
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: e1 },
              { PartNumber: 3, ETag: e2 },
            ],
          },
        }),
      ),
    );
    expect(badPart.name).toBe("InvalidPart");

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "objects",
        Key: "big.bin",
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: e1 },
            { PartNumber: 2, ETag: e2 },
          ],
        },
      }),
    );
    const expected = createHash("md5")
      .update(Buffer.concat([Buffer.from(md5(part1), "hex"), Buffer.from(md5(part2), "hex")]))
      .digest("hex");
    expect(done.ETag).toBe(`"${expected}-2"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "big.bin" }));
    expect(head.ContentLength).toBe(5 * MiB + 4);
    expect(head.ContentType).toBe("application/x-big");
    expect(head.Metadata).toEqual({ p: "q" });
    const tail = await s3.send(
      new GetObjectCommand({ Bucket: "objects", Key: "big.bin", Range: `bytes=${5 * MiB}-` }),
    );
    expect(await tail.Body?.transformToString()).toBe("tail");
    const gone = await errorOf(
      s3.send(new ListPartsCommand({ Bucket: "objects", Key: "big.bin", UploadId: uploadId })),
    );
    expect(gone.name).toBe("NoSuchUpload");
  });

  it("refuses small non-last parts, copies parts, and aborts", async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: "objects", Key: "small.bin" }),
    );
    const e1 = (
      await s3.send(
        new UploadPartCommand({ Bucket: "objects", Key: "small.bin", UploadId, PartNumber: 1, Body: "tiny" }),
      )
    ).ETag;
    await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "copy-src", Body: "0123456789" }));
    const copied = await s3.send(
      new UploadPartCopyCommand({
        Bucket: "objects",
        Key: "small.bin",
        UploadId,
        PartNumber: 2,
        CopySource: "objects/copy-src",
        CopySourceRange: "bytes=2-5",
      }),
    );
    expect(copied.CopyPartResult?.ETag).toBe(`"${md5("2345")}"`);
    const small = await errorOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: "objects",
          Key: "small.bin",
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: e1 },
              { PartNumber: 2, ETag: copied.CopyPartResult?.ETag },
            ],
          },
        }),
      ),
    );
    expect(small.name).toBe("EntityTooSmall");
    await s3.send(new AbortMultipartUploadCommand({ Bucket: "objects", Key: "small.bin", UploadId }));
    const aborted = await errorOf(
      s3.send(
        new UploadPartCommand({ Bucket: "objects", Key: "small.bin", UploadId, PartNumber: 3, Body: "x" }),
      ),
    );
    expect(aborted.name).toBe("NoSuchUpload");
  });
});
