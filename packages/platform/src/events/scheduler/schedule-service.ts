import { randomUUID } from "node:crypto";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import type { EventQueue } from "../delivery/event-queue.js";
import { schedulerError } from "../errors.js";
import type { ScheduleEngine, ScheduleJob } from "../schedule/schedule-engine.js";
import { parseScheduleExpression } from "../schedule/schedule-expression.js";
import { TimeZone } from "../schedule/time-zone.js";
import {
  DEFAULT_GROUP,
  GROUP_KIND,
  groupArn,
  SCHEDULE_KIND,
  type ScheduleDoc,
  type ScheduleGroupDoc,
  scheduleArn,
  scheduleKey,
} from "./schedule-model.js";

/** A schedule as the API gives it, before the service adds ARN, dates and jitter. */
export type ScheduleInput = Omit<ScheduleDoc, "arn" | "createdAt" | "modifiedAt" | "jitter">;

/**
 * Schedules and schedule groups (MetadataStore documents) and their jobs in the engine. A
 * schedule's slot hands a delivery message (the target, the Input with its placeholders filled)
 * to the internal events queue, deduplicated per slot; the dispatcher delivers it with the
 * target's retry policy and dead-letter queue.
 */
export class ScheduleService {
  constructor(
    private readonly store: MetadataStore,
    private readonly engine: ScheduleEngine,
    private readonly queue: EventQueue,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
    private readonly random: () => number,
  ) {}

  /** Jobs of every enabled schedule, for the engine's start. */
  async jobs(): Promise<ScheduleJob[]> {
    const page = await this.store.list<ScheduleDoc>(SCHEDULE_KIND);
    return page.items.filter((i) => i.value.state === "ENABLED").map((i) => this.job(i.value));
  }

  async getGroup(name: string): Promise<ScheduleGroupDoc | undefined> {
    const doc = await this.store.get<ScheduleGroupDoc>(GROUP_KIND, name);
    if (doc) return doc.value;
    if (name !== DEFAULT_GROUP) return undefined;
    return { name, arn: groupArn(this.scope, name), createdAt: 0, modifiedAt: 0 };
  }

  async createGroup(name: string): Promise<ScheduleGroupDoc> {
    if (name === DEFAULT_GROUP || (await this.store.get(GROUP_KIND, name)))
      throw schedulerError.conflict(`Schedule group ${name} already exists.`);
    const now = this.clock.now();
    const group = { name, arn: groupArn(this.scope, name), createdAt: now, modifiedAt: now };
    await this.store.write([
      { op: "put", kind: GROUP_KIND, key: name, value: group, expectRevision: "absent" },
    ]);
    return group;
  }

  /** Deletes a group and its schedules (AWS does this asynchronously; here at once). */
  async deleteGroup(name: string): Promise<void> {
    if (name === DEFAULT_GROUP) throw schedulerError.validation("You cannot delete the default group.");
    if (!(await this.store.get(GROUP_KIND, name)))
      throw schedulerError.notFound(`Schedule group ${name} does not exist.`);
    const schedules = await this.list(name);
    await this.store.write([
      ...schedules.map((s) => ({
        op: "delete" as const,
        kind: SCHEDULE_KIND,
        key: scheduleKey(name, s.name),
      })),
      { op: "delete", kind: GROUP_KIND, key: name },
    ]);
    for (const s of schedules) await this.engine.remove(s.arn);
  }

  async listGroups(): Promise<ScheduleGroupDoc[]> {
    const page = await this.store.list<ScheduleGroupDoc>(GROUP_KIND);
    return [(await this.getGroup(DEFAULT_GROUP)) as ScheduleGroupDoc, ...page.items.map((i) => i.value)];
  }

  async get(group: string, name: string): Promise<ScheduleDoc> {
    const doc = await this.store.get<ScheduleDoc>(SCHEDULE_KIND, scheduleKey(group, name));
    if (!doc) throw schedulerError.notFound(`Schedule ${name} does not exist.`);
    return doc.value;
  }

  async list(group?: string): Promise<ScheduleDoc[]> {
    const page = await this.store.list<ScheduleDoc>(
      SCHEDULE_KIND,
      group === undefined ? {} : { prefix: `${group}/` },
    );
    return page.items.map((i) => i.value);
  }

  async create(input: ScheduleInput): Promise<ScheduleDoc> {
    if (!(await this.getGroup(input.group)))
      throw schedulerError.notFound(`Schedule group ${input.group} does not exist.`);
    const key = scheduleKey(input.group, input.name);
    const existing = await this.store.get<ScheduleDoc>(SCHEDULE_KIND, key);
    if (existing) {
      // The SDK sends one ClientToken per call, the same on its retries: a retry is not a conflict.
      if (input.clientToken !== undefined && existing.value.clientToken === input.clientToken)
        return existing.value;
      throw schedulerError.conflict(`Schedule ${input.name} already exists.`);
    }
    const now = this.clock.now();
    const doc: ScheduleDoc = {
      ...input,
      arn: scheduleArn(this.scope, input.group, input.name),
      createdAt: now,
      modifiedAt: now,
      jitter: this.random(),
    };
    await this.store.write([{ op: "put", kind: SCHEDULE_KIND, key, value: doc, expectRevision: "absent" }]);
    await this.sync(doc);
    return doc;
  }

  /** UpdateSchedule replaces every setting; the last fired slot is kept (no slot fires twice). */
  async update(input: ScheduleInput): Promise<ScheduleDoc> {
    const key = scheduleKey(input.group, input.name);
    const existing = await this.store.get<ScheduleDoc>(SCHEDULE_KIND, key);
    if (!existing) throw schedulerError.notFound(`Schedule ${input.name} does not exist.`);
    const doc: ScheduleDoc = {
      ...input,
      arn: existing.value.arn,
      createdAt: existing.value.createdAt,
      modifiedAt: this.clock.now(),
      jitter: existing.value.jitter,
    };
    await this.store.write([
      { op: "put", kind: SCHEDULE_KIND, key, value: doc, expectRevision: existing.revision },
    ]);
    await this.sync(doc);
    return doc;
  }

  async delete(group: string, name: string): Promise<void> {
    const doc = await this.get(group, name);
    await this.store.write([{ op: "delete", kind: SCHEDULE_KIND, key: scheduleKey(group, name) }]);
    await this.engine.remove(doc.arn);
  }

  private async sync(doc: ScheduleDoc): Promise<void> {
    if (doc.state === "ENABLED") await this.engine.upsert(this.job(doc));
    else await this.engine.remove(doc.arn, false);
  }

  /** The engine's view of a schedule. */
  job(doc: ScheduleDoc): ScheduleJob {
    const expression = parseScheduleExpression(doc.expression, { allowAt: true });
    const job: ScheduleJob = {
      id: doc.arn,
      expression,
      slots: {
        zone: new TimeZone(doc.timezone),
        anchor: doc.startDate ?? doc.createdAt,
        anchorIsSlot: doc.startDate !== undefined,
      },
      windowMs: doc.window.mode === "FLEXIBLE" ? (doc.window.maximumWindowMinutes ?? 0) * 60_000 : 0,
      jitter: doc.jitter,
      // A schedule never fires for a slot before it existed (a StartDate in the past included).
      notBefore: doc.createdAt - 1,
      fire: (slot) => this.fire(doc, slot),
    };
    if (doc.startDate !== undefined) job.startMs = doc.startDate;
    if (doc.endDate !== undefined) job.endMs = doc.endDate;
    if (doc.actionAfterCompletion === "DELETE")
      job.completed = () => this.delete(doc.group, doc.name).catch(() => undefined);
    return job;
  }

  private async fire(doc: ScheduleDoc, slot: number): Promise<void> {
    const executionId = randomUUID();
    const body = fillPlaceholders(doc.target.input ?? "{}", {
      "aws.scheduler.schedule-arn": doc.arn,
      "aws.scheduler.scheduled-time": `${new Date(slot).toISOString().slice(0, 19)}Z`,
      "aws.scheduler.execution-id": executionId,
      "aws.scheduler.attempt-number": "1",
    });
    const now = this.clock.now();
    await this.queue.sendOnce(`schedule:${doc.arn}:${slot}`, body, {
      kind: "delivery",
      targetArn: doc.target.arn,
      retry: doc.target.retryPolicy,
      attempts: 0,
      firstAt: now,
      deadLetterBody: body,
      deadLetterAttributes: { SCHEDULE_ARN: doc.arn, TARGET_ARN: doc.target.arn, EXECUTION_ID: executionId },
      ...(doc.target.deadLetterArn !== undefined && { deadLetterArn: doc.target.deadLetterArn }),
      ...(doc.target.messageGroupId !== undefined && { groupId: doc.target.messageGroupId }),
    });
  }
}

/** The Scheduler's context attributes in a target's Input (`<aws.scheduler.schedule-arn>`, ...). */
export function fillPlaceholders(input: string, values: Record<string, string>): string {
  return input.replace(/<(aws\.scheduler\.[a-z-]+)>/g, (whole, name: string) => values[name] ?? whole);
}
