import { describe, expect, it } from "vitest";
import type { ObjectRecord } from "../storage/sqlite/sqlite-object-index.js";
import { type KeyScan, listKeys } from "./list-keys.js";

function scanOf(keys: string[]): KeyScan & { calls: number } {
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const rows = sorted.map((key) => ({ key }) as ObjectRecord);
  const gt = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const scan = ((from: string, after: string | undefined, limit: number) => {
    scan.calls++;
    return rows
      .filter((r) => gt(r.key, from) >= 0 && (after === undefined || gt(r.key, after) > 0))
      .slice(0, limit);
  }) as KeyScan & { calls: number };
  scan.calls = 0;
  return scan;
}

const keys = [
  "a.txt",
  "photos/2024/a.jpg",
  "photos/2024/b.jpg",
  "photos/2025/c.jpg",
  "photos/d.jpg",
  "z.txt",
];

describe("listKeys", () => {
  it("lists everything in key order", () => {
    const r = listKeys(scanOf(keys), { prefix: "", delimiter: undefined, maxKeys: 1000, after: undefined });
    expect(r.contents.map((c) => c.key)).toEqual(keys);
    expect(r.isTruncated).toBe(false);
  });

  it("rolls keys up into common prefixes with a delimiter", () => {
    const top = listKeys(scanOf(keys), { prefix: "", delimiter: "/", maxKeys: 1000, after: undefined });
    expect(top.contents.map((c) => c.key)).toEqual(["a.txt", "z.txt"]);
    expect(top.commonPrefixes).toEqual(["photos/"]);
    const photos = listKeys(scanOf(keys), {
      prefix: "photos/",
      delimiter: "/",
      maxKeys: 1000,
      after: undefined,
    });
    expect(photos.contents.map((c) => c.key)).toEqual(["photos/d.jpg"]);
    expect(photos.commonPrefixes).toEqual(["photos/2024/", "photos/2025/"]);
  });

  it("pages by max-keys, counting a common prefix once, and resumes after the last entry", () => {
    const scan = scanOf(keys);
    const first = listKeys(scan, { prefix: "", delimiter: "/", maxKeys: 2, after: undefined });
    expect([...first.contents.map((c) => c.key), ...first.commonPrefixes]).toEqual(["a.txt", "photos/"]);
    expect(first.isTruncated).toBe(true);
    const second = listKeys(scan, { prefix: "", delimiter: "/", maxKeys: 2, after: first.last });
    expect(second.contents.map((c) => c.key)).toEqual(["z.txt"]);
    expect(second.isTruncated).toBe(false);
  });

  it("is not truncated when the page ends exactly at the last key", () => {
    const r = listKeys(scanOf(["a", "b"]), {
      prefix: "",
      delimiter: undefined,
      maxKeys: 2,
      after: undefined,
    });
    expect(r.isTruncated).toBe(false);
  });

  it("skips a rolled-up prefix with one seek, however many keys it holds", () => {
    const many = Array.from({ length: 5000 }, (_, i) => `logs/${String(i).padStart(5, "0")}`);
    const scan = scanOf([...many, "m"]);
    const r = listKeys(scan, { prefix: "", delimiter: "/", maxKeys: 1000, after: undefined });
    expect(r.commonPrefixes).toEqual(["logs/"]);
    expect(r.contents.map((c) => c.key)).toEqual(["m"]);
    expect(scan.calls).toBeLessThanOrEqual(3);
  });

  it("starts after start-after and filters by prefix", () => {
    const r = listKeys(scanOf(keys), {
      prefix: "photos/2024/",
      delimiter: undefined,
      maxKeys: 10,
      after: "photos/2024/a.jpg",
    });
    expect(r.contents.map((c) => c.key)).toEqual(["photos/2024/b.jpg"]);
  });
});

describe("listKeys resuming after a common prefix (ListObjects v1 NextMarker)", () => {
  it("skips the whole rolled-up prefix", () => {
    const r = listKeys(scanOf(keys), {
      prefix: "photos/",
      delimiter: "/",
      maxKeys: 10,
      after: "photos/2024/",
    });
    expect(r.commonPrefixes).toEqual(["photos/2025/"]);
  });
});
