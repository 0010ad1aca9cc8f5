import { afterEach, describe, expect, it } from "vitest";
import type { MetadataStore, WriteOp } from "../../storage/metadata-store.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { WriteBatcher } from "./write-batcher.js";

const put = (key: string, expectRevision?: "absent"): WriteOp => ({
  op: "put",
  kind: "k",
  key,
  value: { key },
  ...(expectRevision && { expectRevision }),
});

describe("WriteBatcher", () => {
  const stores: SqliteMetadataStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  /** The SQLite store, counting the transactions it is asked for. */
  function counted(): { store: MetadataStore; writes: () => number } {
    const inner = new SqliteMetadataStore(":memory:");
    stores.push(inner);
    let writes = 0;
    const store = Object.assign(Object.create(inner) as MetadataStore, {
      write: (ops: WriteOp[]) => {
        writes++;
        return inner.write(ops);
      },
    });
    return { store, writes: () => writes };
  }

  it("stores the writes of one loop turn in one transaction, each settled once it committed", async () => {
    const { store, writes } = counted();
    const batcher = new WriteBatcher(store);
    await Promise.all([batcher.write([put("a")]), batcher.write([put("b")]), batcher.write([put("c")])]);
    expect(writes()).toBe(1);
    for (const key of ["a", "b", "c"]) expect((await store.get("k", key))?.value).toEqual({ key });
  });

  it("fails only the write whose expected revision does not hold", async () => {
    const { store } = counted();
    await store.write([put("taken")]);
    const batcher = new WriteBatcher(store);
    const results = await Promise.allSettled([
      batcher.write([put("fresh", "absent")]),
      batcher.write([put("taken", "absent")]),
    ]);
    expect(results[0]?.status).toBe("fulfilled");
    expect(results[1]).toMatchObject({ status: "rejected", reason: { code: "ERR_STORAGE_CONFLICT" } });
    expect(await store.get("k", "fresh")).toBeDefined();
  });
});
