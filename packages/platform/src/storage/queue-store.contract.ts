import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewQueueMessage, QueueStore } from "./queue-store.js";

export interface QueueStoreHandle {
  store: QueueStore;
  /** Closes whatever the factory opened and removes its data. */
  cleanup(): Promise<void>;
  /** Closes `store` and opens the same data again; durability tests skip without it. */
  reopen?(): Promise<QueueStore>;
}

const T0 = Date.UTC(2025, 0, 1);

function message(id: string, overrides: Partial<NewQueueMessage> = {}): NewQueueMessage {
  return { messageId: id, body: `body of ${id}`, sentAt: T0, visibleAt: T0, ...overrides };
}

/**
 * The behaviour every QueueStore backend must have (SQS's delivery model). Run it from a
 * `*.contract.test.ts` per backend. Time is passed in explicitly, so nothing here sleeps.
 */
export function describeQueueStoreContract(name: string, factory: () => Promise<QueueStoreHandle>): void {
  describe(`QueueStore contract: ${name}`, () => {
    let handle: QueueStoreHandle;
    let store: QueueStore;

    beforeEach(async () => {
      handle = await factory();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    const receive = (queueId: string, max = 10, now = T0, visibilityMs = 30_000) =>
      store.receive(queueId, { max, now, visibilityMs });

    it("receives what was sent, with body, meta and a receive count of 1", async () => {
      const meta = { attributes: { a: { DataType: "String", StringValue: "x" } }, md5: "abc" };
      await store.send("q", message("m1", { meta, groupId: "g", dedupId: "d" }));
      const { messages } = await receive("q");
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({
        messageId: "m1",
        body: "body of m1",
        meta,
        sentAt: T0,
        groupId: "g",
        dedupId: "d",
        receiveCount: 1,
        firstReceivedAt: T0,
        visibleAt: T0 + 30_000,
      });
      expect(typeof messages[0]?.receiptHandle).toBe("string");
    });

    it("keeps queues apart", async () => {
      await store.send("a", message("m1"));
      expect((await receive("b")).messages).toEqual([]);
      expect((await receive("a")).messages.map((m) => m.messageId)).toEqual(["m1"]);
    });

    it("hides a received message until its visibility deadline, then redelivers it", async () => {
      await store.send("q", message("m1"));
      const first = await receive("q", 10, T0, 1_000);
      expect((await receive("q", 10, T0 + 999)).messages).toEqual([]);
      const again = await receive("q", 10, T0 + 1_000);
      expect(again.messages[0]).toMatchObject({ messageId: "m1", receiveCount: 2, firstReceivedAt: T0 });
      expect(again.messages[0]?.receiptHandle).not.toBe(first.messages[0]?.receiptHandle);
    });

    it("does not return a message before its visibleAt (delay)", async () => {
      await store.send("q", message("m1", { visibleAt: T0 + 5_000 }));
      expect((await receive("q", 10, T0 + 4_999)).messages).toEqual([]);
      expect((await receive("q", 10, T0 + 5_000)).messages).toHaveLength(1);
    });

    it("returns at most max messages, oldest first", async () => {
      await store.sendBatch("q", [message("m1"), message("m2"), message("m3")]);
      expect((await receive("q", 2)).messages.map((m) => m.messageId)).toEqual(["m1", "m2"]);
      expect((await receive("q", 2)).messages.map((m) => m.messageId)).toEqual(["m3"]);
    });

    it("returns strictly increasing sequence numbers", async () => {
      const one = await store.send("q", message("m1"));
      const batch = await store.sendBatch("q", [message("m2"), message("m3")]);
      const sequences = [one, ...batch].map((o) => o.sequence);
      expect(sequences[1]).toBeGreaterThan(sequences[0] ?? Number.POSITIVE_INFINITY);
      expect(sequences[2]).toBeGreaterThan(sequences[1] ?? Number.POSITIVE_INFINITY);
      expect(batch.map((o) => o.messageId)).toEqual(["m2", "m3"]);
    });

    it("deletes only with the latest receive's handle", async () => {
      await store.send("q", message("m1"));
      const first = (await receive("q", 1, T0, 1_000)).messages[0];
      const second = (await receive("q", 1, T0 + 1_000, 1_000)).messages[0];
      expect(await store.delete("q", first?.receiptHandle ?? "")).toBe(false);
      expect(await store.delete("other", second?.receiptHandle ?? "")).toBe(false);
      expect(await store.delete("q", "not-a-handle")).toBe(false);
      expect(await store.delete("q", second?.receiptHandle ?? "")).toBe(true);
      expect(await store.delete("q", second?.receiptHandle ?? "")).toBe(false);
      expect((await receive("q", 10, T0 + 10_000)).messages).toEqual([]);
    });

    it("deletes a batch, one result per handle in order", async () => {
      await store.sendBatch("q", [message("m1"), message("m2")]);
      const [a, b] = (await receive("q")).messages;
      expect(await store.deleteBatch("q", [a?.receiptHandle ?? "", "bogus", b?.receiptHandle ?? ""])).toEqual(
        [true, false, true],
      );
      expect(await store.counts("q", T0 + 60_000)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    });

    it("changes visibility with the current handle only", async () => {
      await store.send("q", message("m1"));
      const received = (await receive("q", 1, T0, 30_000)).messages[0];
      const receipt = received?.receiptHandle ?? "";
      expect(await store.changeVisibility("q", receipt, T0)).toBe(true);
      const again = (await receive("q", 1, T0, 30_000)).messages[0];
      expect(again?.messageId).toBe("m1");
      expect(await store.changeVisibility("q", receipt, T0)).toBe(false);
      expect(
        await store.changeVisibilityBatch("q", [
          { receiptHandle: again?.receiptHandle ?? "", visibleAt: T0 + 1 },
          { receiptHandle: receipt, visibleAt: T0 },
        ]),
      ).toEqual([true, false]);
      expect((await receive("q", 1, T0)).messages).toEqual([]);
      expect((await receive("q", 1, T0 + 1)).messages).toHaveLength(1);
    });

    it("changes visibility only while in flight when asked to", async () => {
      await store.send("q", message("m1"));
      const received = (await receive("q", 1, T0, 1_000)).messages[0];
      const receipt = received?.receiptHandle ?? "";
      expect(await store.changeVisibility("q", receipt, T0 + 5_000, { inFlightAt: T0 + 1_000 })).toBe(false);
      expect(await store.changeVisibility("q", receipt, T0 + 5_000, { inFlightAt: T0 + 999 })).toBe(true);
      expect(
        await store.changeVisibilityBatch("q", [
          { receiptHandle: receipt, visibleAt: T0, inFlightAt: T0 + 5_000 },
        ]),
      ).toEqual([false]);
    });

    it("counts visible, in-flight and delayed messages", async () => {
      await store.sendBatch("q", [
        message("visible"),
        message("inflight"),
        message("delayed", { visibleAt: T0 + 60_000 }),
      ]);
      await receive("q", 1);
      expect(await store.counts("q", T0)).toEqual({ visible: 1, inFlight: 1, delayed: 1 });
      expect(await store.nextVisibleAt("q", T0)).toBe(T0 + 30_000);
      expect(await store.nextVisibleAt("empty", T0)).toBeUndefined();
    });

    it("releases in-flight messages", async () => {
      await store.sendBatch("q", [message("m1"), message("m2", { visibleAt: T0 + 60_000 })]);
      await receive("q");
      expect(await store.releaseInFlight("q", T0 + 1)).toBe(1);
      expect(await store.counts("q", T0 + 1)).toEqual({ visible: 1, inFlight: 0, delayed: 1 });
    });

    it("purges a queue and drops its deduplication records", async () => {
      await store.sendBatch("q", [message("m1"), message("m2")]);
      await store.send("other", message("m3"));
      expect(await store.purge("q")).toBe(2);
      expect(await store.counts("q", T0)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
      expect((await store.counts("other", T0)).visible).toBe(1);
      const window = { dedupSince: T0 };
      await store.send("f", message("m4", { dedupId: "d" }), window);
      await store.drop("f");
      expect((await store.send("f", message("m5", { dedupId: "d" }), window)).duplicate).toBe(false);
    });

    it("deduplicates within the window, also after the first message was deleted", async () => {
      const first = await store.send("q", message("m1", { dedupId: "d" }), { dedupSince: T0 - 300_000 });
      const dup = await store.send("q", message("m2", { dedupId: "d", sentAt: T0 + 1 }), {
        dedupSince: T0 + 1 - 300_000,
      });
      expect(dup).toEqual({ messageId: "m1", sequence: first.sequence, duplicate: true });
      const received = (await receive("q")).messages;
      expect(received.map((m) => m.messageId)).toEqual(["m1"]);
      await store.delete("q", received[0]?.receiptHandle ?? "");
      const stillDup = await store.send("q", message("m3", { dedupId: "d" }), { dedupSince: T0 });
      expect(stillDup.duplicate).toBe(true);
      const later = T0 + 300_001;
      const fresh = await store.send("q", message("m4", { dedupId: "d", sentAt: later }), {
        dedupSince: later - 300_000,
      });
      expect(fresh).toMatchObject({ messageId: "m4", duplicate: false });
      expect(await store.send("q", message("m5", { dedupId: "d" }))).toMatchObject({ duplicate: false });
    });

    it("deduplicates inside one batch", async () => {
      const outcomes = await store.sendBatch(
        "q",
        [message("m1", { dedupId: "d" }), message("m2", { dedupId: "d" }), message("m3", { dedupId: "e" })],
        { dedupSince: T0 - 300_000 },
      );
      expect(outcomes.map((o) => [o.messageId, o.duplicate])).toEqual([
        ["m1", false],
        ["m1", true],
        ["m3", false],
      ]);
    });

    it("FIFO: returns groups in order and blocks a group while it has a message in flight", async () => {
      await store.sendBatch("q", [
        message("a1", { groupId: "a" }),
        message("b1", { groupId: "b" }),
        message("a2", { groupId: "a" }),
        message("b2", { groupId: "b" }),
      ]);
      const fifo = (max: number, now = T0) =>
        store.receive("q", { max, now, visibilityMs: 1_000, fifo: true });
      const first = (await fifo(1)).messages;
      expect(first.map((m) => m.messageId)).toEqual(["a1"]);
      expect((await fifo(10)).messages.map((m) => m.messageId)).toEqual(["b1", "b2"]);
      expect((await fifo(10)).messages).toEqual([]);
      await store.delete("q", first[0]?.receiptHandle ?? "");
      expect((await fifo(10)).messages.map((m) => m.messageId)).toEqual(["a2"]);
    });

    it("FIFO: a group's failed message comes back before the rest of its group", async () => {
      await store.sendBatch("q", [message("a1", { groupId: "a" }), message("a2", { groupId: "a" })]);
      const fifo = (now: number) => store.receive("q", { max: 1, now, visibilityMs: 1_000, fifo: true });
      expect((await fifo(T0)).messages.map((m) => m.messageId)).toEqual(["a1"]);
      expect((await fifo(T0 + 500)).messages).toEqual([]);
      const again = (await fifo(T0 + 1_000)).messages;
      expect(again.map((m) => [m.messageId, m.receiveCount])).toEqual([["a1", 2]]);
    });

    it("FIFO: never skips a delayed message of a group", async () => {
      await store.sendBatch("q", [
        message("a1", { groupId: "a", visibleAt: T0 + 1_000 }),
        message("a2", { groupId: "a" }),
        message("b1", { groupId: "b" }),
      ]);
      const fifo = (now: number) => store.receive("q", { max: 10, now, visibilityMs: 30_000, fifo: true });
      expect((await fifo(T0)).messages.map((m) => m.messageId)).toEqual(["b1"]);
      expect((await fifo(T0 + 1_000)).messages.map((m) => m.messageId)).toEqual(["a1", "a2"]);
    });

    it("moves a message received maxReceiveCount times to the dead-letter queue", async () => {
      await store.sendBatch("q", [message("m1", { meta: { k: 1 } }), message("m2")]);
      const redrive = { maxReceiveCount: 2, deadLetterQueueId: "dlq" };
      const take = (now: number, max = 1) => store.receive("q", { max, now, visibilityMs: 1_000, redrive });
      expect((await take(T0)).messages.map((m) => m.messageId)).toEqual(["m1"]);
      expect((await take(T0 + 1_000)).messages.map((m) => [m.messageId, m.receiveCount])).toEqual([
        ["m2", 1],
      ]);
      expect((await take(T0 + 1_000)).messages.map((m) => [m.messageId, m.receiveCount])).toEqual([
        ["m1", 2],
      ]);
      const third = await take(T0 + 2_000, 10);
      expect(third.movedToDeadLetter).toEqual(["m1"]);
      expect(third.messages.map((m) => [m.messageId, m.receiveCount])).toEqual([["m2", 2]]);
      const dead = (await store.receive("dlq", { max: 10, now: T0 + 2_000, visibilityMs: 1_000 })).messages;
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({
        messageId: "m1",
        body: "body of m1",
        meta: { k: 1 },
        sentAt: T0,
        receiveCount: 1,
        deadLetterSourceQueueId: "q",
      });
    });

    it("deletes messages older than the retention bound instead of returning them", async () => {
      await store.sendBatch("q", [message("old"), message("new", { sentAt: T0 + 10, visibleAt: T0 + 10 })]);
      const { messages } = await store.receive("q", {
        max: 10,
        now: T0 + 10,
        visibilityMs: 0,
        expireBefore: T0 + 1,
      });
      expect(messages.map((m) => m.messageId)).toEqual(["new"]);
      expect((await store.peek("q", { limit: 10 })).map((m) => m.messageId)).toEqual(["new"]);
    });

    it("expires messages sent before a bound without receiving", async () => {
      await store.sendBatch("q", [message("old"), message("new", { sentAt: T0 + 10 })]);
      await store.send("other", message("kept"));
      expect(await store.expire("q", T0 + 1)).toBe(1);
      expect((await store.peek("q", { limit: 10 })).map((m) => m.messageId)).toEqual(["new"]);
      expect((await store.peek("other", { limit: 10 })).map((m) => m.messageId)).toEqual(["kept"]);
    });

    it("peeks in sequence order without receiving", async () => {
      const outcomes = await store.sendBatch("q", [message("m1"), message("m2"), message("m3")]);
      const page = await store.peek("q", { limit: 2 });
      expect(page.map((m) => [m.messageId, m.receiveCount])).toEqual([
        ["m1", 0],
        ["m2", 0],
      ]);
      const rest = await store.peek("q", { limit: 2, afterSequence: outcomes[1]?.sequence ?? 0 });
      expect(rest.map((m) => m.messageId)).toEqual(["m3"]);
    });

    it("keeps messages, receives and deletes across a reopen", async (ctx) => {
      if (!handle.reopen) ctx.skip();
      await store.sendBatch("q", [message("m1"), message("m2")]);
      const received = (await receive("q", 1)).messages[0];
      store = (await handle.reopen?.()) ?? store;
      expect(await store.counts("q", T0)).toEqual({ visible: 1, inFlight: 1, delayed: 0 });
      expect(await store.delete("q", received?.receiptHandle ?? "")).toBe(true);
      expect((await receive("q")).messages.map((m) => m.messageId)).toEqual(["m2"]);
    });

    it("receives quickly from a queue of many messages", async () => {
      const batch = Array.from({ length: 5_000 }, (_, i) => message(`m${i}`, { groupId: `g${i % 50}` }));
      await store.sendBatch("q", batch);
      const standard = await store.receive("q", { max: 10, now: T0, visibilityMs: 1_000 });
      expect(standard.messages).toHaveLength(10);
      const fifo = await store.receive("q", { max: 10, now: T0, visibilityMs: 1_000, fifo: true });
      // The groups of the ten in flight are blocked; FIFO finds the next free groups.
      expect(fifo.messages.every((m) => !standard.messages.some((s) => s.groupId === m.groupId))).toBe(true);
    });
  });
}
