import { afterAll, afterEach, describe, expect, it } from "vitest";
import { SqliteMetadataStore } from "../storage/sqlite/sqlite-metadata-store.js";
import { type FailedEvent, FailureStore } from "./failure-store.js";

function failure(acceptedAt: number, functionName: string, requestId: string): FailedEvent {
  return {
    id: FailureStore.idOf(acceptedAt, requestId),
    requestId,
    functionName,
    qualifier: undefined,
    condition: "RetriesExhausted",
    reason: "RetriesExhausted",
    attempts: 3,
    acceptedAt,
    failedAt: acceptedAt + 180_000,
    payload: "{}",
    error: undefined,
    deliveries: [],
    redrivenFrom: undefined,
  };
}

describe("the failure store", () => {
  const metadata = new SqliteMetadataStore(":memory:");
  const store = new FailureStore(metadata);

  afterAll(async () => {
    await metadata.close();
  });

  afterEach(async () => {
    for (const f of (await store.list({ limit: 1000 })).items) await store.delete(f.id);
  });

  it("lists oldest first (ids sort by acceptance time) and pages with the marker", async () => {
    // Written out of order; 999 sorts before 1000 only because ids are zero-padded.
    await store.put(failure(1000, "a", "r2"));
    await store.put(failure(999, "b", "r1"));
    await store.put(failure(2000, "a", "r3"));
    const first = await store.list({ limit: 2 });
    expect(first.items.map((f) => f.requestId)).toEqual(["r1", "r2"]);
    const second = await store.list({ limit: 2, after: first.nextMarker });
    expect(second.items.map((f) => f.requestId)).toEqual(["r3"]);
    expect(second.nextMarker).toBeUndefined();
  });

  it("filters by function across pages of the underlying store", async () => {
    for (let i = 0; i < 250; i++)
      await store.put(failure(10_000 + i, i % 50 === 0 ? "rare" : "common", `r${i}`));
    const rare = await store.list({ functionName: "rare", limit: 3 });
    expect(rare.items.map((f) => f.requestId)).toEqual(["r0", "r50", "r100"]);
    const rest = await store.list({ functionName: "rare", limit: 3, after: rare.nextMarker });
    expect(rest.items.map((f) => f.requestId)).toEqual(["r150", "r200"]);
    expect(rest.nextMarker).toBeUndefined();
  });

  it("overwrites the entry of an event settled twice (a crash between settle and delete)", async () => {
    await store.put(failure(5, "a", "same"));
    await store.put({ ...failure(5, "a", "same"), attempts: 1 });
    const all = await store.list({ limit: 10 });
    expect(all.items).toHaveLength(1);
    expect(all.items[0]?.attempts).toBe(1);
  });

  it("answers unknown ids with ResourceNotFoundException", async () => {
    await expect(store.get("nope")).rejects.toMatchObject({
      code: "ERR_ASYNC_FAILURE_NOT_FOUND",
      status: 404,
    });
    await expect(store.delete("nope")).rejects.toMatchObject({ code: "ERR_ASYNC_FAILURE_NOT_FOUND" });
  });
});
