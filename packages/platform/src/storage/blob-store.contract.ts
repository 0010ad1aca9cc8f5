import { createHash, randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BlobStore } from "./blob-store.js";

export interface BlobStoreHandle {
  store: BlobStore;
  /** Closes whatever the factory opened and removes its data. */
  cleanup(): Promise<void>;
  /** Closes `store` and opens the same data again; durability tests skip without it. */
  reopen?(): Promise<BlobStore>;
}

const MISSING = "0".repeat(64);

/** The behaviour every BlobStore backend must have (run per backend from a `*.contract.test.ts`). */
export function describeBlobStoreContract(name: string, factory: () => Promise<BlobStoreHandle>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let handle: BlobStoreHandle;
    let store: BlobStore;

    beforeEach(async () => {
      handle = await factory();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    it("keys a blob by the lowercase hex SHA-256 of its bytes", async () => {
      const bytes = Buffer.from("hello blob");
      const key = await store.put(bytes);
      expect(key).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(key).toMatch(/^[0-9a-f]{64}$/);
    });

    it("reads back the stored bytes, their size and existence", async () => {
      const bytes = randomBytes(4096);
      const key = await store.put(bytes);
      expect(await store.has(key)).toBe(true);
      expect(await store.size(key)).toBe(4096);
      expect((await store.get(key))?.equals(bytes)).toBe(true);
    });

    it("streams the stored bytes", async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      const key = await store.put(bytes);
      const stream = await store.open(key);
      expect(stream).toBeDefined();
      if (stream) expect((await readAll(stream)).equals(bytes)).toBe(true);
    });

    it("stores an empty blob", async () => {
      const key = await store.put(Buffer.alloc(0));
      expect(await store.size(key)).toBe(0);
      expect((await store.get(key))?.length).toBe(0);
    });

    it("answers missing keys with false and undefined", async () => {
      expect(await store.has(MISSING)).toBe(false);
      expect(await store.get(MISSING)).toBeUndefined();
      expect(await store.open(MISSING)).toBeUndefined();
      expect(await store.size(MISSING)).toBeUndefined();
    });

    it("returns the same key when the same bytes are put twice", async () => {
      const bytes = Buffer.from("same content");
      const first = await store.put(bytes);
      const second = await store.put(Buffer.from(bytes));
      expect(second).toBe(first);
      expect((await store.get(first))?.equals(bytes)).toBe(true);
    });

    it("stores concurrent puts of the same bytes once and intact", async () => {
      const bytes = randomBytes(256 * 1024);
      const keys = await Promise.all(Array.from({ length: 5 }, () => store.put(bytes)));
      expect(new Set(keys).size).toBe(1);
      const key = keys[0] ?? "";
      expect((await store.get(key))?.equals(bytes)).toBe(true);
    });

    it("deletes a blob, and deleting a missing one is a no-op", async () => {
      const key = await store.put(Buffer.from("to delete"));
      const kept = await store.put(Buffer.from("to keep"));
      await store.delete(key);
      await store.delete(key);
      await store.delete(MISSING);
      expect(await store.has(key)).toBe(false);
      expect(await store.get(key)).toBeUndefined();
      expect(await store.has(kept)).toBe(true);
    });

    it("stores a blob again after it was deleted", async () => {
      const bytes = Buffer.from("again");
      const key = await store.put(bytes);
      await store.delete(key);
      expect(await store.put(bytes)).toBe(key);
      expect((await store.get(key))?.equals(bytes)).toBe(true);
    });

    it("keeps blobs across close and reopen", async (ctx) => {
      if (!handle.reopen) return ctx.skip("this backend cannot reopen the same data");
      const bytes = randomBytes(1000);
      const key = await store.put(bytes);
      store = await handle.reopen();
      expect((await store.get(key))?.equals(bytes)).toBe(true);
    });
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}
