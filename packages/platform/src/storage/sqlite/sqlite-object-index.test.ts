import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ObjectRecord, SqliteObjectIndex } from "./sqlite-object-index.js";

const row = (key: string, blobId = `blob-${key}`): ObjectRecord => ({
  bucket: "b",
  key,
  blobId,
  sizeBytes: 1,
  etag: '"e"',
  contentType: "text/plain",
  headers: { "cache-control": "no-cache" },
  userMetadata: { a: "1" },
  lastModified: 5,
});

describe("SqliteObjectIndex", () => {
  let dir: string;
  let index: SqliteObjectIndex;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nimbus-object-index-"));
    index = new SqliteObjectIndex(join(dir, "objects", "index.db"));
    index.createBucket({ name: "b", region: "us-east-1", createdAt: 1, notification: undefined });
  });

  afterEach(async () => {
    index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("stores rows, returns the replaced bytes on overwrite, and refuses deleting a non-empty bucket", () => {
    expect(index.putObject(row("k", "one"), [], 0)).toBeUndefined();
    expect(index.putObject(row("k", "two"), [], 0)).toBe("one");
    expect(index.getObject("b", "k")).toEqual(row("k", "two"));
    expect(index.deleteBucket("b")).toBe("not-empty");
    expect(index.deleteObject("b", "k", [], 0)).toBe("two");
    expect(index.deleteBucket("b")).toEqual([]);
    expect(index.deleteBucket("b")).toBe("missing");
  });

  it("scans keys in UTF-8 byte order from a position", () => {
    for (const key of ["b", "a", "é", "c/d", "c/e"]) index.putObject(row(key), [], 0);
    expect(index.scanObjects("b", "", undefined, 10).map((r) => r.key)).toEqual([
      "a",
      "b",
      "c/d",
      "c/e",
      "é",
    ]);
    expect(index.scanObjects("b", "c/", "c/d", 2).map((r) => r.key)).toEqual(["c/e", "é"]);
  });

  it("finishes a multipart upload in one step: parts gone, object written, garbage returned", () => {
    index.createUpload({
      uploadId: "u",
      bucket: "b",
      key: "k",
      initiatedAt: 0,
      contentType: "x",
      headers: {},
      userMetadata: {},
    });
    index.putPart({ uploadId: "u", partNumber: 1, blobId: "p1", sizeBytes: 1, etag: '"a"', lastModified: 0 });
    expect(
      index.putPart({
        uploadId: "u",
        partNumber: 1,
        blobId: "p1b",
        sizeBytes: 1,
        etag: '"b"',
        lastModified: 0,
      }),
    ).toBe("p1");
    index.putObject(row("k", "old"), [], 0);
    const garbage = index.finishUpload(
      "u",
      row("k", "whole"),
      [{ targetArn: "arn:aws:sqs:r:1:q", body: "e" }],
      0,
    );
    expect(garbage?.sort()).toEqual(["old", "p1b"]);
    expect(index.getUpload("u")).toBeUndefined();
    expect(index.listParts("u")).toEqual([]);
    expect(index.getObject("b", "k")?.blobId).toBe("whole");
    expect(index.pendingNotifications()).toBe(1);
    expect(index.finishUpload("u", undefined, [], 0)).toBeUndefined();
    expect([...index.referencedBlobs()]).toEqual(["whole"]);
  });
});
