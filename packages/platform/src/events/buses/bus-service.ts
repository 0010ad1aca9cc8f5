import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import { eventsError } from "../errors.js";
import { compilePattern, PatternError, type PatternMatcher } from "../patterns/event-pattern.js";
import { RuleIndex } from "../patterns/rule-index.js";
import {
  BUS_KIND,
  type BusDoc,
  busArn,
  DEFAULT_BUS,
  RULE_KIND,
  type RuleDoc,
  type RuleState,
  ruleArn,
  ruleKey,
  type TargetDef,
} from "./bus-model.js";

export interface RuleInput {
  name: string;
  busName: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state?: RuleState;
  description?: string;
  roleArn?: string;
}

/** Listens to rule changes (the schedule engine re-reads scheduled rules). */
export type RuleListener = (busName: string, ruleName: string, rule: RuleDoc | undefined) => void;

/**
 * Event buses and their rules (with targets) as MetadataStore documents. Keeps the compiled
 * rules of each bus in memory (this single node is the only writer) so matching an event never
 * reads storage; every write drops the bus's entry.
 */
export class BusService {
  private readonly compiled = new Map<string, RuleIndex<RuleDoc>>();
  private readonly listeners: RuleListener[] = [];

  constructor(
    private readonly store: MetadataStore,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
  ) {}

  onRuleChange(listener: RuleListener): void {
    this.listeners.push(listener);
  }

  /** The default bus always exists; it is written on first use. */
  async getBus(name: string): Promise<BusDoc | undefined> {
    const doc = await this.store.get<BusDoc>(BUS_KIND, name);
    if (doc) return doc.value;
    if (name !== DEFAULT_BUS) return undefined;
    const now = this.clock.now();
    return { name, arn: busArn(this.scope, name), createdAt: now, lastModifiedAt: now };
  }

  /** Stores the default bus once, so its CreationTime stays put. */
  async ensureDefaultBus(): Promise<void> {
    if (await this.store.get(BUS_KIND, DEFAULT_BUS)) return;
    const bus = (await this.getBus(DEFAULT_BUS)) as BusDoc;
    await this.store.write([
      { op: "put", kind: BUS_KIND, key: DEFAULT_BUS, value: bus, expectRevision: "absent" },
    ]);
  }

  async requireBus(name: string): Promise<BusDoc> {
    const bus = await this.getBus(name);
    if (!bus) throw eventsError.notFound(`Event bus ${name} does not exist.`);
    return bus;
  }

  async createBus(name: string, description: string | undefined): Promise<BusDoc> {
    if (name === DEFAULT_BUS || (await this.store.get(BUS_KIND, name)))
      throw eventsError.alreadyExists(`Event bus ${name} already exists.`);
    const now = this.clock.now();
    const bus: BusDoc = { name, arn: busArn(this.scope, name), createdAt: now, lastModifiedAt: now };
    if (description !== undefined) bus.description = description;
    await this.store.write([{ op: "put", kind: BUS_KIND, key: name, value: bus, expectRevision: "absent" }]);
    return bus;
  }

  /** Deleting a bus deletes its rules; deleting one that does not exist succeeds, as on AWS. */
  async deleteBus(name: string): Promise<void> {
    if (name === DEFAULT_BUS) throw eventsError.validation("Cannot delete event bus default.");
    const rules = await this.listRules(name);
    await this.store.write([
      ...rules.map((r) => ({ op: "delete" as const, kind: RULE_KIND, key: ruleKey(name, r.name) })),
      { op: "delete", kind: BUS_KIND, key: name },
    ]);
    this.compiled.delete(name);
    for (const r of rules) this.notify(name, r.name, undefined);
  }

  async listBuses(): Promise<BusDoc[]> {
    const page = await this.store.list<BusDoc>(BUS_KIND);
    const buses = page.items.map((i) => i.value);
    if (!buses.some((b) => b.name === DEFAULT_BUS)) buses.push((await this.getBus(DEFAULT_BUS)) as BusDoc);
    return buses.sort((a, b) => a.name.localeCompare(b.name));
  }

  async getRule(busName: string, name: string): Promise<RuleDoc | undefined> {
    return (await this.store.get<RuleDoc>(RULE_KIND, ruleKey(busName, name)))?.value;
  }

  async requireRule(busName: string, name: string): Promise<RuleDoc> {
    const rule = await this.getRule(busName, name);
    if (!rule) throw eventsError.notFound(`Rule ${name} does not exist on EventBus ${busName}.`);
    return rule;
  }

  /** Creates or updates a rule (PutRule); targets and the schedule's start are kept on update. */
  async putRule(input: RuleInput): Promise<RuleDoc> {
    await this.requireBus(input.busName);
    if (input.eventPattern !== undefined) checkPattern(input.eventPattern);
    const existing = await this.store.get<RuleDoc>(RULE_KIND, ruleKey(input.busName, input.name));
    const now = this.clock.now();
    const rule: RuleDoc = {
      name: input.name,
      busName: input.busName,
      arn: ruleArn(this.scope, input.busName, input.name),
      state: input.state ?? "ENABLED",
      createdAt: existing?.value.createdAt ?? now,
      targets: existing?.value.targets ?? [],
    };
    if (input.eventPattern !== undefined) rule.eventPattern = input.eventPattern;
    if (input.scheduleExpression !== undefined) {
      rule.scheduleExpression = input.scheduleExpression;
      const same = existing?.value.scheduleExpression === input.scheduleExpression;
      rule.scheduleSince = same ? (existing?.value.scheduleSince ?? now) : now;
    }
    if (input.description !== undefined) rule.description = input.description;
    if (input.roleArn !== undefined) rule.roleArn = input.roleArn;
    await this.saveRule(rule, existing?.revision ?? "absent");
    return rule;
  }

  async setState(busName: string, name: string, state: RuleState): Promise<void> {
    const doc = await this.store.get<RuleDoc>(RULE_KIND, ruleKey(busName, name));
    if (!doc) throw eventsError.notFound(`Rule ${name} does not exist on EventBus ${busName}.`);
    await this.saveRule({ ...doc.value, state }, doc.revision);
  }

  async deleteRule(busName: string, name: string): Promise<void> {
    const doc = await this.store.get<RuleDoc>(RULE_KIND, ruleKey(busName, name));
    if (!doc) return;
    if (doc.value.targets.length > 0)
      throw eventsError.validation("Rule can't be deleted since it has targets.");
    await this.store.write([
      { op: "delete", kind: RULE_KIND, key: ruleKey(busName, name), expectRevision: doc.revision },
    ]);
    this.compiled.delete(busName);
    this.notify(busName, name, undefined);
  }

  async listRules(busName: string): Promise<RuleDoc[]> {
    const out: RuleDoc[] = [];
    let after: string | undefined;
    do {
      const page = await this.store.list<RuleDoc>(RULE_KIND, {
        prefix: `${busName}/`,
        limit: 500,
        ...(after !== undefined && { after }),
      });
      out.push(...page.items.map((i) => i.value));
      after = page.nextAfter;
    } while (after);
    return out;
  }

  /** Every rule of every bus (the schedule engine at start-up, ListRuleNamesByTarget). */
  async allRules(): Promise<RuleDoc[]> {
    const page = await this.store.list<RuleDoc>(RULE_KIND);
    return page.items.map((i) => i.value);
  }

  /** Replaces the targets of a rule in one write (PutTargets / RemoveTargets). */
  async updateTargets(
    busName: string,
    name: string,
    change: (targets: TargetDef[]) => TargetDef[],
  ): Promise<void> {
    const doc = await this.store.get<RuleDoc>(RULE_KIND, ruleKey(busName, name));
    if (!doc) throw eventsError.notFound(`Rule ${name} does not exist on EventBus ${busName}.`);
    const targets = change(doc.value.targets);
    if (targets.length > 5)
      throw eventsError.limitExceeded(
        `The requested resource exceeds the maximum number allowed (5 targets).`,
      );
    await this.saveRule({ ...doc.value, targets }, doc.revision);
  }

  /** The enabled pattern rules of a bus, compiled and indexed once per change. */
  async liveRules(busName: string): Promise<RuleIndex<RuleDoc>> {
    const cached = this.compiled.get(busName);
    if (cached) return cached;
    const index = new RuleIndex<RuleDoc>();
    for (const rule of await this.listRules(busName))
      if (rule.state === "ENABLED" && rule.eventPattern !== undefined) index.add(rule.eventPattern, rule);
    this.compiled.set(busName, index);
    return index;
  }

  private async saveRule(rule: RuleDoc, expect: number | "absent"): Promise<void> {
    await this.store.write([
      {
        op: "put",
        kind: RULE_KIND,
        key: ruleKey(rule.busName, rule.name),
        value: rule,
        expectRevision: expect,
      },
    ]);
    this.compiled.delete(rule.busName);
    this.notify(rule.busName, rule.name, rule);
  }

  private notify(busName: string, name: string, rule: RuleDoc | undefined): void {
    for (const listener of this.listeners) listener(busName, name, rule);
  }
}

/** Compiles a pattern, answering InvalidEventPatternException with the reason. */
export function checkPattern(text: string): PatternMatcher {
  if (text.length > 4096) throw eventsError.invalidPattern("Event pattern exceeds 4096 characters.");
  try {
    return compilePattern(text);
  } catch (error) {
    if (error instanceof PatternError) throw eventsError.invalidPattern(error.message);
    throw error;
  }
}
