import { randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import {
  type ChangeSetRecord,
  type ExportRecord,
  KINDS,
  type StackEvent,
  type StackRecord,
  type StackResources,
} from "./records.js";

/**
 * Stacks, their resources (one document per stack), events (one document each, keyed by
 * `<stackId>/<sequence>` so a prefix lists them in order), change sets and exports in the
 * MetadataStore. Stacks are keyed by StackId: a deleted stack keeps its document (DescribeStacks
 * by ARN, ListStacks) and a new stack of the same name gets a new id.
 */
export class StackStore {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly clock: Clock,
  ) {}

  async allStacks(): Promise<StackRecord[]> {
    return this.listAll<StackRecord>(KINDS.stack);
  }

  async getStack(stackId: string): Promise<StackRecord | undefined> {
    return (await this.metadata.get<StackRecord>(KINDS.stack, stackId))?.value;
  }

  /** The live (not deleted) stack of that name, or the stack of that id (deleted ones too). */
  async findStack(nameOrId: string): Promise<StackRecord | undefined> {
    if (nameOrId.startsWith("arn:")) return this.getStack(nameOrId);
    const all = await this.allStacks();
    return all.find((s) => s.stackName === nameOrId && s.status !== "DELETE_COMPLETE");
  }

  async putStack(stack: StackRecord): Promise<void> {
    await this.metadata.write([{ op: "put", kind: KINDS.stack, key: stack.stackId, value: stack }]);
  }

  async getResources(stackId: string): Promise<StackResources> {
    return (await this.metadata.get<StackResources>(KINDS.resources, stackId))?.value ?? { resources: {} };
  }

  async putResources(stackId: string, resources: StackResources): Promise<void> {
    await this.metadata.write([{ op: "put", kind: KINDS.resources, key: stackId, value: resources }]);
  }

  async addEvent(event: Omit<StackEvent, "EventId" | "Timestamp">): Promise<StackEvent> {
    const sequence = await this.metadata.nextSequence(`stack-events/${event.StackId}`);
    const full: StackEvent = { EventId: randomUUID(), Timestamp: this.clock.now(), ...event };
    if (full.ResourceType !== "AWS::CloudFormation::Stack")
      full.EventId = `${event.LogicalResourceId}-${event.ResourceStatus}-${new Date(full.Timestamp).toISOString()}`;
    const key = `${event.StackId}/${String(sequence).padStart(12, "0")}`;
    await this.metadata.write([{ op: "put", kind: KINDS.events, key, value: full }]);
    return full;
  }

  /** Events of a stack, newest first. */
  async events(stackId: string): Promise<StackEvent[]> {
    const events = await this.listAll<StackEvent>(KINDS.events, `${stackId}/`);
    return events.reverse();
  }

  async getChangeSet(id: string): Promise<ChangeSetRecord | undefined> {
    return (await this.metadata.get<ChangeSetRecord>(KINDS.changeSet, id))?.value;
  }

  async changeSetsOf(stackId: string): Promise<ChangeSetRecord[]> {
    const all = await this.listAll<ChangeSetRecord>(KINDS.changeSet);
    return all.filter((c) => c.stackId === stackId).sort((a, b) => a.createdAt - b.createdAt);
  }

  async putChangeSet(changeSet: ChangeSetRecord): Promise<void> {
    await this.metadata.write([
      { op: "put", kind: KINDS.changeSet, key: changeSet.changeSetId, value: changeSet },
    ]);
  }

  async deleteChangeSet(id: string): Promise<void> {
    await this.metadata.write([{ op: "delete", kind: KINDS.changeSet, key: id }]);
  }

  async exports(): Promise<ExportRecord[]> {
    return this.listAll<ExportRecord>(KINDS.export);
  }

  /** Replaces the exports of one stack by `next` (names already checked as free). */
  async replaceExports(stackId: string, next: ExportRecord[]): Promise<void> {
    const current = (await this.exports()).filter((e) => e.stackId === stackId);
    const keep = new Set(next.map((e) => e.name));
    await this.metadata.write([
      ...current
        .filter((e) => !keep.has(e.name))
        .map((e) => ({ op: "delete" as const, kind: KINDS.export, key: e.name })),
      ...next.map((e) => ({ op: "put" as const, kind: KINDS.export, key: e.name, value: e })),
    ]);
  }

  private async listAll<T>(kind: string, prefix?: string): Promise<T[]> {
    const out: T[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.metadata.list<T>(kind, {
        ...(prefix === undefined ? {} : { prefix }),
        ...(after === undefined ? {} : { after }),
        limit: 1000,
      });
      for (const item of page.items) out.push(item.value);
      if (page.nextAfter === undefined) return out;
      after = page.nextAfter;
    }
  }
}
