import { randomUUID } from "node:crypto";
import type { JsonRpcService } from "../aws/json-rpc.js";
import type { RestRouter } from "../aws/rest-router.js";
import type { AccountScope } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { TargetHandler, Targets } from "../core/targets.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import type { QueueStore } from "../storage/queue-store.js";
import { type BusEvent, busNameOf, DEFAULT_BUS, type RuleDoc, ruleArn } from "./buses/bus-model.js";
import { BusService } from "./buses/bus-service.js";
import { createEventsApi } from "./buses/events-api.js";
import { isoSeconds } from "./buses/put-events.js";
import { EventDispatcher } from "./delivery/event-dispatcher.js";
import { EventQueue } from "./delivery/event-queue.js";
import { eventsError } from "./errors.js";
import { ScheduleEngine, type ScheduleJob } from "./schedule/schedule-engine.js";
import { parseScheduleExpression } from "./schedule/schedule-expression.js";
import { TimeZone } from "./schedule/time-zone.js";
import { ScheduleService } from "./scheduler/schedule-service.js";
import { createSchedulerApi } from "./scheduler/scheduler-api.js";
import { TagStore } from "./tags.js";

/** The `events` section of the config (docs/event-buses.md, docs/schedules.md). */
export interface EventsConfig {
  /** Events and deliveries handled at once. */
  maxParallel: number;
  /** First retry delay of a failed delivery; doubles per attempt up to `maxRetryDelayMs`. */
  retryBaseDelayMs: number;
  maxRetryDelayMs: number;
  /** A slot missed while the server was down still fires at start-up this long after it (OFF windows, rules). */
  missedSlotGraceMs: number;
}

export interface EventsDeps {
  metadata: MetadataStore;
  queueStore: QueueStore;
  targets: Targets;
  clock: Clock;
  scope: AccountScope;
  logger: Logger;
  config: EventsConfig;
  /** Places slots inside flexible windows; Math.random by default. */
  random?: () => number;
}

export interface Events {
  /** EventBridge over awsJson1_1, for the front door's `jsonServices`. */
  api: JsonRpcService;
  /** EventBridge Scheduler (restJson1, signing name `scheduler`). */
  schedulerRouter: RestRouter;
  schedulerPathPrefixes: string[];
  /** The Targets handler for `arn:aws:events:...` (register as "events"): PutEvents onto that bus. */
  targetHandler: TargetHandler;
  buses: BusService;
  schedules: ScheduleService;
  engine: ScheduleEngine;
  dispatcher: EventDispatcher;
  /** Starts delivering and firing schedules (missed slots included). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The events area: buses, rules, targets, scheduled rules and EventBridge Scheduler. */
export function createEvents(deps: EventsDeps): Events {
  const { clock, scope, config } = deps;
  const buses = new BusService(deps.metadata, scope, clock);
  const tags = new TagStore(deps.metadata);
  let dispatcher: EventDispatcher | undefined;
  const queue = new EventQueue(deps.queueStore, clock, () => dispatcher?.wake());
  dispatcher = new EventDispatcher({
    store: deps.queueStore,
    queue,
    buses,
    targets: deps.targets,
    clock,
    logger: deps.logger,
    maxParallel: config.maxParallel,
    retryBaseDelayMs: config.retryBaseDelayMs,
    maxRetryDelayMs: config.maxRetryDelayMs,
  });
  const engine = new ScheduleEngine({
    store: deps.metadata,
    clock,
    logger: deps.logger,
    graceMs: config.missedSlotGraceMs,
  });
  const schedules = new ScheduleService(
    deps.metadata,
    engine,
    queue,
    scope,
    clock,
    deps.random ?? Math.random,
  );

  const ruleJob = (rule: RuleDoc): ScheduleJob => {
    const since = rule.scheduleSince ?? rule.createdAt;
    return {
      id: rule.arn,
      expression: parseScheduleExpression(rule.scheduleExpression as string, { allowAt: false }),
      slots: { zone: new TimeZone("UTC"), anchor: since, anchorIsSlot: false },
      windowMs: 0,
      jitter: 0,
      notBefore: since,
      fire: async (slot) => {
        const event: BusEvent = {
          version: "0",
          id: randomUUID(),
          "detail-type": "Scheduled Event",
          source: "aws.events",
          account: scope.accountId,
          time: isoSeconds(slot),
          region: scope.region,
          resources: [rule.arn],
          detail: {},
        };
        await queue.sendOnce(`rule:${rule.arn}:${slot}`, JSON.stringify(event), {
          kind: "event",
          bus: rule.busName,
          ingestedAt: clock.now(),
          onlyRule: rule.name,
        });
      },
    };
  };
  const scheduled = (rule: RuleDoc | undefined) =>
    rule?.scheduleExpression !== undefined && rule.state === "ENABLED";
  buses.onRuleChange((bus, name, rule) => {
    if (rule && scheduled(rule)) void engine.upsert(ruleJob(rule));
    // A disabled rule keeps its last slot (enabling it again never repeats one); a deleted one forgets it.
    else void engine.remove(ruleArn(scope, bus, name), rule?.scheduleExpression === undefined);
  });

  const targetHandler: TargetHandler = async (arn, message) => {
    const bus = busNameOf(arn);
    if (bus === undefined || !(await buses.getBus(bus)))
      throw eventsError.notFound(`Event bus ${bus ?? arn} does not exist.`);
    const event = asEvent(message.body, scope, clock.now());
    await queue.ingest([
      { body: JSON.stringify(event), meta: { kind: "event", bus, ingestedAt: clock.now() } },
    ]);
  };

  return {
    api: createEventsApi({ buses, queue, tags, scope, clock }),
    schedulerRouter: createSchedulerApi(schedules, tags),
    schedulerPathPrefixes: ["schedules", "schedule-groups", "tags"],
    targetHandler,
    buses,
    schedules,
    engine,
    dispatcher,
    async start() {
      await buses.ensureDefaultBus();
      await dispatcher?.start();
      const rules = (await buses.allRules()).filter((r) => scheduled(r) && r.busName === DEFAULT_BUS);
      await engine.start([...rules.map(ruleJob), ...(await schedules.jobs())]);
    },
    async close() {
      await engine.close();
      await dispatcher?.close();
    },
  };
}

/**
 * What another area hands a bus: an event forwarded by a rule (kept as is, id included), or a
 * PutEvents entry (`Source`, `DetailType`, `Detail` text, `Resources`), which is what the async
 * area sends for a destination (invocation-semantics.md 2.2: Source `lambda`).
 */
function asEvent(body: string, scope: AccountScope, now: number): BusEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    value = undefined;
  }
  const v = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof v.source === "string" && typeof v["detail-type"] === "string" && typeof v.detail === "object")
    return v as unknown as BusEvent;
  if (typeof v.Source === "string" && typeof v.DetailType === "string" && typeof v.Detail === "string") {
    let detail: unknown;
    try {
      detail = JSON.parse(v.Detail);
    } catch {
      detail = undefined;
    }
    if (typeof detail === "object" && detail !== null && !Array.isArray(detail))
      return {
        version: "0",
        id: randomUUID(),
        "detail-type": v.DetailType,
        source: v.Source,
        account: scope.accountId,
        time: isoSeconds(now),
        region: scope.region,
        resources: Array.isArray(v.Resources)
          ? v.Resources.filter((r): r is string => typeof r === "string")
          : [],
        detail: detail as Record<string, unknown>,
      };
  }
  throw eventsError.validation("An event bus target takes an event or a PutEvents entry as JSON.");
}
