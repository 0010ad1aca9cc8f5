import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STORAGE_ERRORS } from "./errors.js";
import type { MetadataStore } from "./metadata-store.js";

export interface MetadataStoreHandle {
  store: MetadataStore;
  /** Closes whatever the factory opened and removes its data. */
  cleanup(): Promise<void>;
  /** Closes `store` and opens the same data again; durability tests skip without it. */
  reopen?(): Promise<MetadataStore>;
}

/**
 * The behaviour every MetadataStore backend must have. Run it from a `*.contract.test.ts` per
 * backend (after undici's cache-store-test-utils and unstorage's driver tests).
 */
export function describeMetadataStoreContract(
  name: string,
  factory: () => Promise<MetadataStoreHandle>,
): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let handle: MetadataStoreHandle;
    let store: MetadataStore;

    beforeEach(async () => {
      handle = await factory();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    const put = (kind: string, key: string, value: unknown, expectRevision?: number | "absent") =>
      store.write([
        expectRevision === undefined
          ? { op: "put", kind, key, value }
          : { op: "put", kind, key, value, expectRevision },
      ]);

    async function expectConflict(promise: Promise<unknown>): Promise<void> {
      await expect(promise).rejects.toMatchObject({ code: STORAGE_ERRORS.conflict });
    }

    it("returns undefined for a key never written", async () => {
      expect(await store.get("fn", "missing")).toBeUndefined();
    });

    it("creates a document at revision 1 and reads back an equal value", async () => {
      const value = { name: "f", nested: { list: [1, "two", null, true] }, unicode: "héllo ✓ 𝄞" };
      await put("fn", "a", value, "absent");
      expect(await store.get("fn", "a")).toEqual({ key: "a", value, revision: 1 });
    });

    it("increments the revision on each put", async () => {
      await put("fn", "a", { v: 1 });
      await put("fn", "a", { v: 2 });
      await put("fn", "a", { v: 3 }, 2);
      expect(await store.get("fn", "a")).toEqual({ key: "a", value: { v: 3 }, revision: 3 });
    });

    it("rejects a put expecting absence when the key exists", async () => {
      await put("fn", "a", { v: 1 });
      await expectConflict(put("fn", "a", { v: 2 }, "absent"));
      expect((await store.get("fn", "a"))?.value).toEqual({ v: 1 });
    });

    it("rejects a put whose expected revision is stale or missing", async () => {
      await put("fn", "a", { v: 1 });
      await put("fn", "a", { v: 2 });
      await expectConflict(put("fn", "a", { v: 3 }, 1));
      await expectConflict(put("fn", "b", { v: 1 }, 1));
      expect(await store.get("fn", "a")).toMatchObject({ value: { v: 2 }, revision: 2 });
      expect(await store.get("fn", "b")).toBeUndefined();
    });

    it("deletes with a matching revision and rejects a stale one", async () => {
      await put("fn", "a", { v: 1 });
      await put("fn", "a", { v: 2 });
      await expectConflict(store.write([{ op: "delete", kind: "fn", key: "a", expectRevision: 1 }]));
      expect(await store.get("fn", "a")).toBeDefined();
      await store.write([{ op: "delete", kind: "fn", key: "a", expectRevision: 2 }]);
      expect(await store.get("fn", "a")).toBeUndefined();
    });

    it("treats deleting a missing key without an expected revision as a no-op", async () => {
      await store.write([{ op: "delete", kind: "fn", key: "never" }]);
      await expectConflict(store.write([{ op: "delete", kind: "fn", key: "never", expectRevision: 1 }]));
    });

    it("starts again at revision 1 after a delete", async () => {
      await put("fn", "a", { v: 1 });
      await put("fn", "a", { v: 2 });
      await store.write([{ op: "delete", kind: "fn", key: "a" }]);
      await put("fn", "a", { v: 3 }, "absent");
      expect((await store.get("fn", "a"))?.revision).toBe(1);
    });

    it("applies a multi-operation write atomically", async () => {
      await put("fn", "a", { v: 1 });
      await store.write([
        { op: "put", kind: "fn", key: "b", value: { v: 1 }, expectRevision: "absent" },
        { op: "put", kind: "alias", key: "b:live", value: { to: 1 } },
        { op: "delete", kind: "fn", key: "a", expectRevision: 1 },
      ]);
      expect(await store.get("fn", "a")).toBeUndefined();
      expect((await store.get("fn", "b"))?.revision).toBe(1);
      expect(await store.get("alias", "b:live")).toBeDefined();
    });

    it("applies nothing when any operation of a write conflicts", async () => {
      await put("fn", "a", { v: 1 });
      await expectConflict(
        store.write([
          { op: "put", kind: "fn", key: "new", value: { v: 1 } },
          { op: "put", kind: "fn", key: "a", value: { v: 2 }, expectRevision: 1 },
          { op: "delete", kind: "fn", key: "a", expectRevision: 7 },
        ]),
      );
      expect(await store.get("fn", "new")).toBeUndefined();
      expect(await store.get("fn", "a")).toMatchObject({ value: { v: 1 }, revision: 1 });
    });

    it("sees earlier operations of the same write when checking later ones", async () => {
      await store.write([
        { op: "put", kind: "fn", key: "a", value: { v: 1 }, expectRevision: "absent" },
        { op: "put", kind: "fn", key: "a", value: { v: 2 }, expectRevision: 1 },
      ]);
      expect(await store.get("fn", "a")).toMatchObject({ value: { v: 2 }, revision: 2 });
    });

    it("keeps kinds apart", async () => {
      await put("fn", "same", { kind: "fn" });
      await put("layer", "same", { kind: "layer" });
      expect((await store.get("fn", "same"))?.value).toEqual({ kind: "fn" });
      expect((await store.get("layer", "same"))?.value).toEqual({ kind: "layer" });
      expect(await store.count("fn")).toBe(1);
    });

    it("lists keys in order, filtered by prefix", async () => {
      for (const key of ["b/2", "a/1", "b/1", "c", "b/10"]) await put("fn", key, { key });
      await put("other", "b/3", {});
      const all = await store.list("fn");
      expect(all.items.map((d) => d.key)).toEqual(["a/1", "b/1", "b/10", "b/2", "c"]);
      expect(all.nextAfter).toBeUndefined();
      const b = await store.list<{ key: string }>("fn", { prefix: "b/" });
      expect(b.items.map((d) => d.value.key)).toEqual(["b/1", "b/10", "b/2"]);
      expect(b.items.every((d) => d.revision === 1)).toBe(true);
    });

    it("pages through a listing with after and nextAfter", async () => {
      const keys = Array.from({ length: 7 }, (_, i) => `k${i}`);
      for (const key of keys) await put("fn", key, {});
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await store.list("fn", after === undefined ? { limit: 3 } : { limit: 3, after });
        seen.push(...page.items.map((d) => d.key));
        after = page.nextAfter;
        pages++;
      } while (after !== undefined);
      expect(seen).toEqual(keys);
      expect(pages).toBe(3);
    });

    it("omits nextAfter when the last page is exactly full", async () => {
      for (const key of ["a", "b"]) await put("fn", key, {});
      const page = await store.list("fn", { limit: 2 });
      expect(page.items).toHaveLength(2);
      expect(page.nextAfter).toBeUndefined();
    });

    it("combines prefix and after", async () => {
      for (const key of ["x/1", "x/2", "x/3", "y/1"]) await put("fn", key, {});
      const page = await store.list("fn", { prefix: "x/", after: "x/1" });
      expect(page.items.map((d) => d.key)).toEqual(["x/2", "x/3"]);
    });

    it("counts documents of a kind, optionally by prefix", async () => {
      for (const key of ["a/1", "a/2", "b/1"]) await put("fn", key, {});
      expect(await store.count("fn")).toBe(3);
      expect(await store.count("fn", "a/")).toBe(2);
      expect(await store.count("fn", "z")).toBe(0);
      expect(await store.count("empty")).toBe(0);
    });

    it("hands out increasing sequence numbers per name", async () => {
      expect(await store.nextSequence("fn:a")).toBe(1);
      expect(await store.nextSequence("fn:a")).toBe(2);
      expect(await store.nextSequence("fn:b")).toBe(1);
      expect(await store.nextSequence("fn:a")).toBe(3);
    });

    it("never hands out the same sequence number to concurrent callers", async () => {
      const numbers = await Promise.all(Array.from({ length: 20 }, () => store.nextSequence("n")));
      expect(new Set(numbers).size).toBe(20);
      expect(Math.max(...numbers)).toBe(20);
    });

    it("keeps documents, revisions and sequences across close and reopen", async (ctx) => {
      if (!handle.reopen) return ctx.skip("this backend cannot reopen the same data");
      await put("fn", "a", { v: 1 });
      await put("fn", "a", { v: 2 });
      await store.nextSequence("s");
      await store.nextSequence("s");
      store = await handle.reopen();
      expect(await store.get("fn", "a")).toEqual({ key: "a", value: { v: 2 }, revision: 2 });
      expect(await store.nextSequence("s")).toBe(3);
      await expectConflict(put("fn", "a", { v: 3 }, 1));
    });
  });
}
