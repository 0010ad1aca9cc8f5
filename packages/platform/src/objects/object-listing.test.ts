import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ObjectRecord, SqliteObjectIndex } from "../storage/sqlite/sqlite-object-index.js";
import { listKeys } from "./list-keys.js";

const row = (key: string): ObjectRecord => ({
  bucket: "b",
  key,
  blobId: `blob-${key}`,
  sizeBytes: 1,
  etag: '"e"',
  contentType: "text/plain",
  headers: {},
  userMetadata: {},
  lastModified: 5,
});

describe("listing over the SQLite key index", () => {
  let dir: string;
  let index: SqliteObjectIndex;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nimbus-object-listing-"));
    index = new SqliteObjectIndex(join(dir, "index.db"));
    index.createBucket({ name: "b", region: "us-east-1", createdAt: 1, notification: undefined });
  });

  afterEach(async () => {
    index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists 10,000 keys with a delimiter in byte order, page by page", () => {
    const keys: string[] = [];
    for (let d = 0; d < 10; d++)
      for (let f = 0; f < 1000; f++) keys.push(`dir${String(d).padStart(3, "0")}/f${f}`);
    const insert = keys.map((k) => row(k));
    for (const r of insert) index.putObject(r, [], 0);
    index.putObject(row("top.txt"), [], 0);
    index.putObject(row("é-accent"), [], 0);
    const scan = (from: string, after: string | undefined, limit: number) =>
      index.scanObjects("b", from, after, limit);
    const top = listKeys(scan, { prefix: "", delimiter: "/", maxKeys: 1000, after: undefined });
    expect(top.commonPrefixes).toHaveLength(10);
    // UTF-8 byte order: "é" (0xC3) sorts after ASCII.
    expect(top.contents.map((c) => c.key)).toEqual(["top.txt", "é-accent"]);
    let after: string | undefined;
    let seen = 0;
    for (;;) {
      const page = listKeys(scan, { prefix: "dir004/", delimiter: "/", maxKeys: 300, after });
      seen += page.contents.length;
      if (!page.isTruncated) break;
      after = page.last;
    }
    expect(seen).toBe(1000);
  });
});
