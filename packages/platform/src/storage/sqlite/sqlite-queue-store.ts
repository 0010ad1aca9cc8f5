import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type {
  DedupWindow,
  NewQueueMessage,
  QueueCounts,
  QueueStore,
  ReceiveOptions,
  ReceiveOutcome,
  SendOutcome,
  StoredQueueMessage,
  VisibilityChangeOptions,
} from "../queue-store.js";
import { GroupCommit } from "./group-commit.js";
import { openDatabase } from "./open-database.js";

interface MessageRow {
  seq: number;
  queue_id: string;
  message_id: string;
  body: string;
  meta: string | null;
  sent_at: number;
  group_id: string | null;
  dedup_id: string | null;
  receive_count: number;
  first_received_at: number | null;
  visible_at: number;
  receipt: string | null;
  dlq_source: string | null;
}

// seq is AUTOINCREMENT: never reused, so it is strictly increasing per queue (FIFO's
// SequenceNumber) and names a message inside a receipt handle.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS queue_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    meta TEXT,
    sent_at INTEGER NOT NULL,
    group_id TEXT,
    dedup_id TEXT,
    receive_count INTEGER NOT NULL DEFAULT 0,
    first_received_at INTEGER,
    visible_at INTEGER NOT NULL,
    receipt TEXT,
    dlq_source TEXT);
  -- Standard receive walks visible messages in (visible_at, seq) order.
  CREATE INDEX IF NOT EXISTS queue_messages_by_visibility ON queue_messages (queue_id, visible_at, seq);
  -- FIFO receive seeks from group to group (one seek per group, however long the group) and
  -- finds the groups with a message in flight among the few received messages. Partial: the
  -- messages of standard queues (no group) cost no entry here on every send and delete.
  DROP INDEX IF EXISTS queue_messages_by_group_seq;
  CREATE INDEX IF NOT EXISTS queue_messages_by_group ON queue_messages (queue_id, group_id, seq)
    WHERE group_id IS NOT NULL;
  -- (queue_id, seq) is not indexed: only peek walks a queue in sequence order, and it is rare
  -- (listings, the oldest-event gauge); every send and delete would pay for the index.
  DROP INDEX IF EXISTS queue_messages_by_seq;
  CREATE INDEX IF NOT EXISTS queue_messages_in_flight ON queue_messages (queue_id, visible_at)
    WHERE receive_count > 0;
  CREATE INDEX IF NOT EXISTS queue_messages_by_sent ON queue_messages (queue_id, sent_at);
  -- Deduplication outlives the message (a deleted message still deduplicates within the window).
  CREATE TABLE IF NOT EXISTS queue_dedup (
    queue_id TEXT NOT NULL,
    dedup_id TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (queue_id, dedup_id));
  CREATE INDEX IF NOT EXISTS queue_dedup_by_sent ON queue_dedup (queue_id, sent_at);
`;

const COLUMNS = `seq, queue_id, message_id, body, meta, sent_at, group_id, dedup_id, receive_count,
  first_received_at, visible_at, receipt, dlq_source`;

/**
 * The embedded QueueStore: every queue's messages in one SQLite file (WAL). Each method runs in
 * one transaction, so a receive, a redrive or a batch is all-or-nothing and committed before the
 * promise resolves.
 */
export class SqliteQueueStore implements QueueStore {
  private readonly db: Database.Database;
  private readonly stmts;
  /** FIFO: the group each queue last served, where the next receive's round-robin starts. */
  private readonly fifoCursor = new Map<string, string>();
  /** Random bytes for receipt tokens, drawn in blocks: one getrandom call per 256 receipts. */
  private entropy = Buffer.alloc(0);
  private entropyAt = 0;
  /** Writes started in one event-loop turn share one transaction (see GroupCommit). */
  private readonly groupCommit: GroupCommit;

  constructor(path: string) {
    this.db = openDatabase(path);
    this.groupCommit = new GroupCommit(this.db);
    this.db.exec(SCHEMA);
    const columns = this.db.prepare<[], { name: string }>("PRAGMA table_info(queue_messages)").all();
    // Files written before the column existed.
    if (!columns.some((c) => c.name === "dlq_source"))
      this.db.exec("ALTER TABLE queue_messages ADD COLUMN dlq_source TEXT");
    this.stmts = {
      move: this.db.prepare<
        [string, string, string, string | null, number, string | null, string | null, number, string]
      >(
        `INSERT INTO queue_messages (queue_id, message_id, body, meta, sent_at, group_id, dedup_id, visible_at, dlq_source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insert: this.db.prepare<
        [string, string, string, string | null, number, string | null, string | null, number]
      >(
        `INSERT INTO queue_messages (queue_id, message_id, body, meta, sent_at, group_id, dedup_id, visible_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      dedupGet: this.db.prepare<[string, string], { sent_at: number; message_id: string; seq: number }>(
        "SELECT sent_at, message_id, seq FROM queue_dedup WHERE queue_id = ? AND dedup_id = ?",
      ),
      dedupPut: this.db.prepare<[string, string, number, string, number]>(
        `INSERT INTO queue_dedup (queue_id, dedup_id, sent_at, message_id, seq) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (queue_id, dedup_id) DO UPDATE SET sent_at = excluded.sent_at,
           message_id = excluded.message_id, seq = excluded.seq`,
      ),
      dedupExpire: this.db.prepare<[string, number]>(
        "DELETE FROM queue_dedup WHERE queue_id = ? AND sent_at < ?",
      ),
      expire: this.db.prepare<[string, number]>(
        "DELETE FROM queue_messages WHERE queue_id = ? AND sent_at < ?",
      ),
      standardCandidates: this.db.prepare<[string, number, number], MessageRow>(
        `SELECT ${COLUMNS} FROM queue_messages WHERE queue_id = ? AND visible_at <= ?
         ORDER BY visible_at, seq LIMIT ?`,
      ),
      inFlightGroups: this.db.prepare<[string, number], { group_id: string }>(
        `SELECT DISTINCT group_id FROM queue_messages
         WHERE queue_id = ? AND visible_at > ? AND receive_count > 0 AND group_id IS NOT NULL`,
      ),
      nextGroupHead: this.db.prepare<[string, string], { group_id: string }>(
        `SELECT group_id FROM queue_messages WHERE queue_id = ? AND group_id > ?
         ORDER BY group_id, seq LIMIT 1`,
      ),
      groupMessages: this.db.prepare<[string, string, number, number], MessageRow>(
        `SELECT ${COLUMNS} FROM queue_messages WHERE queue_id = ? AND group_id = ? AND seq > ?
         ORDER BY seq LIMIT ?`,
      ),
      markReceived: this.db.prepare<[number, number, string, number]>(
        `UPDATE queue_messages SET receive_count = receive_count + 1,
           first_received_at = COALESCE(first_received_at, ?), visible_at = ?, receipt = ? WHERE seq = ?`,
      ),
      deleteSeq: this.db.prepare<[number]>("DELETE FROM queue_messages WHERE seq = ?"),
      deleteByReceipt: this.db.prepare<[number, string, string]>(
        "DELETE FROM queue_messages WHERE seq = ? AND queue_id = ? AND receipt = ?",
      ),
      changeVisibility: this.db.prepare<[number, number, string, string, number]>(
        "UPDATE queue_messages SET visible_at = ? WHERE seq = ? AND queue_id = ? AND receipt = ? AND visible_at > ?",
      ),
      releaseInFlight: this.db.prepare<[number, string, number]>(
        "UPDATE queue_messages SET visible_at = ? WHERE queue_id = ? AND receive_count > 0 AND visible_at > ?",
      ),
      purge: this.db.prepare<[string]>("DELETE FROM queue_messages WHERE queue_id = ?"),
      dropDedup: this.db.prepare<[string]>("DELETE FROM queue_dedup WHERE queue_id = ?"),
      counts: this.db.prepare<[number, number, number, string], QueueCounts>(
        `SELECT COALESCE(SUM(visible_at <= ?), 0) AS visible,
           COALESCE(SUM(visible_at > ? AND receive_count > 0), 0) AS inFlight,
           COALESCE(SUM(visible_at > ? AND receive_count = 0), 0) AS delayed
         FROM queue_messages WHERE queue_id = ?`,
      ),
      nextVisibleAt: this.db.prepare<[string, number], { at: number | null }>(
        "SELECT MIN(visible_at) AS at FROM queue_messages WHERE queue_id = ? AND visible_at > ?",
      ),
      peek: this.db.prepare<[string, number, number], MessageRow>(
        `SELECT ${COLUMNS} FROM queue_messages WHERE queue_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      ),
    };
  }

  async send(queueId: string, message: NewQueueMessage, dedup?: DedupWindow): Promise<SendOutcome> {
    return this.groupCommit.run(() => this.sendOne(queueId, message, dedup));
  }

  async sendBatch(queueId: string, messages: NewQueueMessage[], dedup?: DedupWindow): Promise<SendOutcome[]> {
    return this.groupCommit.run(() => messages.map((message) => this.sendOne(queueId, message, dedup)));
  }

  async receive(queueId: string, options: ReceiveOptions): Promise<ReceiveOutcome> {
    return this.groupCommit.run(() => {
      if (options.expireBefore !== undefined) this.stmts.expire.run(queueId, options.expireBefore);
      const outcome: ReceiveOutcome = { messages: [], movedToDeadLetter: [] };
      if (options.fifo) this.receiveFifo(queueId, options, outcome);
      else this.receiveStandard(queueId, options, outcome);
      return outcome;
    });
  }

  async delete(queueId: string, receiptHandle: string): Promise<boolean> {
    return this.groupCommit.run(() => this.deleteOne(queueId, receiptHandle));
  }

  async deleteBatch(queueId: string, receiptHandles: string[]): Promise<boolean[]> {
    return this.groupCommit.run(() => receiptHandles.map((handle) => this.deleteOne(queueId, handle)));
  }

  async changeVisibility(
    queueId: string,
    receiptHandle: string,
    visibleAt: number,
    options: VisibilityChangeOptions = {},
  ): Promise<boolean> {
    return this.groupCommit.run(() => this.changeOne(queueId, { receiptHandle, visibleAt, ...options }));
  }

  async changeVisibilityBatch(
    queueId: string,
    entries: ({ receiptHandle: string; visibleAt: number } & VisibilityChangeOptions)[],
  ): Promise<boolean[]> {
    return this.groupCommit.run(() => entries.map((entry) => this.changeOne(queueId, entry)));
  }

  async releaseInFlight(queueId: string, now: number): Promise<number> {
    return this.groupCommit.run(() => this.stmts.releaseInFlight.run(now, queueId, now).changes);
  }

  async purge(queueId: string): Promise<number> {
    return this.groupCommit.run(() => this.stmts.purge.run(queueId).changes);
  }

  /** Removes the queue's messages and deduplication records (DeleteQueue). */
  async drop(queueId: string): Promise<void> {
    await this.groupCommit.run(() => {
      this.stmts.purge.run(queueId);
      this.stmts.dropDedup.run(queueId);
    });
  }

  async expire(queueId: string, before: number): Promise<number> {
    return this.groupCommit.run(() => this.stmts.expire.run(queueId, before).changes);
  }

  async counts(queueId: string, now: number): Promise<QueueCounts> {
    const row = this.stmts.counts.get(now, now, now, queueId);
    return { visible: row?.visible ?? 0, inFlight: row?.inFlight ?? 0, delayed: row?.delayed ?? 0 };
  }

  async nextVisibleAt(queueId: string, now: number): Promise<number | undefined> {
    return this.stmts.nextVisibleAt.get(queueId, now)?.at ?? undefined;
  }

  async peek(
    queueId: string,
    options: { limit: number; afterSequence?: number },
  ): Promise<StoredQueueMessage[]> {
    return this.stmts.peek.all(queueId, options.afterSequence ?? 0, options.limit).map(toStored);
  }

  async close(): Promise<void> {
    this.groupCommit.flush();
    if (this.db.open) this.db.close();
  }

  private receiveStandard(queueId: string, options: ReceiveOptions, outcome: ReceiveOutcome): void {
    // Moving a message to the dead-letter queue frees a slot, so look again until full or dry.
    for (;;) {
      const want = options.max - outcome.messages.length;
      if (want <= 0) return;
      const rows = this.stmts.standardCandidates.all(queueId, options.now, want);
      let moved = 0;
      for (const row of rows) if (!this.take(row, options, outcome)) moved++;
      if (moved === 0) return;
    }
  }

  /**
   * Walks the groups round-robin from the one after the last group served, so a busy group
   * cannot starve the others. A group with a message in flight is skipped whole; otherwise its
   * messages are taken in order up to the first one not yet visible (a group is never skipped).
   */
  private receiveFifo(queueId: string, options: ReceiveOptions, outcome: ReceiveOutcome): void {
    const blocked = new Set(this.stmts.inFlightGroups.all(queueId, options.now).map((r) => r.group_id));
    const start = this.fifoCursor.get(queueId) ?? "";
    let cursor = start;
    let wrapped = start === "";
    for (;;) {
      if (outcome.messages.length >= options.max) break;
      const next = this.stmts.nextGroupHead.get(queueId, cursor);
      if (!next) {
        if (wrapped) break;
        wrapped = true;
        cursor = "";
        continue;
      }
      const group = next.group_id;
      if (wrapped && start !== "" && group > start) break;
      cursor = group;
      if (blocked.has(group)) continue;
      const before = outcome.messages.length;
      this.takeGroup(queueId, group, options, outcome);
      if (outcome.messages.length > before) this.fifoCursor.set(queueId, group);
    }
  }

  /** Takes a group's messages in order up to the first one not visible yet. */
  private takeGroup(queueId: string, group: string, options: ReceiveOptions, outcome: ReceiveOutcome): void {
    let afterSeq = 0;
    for (;;) {
      const want = options.max - outcome.messages.length;
      if (want <= 0) return;
      const rows = this.stmts.groupMessages.all(queueId, group, afterSeq, want);
      let moved = 0;
      for (const row of rows) {
        if (row.visible_at > options.now) return;
        if (!this.take(row, options, outcome)) moved++;
        afterSeq = row.seq;
      }
      // Only a move to the dead-letter queue leaves room for more of this group.
      if (moved === 0 || rows.length < want) return;
    }
  }

  /** 16 unguessable base64url characters (12 random bytes). */
  private receiptToken(): string {
    if (this.entropyAt + 12 > this.entropy.length) {
      this.entropy = randomBytes(12 * 256);
      this.entropyAt = 0;
    }
    const token = this.entropy.toString("base64url", this.entropyAt, this.entropyAt + 12);
    this.entropyAt += 12;
    return token;
  }

  /** Receives `row`, or moves it to the dead-letter queue; false when moved. */
  private take(row: MessageRow, options: ReceiveOptions, outcome: ReceiveOutcome): boolean {
    const redrive = options.redrive;
    if (redrive && row.receive_count >= redrive.maxReceiveCount) {
      this.stmts.deleteSeq.run(row.seq);
      this.stmts.move.run(
        redrive.deadLetterQueueId,
        row.message_id,
        row.body,
        row.meta,
        row.sent_at,
        row.group_id,
        row.dedup_id,
        options.now,
        row.queue_id,
      );
      outcome.movedToDeadLetter.push(row.message_id);
      return false;
    }
    const visibleAt = options.now + options.visibilityMs;
    const receipt = `${row.seq}:${this.receiptToken()}`;
    this.stmts.markReceived.run(options.now, visibleAt, receipt, row.seq);
    outcome.messages.push({
      ...toStored(row),
      receiveCount: row.receive_count + 1,
      firstReceivedAt: row.first_received_at ?? options.now,
      visibleAt,
      receiptHandle: receipt,
    });
    return true;
  }

  private sendOne(queueId: string, message: NewQueueMessage, dedup: DedupWindow | undefined): SendOutcome {
    if (message.dedupId !== undefined && dedup !== undefined) {
      const seen = this.stmts.dedupGet.get(queueId, message.dedupId);
      if (seen && seen.sent_at >= dedup.dedupSince) {
        return { messageId: seen.message_id, sequence: seen.seq, duplicate: true };
      }
    }
    const meta = message.meta === undefined ? null : JSON.stringify(message.meta);
    const seq = Number(
      this.stmts.insert.run(
        queueId,
        message.messageId,
        message.body,
        meta,
        message.sentAt,
        message.groupId ?? null,
        message.dedupId ?? null,
        message.visibleAt,
      ).lastInsertRowid,
    );
    if (message.dedupId !== undefined && dedup !== undefined) {
      // Records older than the window can never match again; drop them as we go.
      this.stmts.dedupExpire.run(queueId, dedup.dedupSince);
      this.stmts.dedupPut.run(queueId, message.dedupId, message.sentAt, message.messageId, seq);
    }
    return { messageId: message.messageId, sequence: seq, duplicate: false };
  }

  private changeOne(
    queueId: string,
    entry: { receiptHandle: string; visibleAt: number } & VisibilityChangeOptions,
  ): boolean {
    const seq = seqOf(entry.receiptHandle);
    if (seq === undefined) return false;
    const after = entry.inFlightAt ?? Number.MIN_SAFE_INTEGER;
    return (
      this.stmts.changeVisibility.run(entry.visibleAt, seq, queueId, entry.receiptHandle, after).changes > 0
    );
  }

  private deleteOne(queueId: string, receiptHandle: string): boolean {
    const seq = seqOf(receiptHandle);
    if (seq === undefined) return false;
    return this.stmts.deleteByReceipt.run(seq, queueId, receiptHandle).changes > 0;
  }
}

/** The message's seq from a receipt handle `<seq>:<nonce>`; undefined for anything else. */
function seqOf(receiptHandle: string): number | undefined {
  const colon = receiptHandle.indexOf(":");
  if (colon <= 0) return undefined;
  const seq = Number(receiptHandle.slice(0, colon));
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}

function toStored(row: MessageRow): StoredQueueMessage {
  return {
    messageId: row.message_id,
    body: row.body,
    meta: row.meta === null ? undefined : JSON.parse(row.meta),
    sentAt: row.sent_at,
    sequence: row.seq,
    groupId: row.group_id ?? undefined,
    dedupId: row.dedup_id ?? undefined,
    receiveCount: row.receive_count,
    firstReceivedAt: row.first_received_at ?? undefined,
    visibleAt: row.visible_at,
    deadLetterSourceQueueId: row.dlq_source ?? undefined,
  };
}
