import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ObjectStore } from "./object-store.js";

export interface ObjectStoreHarness {
  store: ObjectStore;
  reopen(): Promise<ObjectStore>;
  cleanup(): Promise<void>;
}

/** The behaviour every ObjectStore backend must show. */
export function describeObjectStoreContract(name: string, make: () => Promise<ObjectStoreHarness>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let h: ObjectStoreHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it("streams bytes in and reports their size and digests", async () => {
      const parts = [Buffer.from("hello "), Buffer.from("world")];
      const stored = await h.store.write(Readable.from(parts), { sha256: true });
      const whole = Buffer.concat(parts);
      expect(stored.sizeBytes).toBe(11);
      expect(stored.md5Hex).toBe(createHash("md5").update(whole).digest("hex"));
      expect(stored.sha256Hex).toBe(createHash("sha256").update(whole).digest("hex"));
      const read = await h.store.open(stored.id);
      expect(read && (await buffer(read)).toString()).toBe("hello world");
    });

    it("computes the CRC32 when asked", async () => {
      const stored = await h.store.write(Readable.from([Buffer.from("ab"), Buffer.from("c")]), {
        crc32: true,
      });
      expect(stored.crc32).toBe(0x352441c2);
    });

    it("skips the SHA-256 unless asked", async () => {
      const stored = await h.store.write(Readable.from([Buffer.from("x")]));
      expect(stored.sha256Hex).toBeUndefined();
    });

    it("reads inclusive ranges", async () => {
      const stored = await h.store.write(Readable.from([Buffer.from("0123456789")]));
      const read = await h.store.open(stored.id, { start: 2, end: 4 });
      expect(read && (await buffer(read)).toString()).toBe("234");
    });

    it("stores an empty object", async () => {
      const stored = await h.store.write(Readable.from([]));
      expect(stored.sizeBytes).toBe(0);
      const read = await h.store.open(stored.id);
      expect(read && (await buffer(read)).length).toBe(0);
    });

    it("concatenates stored ids into new bytes", async () => {
      const a = await h.store.write(Readable.from([Buffer.from("abc")]));
      const b = await h.store.write(Readable.from([Buffer.from("def")]));
      const both = await h.store.concat([a.id, b.id]);
      expect(both.sizeBytes).toBe(6);
      const read = await h.store.open(both.id);
      expect(read && (await buffer(read)).toString()).toBe("abcdef");
    });

    it("a failed source stores nothing", async () => {
      async function* failing(): AsyncIterable<Buffer> {
        yield Buffer.from("partial");
        throw new Error("client went away");
      }
      const before = await h.store.list();
      await expect(h.store.write(failing())).rejects.toThrow("client went away");
      expect(await h.store.list()).toEqual(before);
    });

    it("deletes, and open of an unknown id is undefined", async () => {
      const stored = await h.store.write(Readable.from([Buffer.from("x")]));
      await h.store.delete(stored.id);
      await h.store.delete(stored.id);
      expect(await h.store.open(stored.id)).toBeUndefined();
      expect(await h.store.open("../../etc/passwd")).toBeUndefined();
    });

    it("keeps written bytes across a reopen", async () => {
      const stored = await h.store.write(Readable.from([Buffer.from("durable")]));
      const store = await h.reopen();
      expect(await store.list()).toContain(stored.id);
      const read = await store.open(stored.id);
      expect(read && (await buffer(read)).toString()).toBe("durable");
    });
  });
}
