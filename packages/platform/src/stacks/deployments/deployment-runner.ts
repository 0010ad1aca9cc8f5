import { randomBytes, randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import { isPlatformError, PlatformError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { AwsCalls } from "../aws-calls.js";
import type { GradualDeployments, ProviderContext } from "../model.js";
import type { Alarms } from "./alarms.js";
import { resolveDeploymentConfig } from "./deployment-configs.js";
import type {
  DeploymentRecord,
  DeploymentStore,
  GroupRecord,
  HookExecution,
  LifecycleEventName,
} from "./deployment-store.js";
import { groupKey } from "./deployment-store.js";
import { codeDeployError, DEPLOYMENT_ERRORS } from "./errors.js";
import { trafficSteps } from "./traffic-routing.js";

/** CodeDeploy waits this long for a hook function to report its status. */
export const HOOK_TIMEOUT_MS = 60 * 60_000;
/** Alarms are polled at least this often while traffic shifts (and at every step). */
const ALARM_POLL_MS = 60_000;

/** Why a running deployment ends early. */
class DeploymentAbort extends Error {
  constructor(
    readonly status: "Failed" | "Stopped",
    readonly errorCode: string,
    message: string,
    /** The short reason shiftAlias rejects with (`alarm X fired`). */
    readonly summary: string,
  ) {
    super(message);
  }
}

interface Running {
  group: string;
  /** Set by stop/close, seen at the next check even when no wait is pending. */
  aborted?: DeploymentAbort;
  stop: (abort: DeploymentAbort) => void;
  stopped: Promise<never>;
}

export interface DeploymentRunnerDeps {
  store: DeploymentStore;
  alarms: Alarms;
  clock: Clock;
  logger: Logger;
  /** In-process API calls for work outside a stack operation (restart recovery). */
  api: () => AwsCalls;
}

/**
 * CodeDeploy's Lambda deployments: BeforeAllowTraffic hook, weight steps on the clock with alarm
 * checks, AfterAllowTraffic hook; on any failure all traffic goes back to the old version.
 * Deployment records are durable; what waits (hooks, timers) is in memory, so a restart marks
 * an unfinished deployment Failed and moves its alias back (`recover`).
 */
export class DeploymentRunner implements GradualDeployments {
  private readonly running = new Map<string, Running>();
  private readonly hookWaiters = new Map<string, (status: "Succeeded" | "Failed") => void>();
  private readonly writes = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: DeploymentRunnerDeps) {}

  async shiftAlias(
    ctx: ProviderContext,
    input: {
      logicalId: string;
      functionName: string;
      aliasName: string;
      fromVersion: string;
      toVersion: string;
      policy: Record<string, unknown>;
    },
  ): Promise<void> {
    const applicationName = text(input.policy.ApplicationName);
    const groupName = text(input.policy.DeploymentGroupName);
    if (!applicationName || !groupName)
      throw failed(
        `CodeDeployLambdaAliasUpdate of ${input.logicalId} needs ApplicationName and DeploymentGroupName.`,
      );
    const record = await this.create({
      applicationName,
      groupName,
      functionName: input.functionName,
      aliasName: input.aliasName,
      fromVersion: input.fromVersion,
      toVersion: input.toVersion,
      hooks: hooksOf(input.policy),
      creator: "CloudFormation",
      stack: { stackName: ctx.stackName, logicalId: input.logicalId },
    });
    ctx.note(input.logicalId, `CodeDeploy deployment ${record.id} started (${record.configName}).`);
    await this.run(record.id, ctx.api, ctx.clock, (message) => ctx.note(input.logicalId, message));
  }

  /** Records a new deployment (status Created) after checking its group and configuration. */
  async create(input: {
    applicationName: string;
    groupName: string;
    functionName: string;
    aliasName: string;
    fromVersion: string;
    toVersion: string;
    hooks: { before?: string; after?: string };
    creator: string;
    stack?: { stackName: string; logicalId: string };
  }): Promise<DeploymentRecord> {
    const { store } = this.deps;
    if (!(await store.get("application", input.applicationName)))
      throw codeDeployError(
        DEPLOYMENT_ERRORS.notFound,
        "ApplicationDoesNotExistException",
        `No application found for name: ${input.applicationName}`,
      );
    const group = await store.get("group", groupKey(input.applicationName, input.groupName));
    if (!group)
      throw codeDeployError(
        DEPLOYMENT_ERRORS.notFound,
        "DeploymentGroupDoesNotExistException",
        `No Deployment Group found for name: ${input.groupName}`,
      );
    const routing = await resolveDeploymentConfig(store, group.deploymentConfigName);
    const key = groupKey(input.applicationName, input.groupName);
    const active = [...this.running.entries()].find(([, r]) => r.group === key);
    if (active)
      throw codeDeployError(
        DEPLOYMENT_ERRORS.active,
        "DeploymentLimitExceededException",
        `The Deployment Group '${input.groupName}' already has an active Deployment '${active[0]}'`,
      );
    const record: DeploymentRecord = {
      id: deploymentId(),
      applicationName: input.applicationName,
      groupName: input.groupName,
      configName: group.deploymentConfigName,
      routing,
      status: "Created",
      creator: input.creator,
      createdAt: this.deps.clock.now(),
      functionName: input.functionName,
      aliasName: input.aliasName,
      fromVersion: input.fromVersion,
      toVersion: input.toVersion,
      weightPercent: 0,
      hooks: input.hooks,
      lifecycle: (["Start", "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic", "End"] as const).map(
        (name) => ({ name, status: "Pending" as const }),
      ),
      hookExecutions: [],
      messages: [],
      ...(input.stack ? { stack: input.stack } : {}),
    };
    let stop: (abort: DeploymentAbort) => void = () => {};
    const stopped = new Promise<never>((_, reject) => {
      stop = reject;
    });
    stopped.catch(() => {});
    this.running.set(record.id, { group: key, stop, stopped });
    await store.put("deployment", record.id, record, true);
    return record;
  }

  /** Runs a created deployment to its end; rejects with the reason when it fails or is stopped. */
  async run(
    id: string,
    api: AwsCalls,
    clock: Clock,
    note: (message: string) => void = () => {},
  ): Promise<void> {
    const running = this.running.get(id);
    if (!running) throw failed(`Deployment ${id} is not running.`);
    let record = await this.mustGet(id);
    const group = await this.deps.store.get("group", groupKey(record.applicationName, record.groupName));
    try {
      record = await this.update(id, (r) => {
        r.status = "InProgress";
        r.startedAt = clock.now();
        event(r, "Start", "Succeeded", clock.now());
      });
      await this.hook(record, "BeforeAllowTraffic", api, clock, running);
      await this.update(id, (r) => event(r, "AllowTraffic", "InProgress", clock.now()));
      const shiftStart = clock.now();
      for (const step of trafficSteps(record.routing)) {
        await this.waitChecking(shiftStart + step.atMs, clock, group, running);
        await this.checkAlarms(group, running);
        await this.setWeight(api, record, step.percent);
        await this.update(id, (r) => {
          r.weightPercent = step.percent;
          r.messages.push(`${step.percent}% of traffic on version ${r.toVersion}`);
        });
        note(`Deployment ${id}: ${step.percent}% of traffic on version ${record.toVersion}.`);
      }
      await this.update(id, (r) => event(r, "AllowTraffic", "Succeeded", clock.now()));
      await this.hook(record, "AfterAllowTraffic", api, clock, running);
      await this.checkAlarms(group, running);
      await this.update(id, (r) => {
        event(r, "End", "Succeeded", clock.now());
        r.status = "Succeeded";
        r.completedAt = clock.now();
      });
    } catch (error) {
      const abort =
        error instanceof DeploymentAbort
          ? error
          : new DeploymentAbort(
              "Failed",
              "INTERNAL_ERROR",
              error instanceof Error ? error.message : String(error),
              error instanceof Error ? error.message : String(error),
            );
      await this.rollBack(api, clock, id, abort);
      throw new PlatformError({
        code: DEPLOYMENT_ERRORS.failed,
        awsName: "DeploymentFailed",
        message: `Deployment ${id} ${abort.status === "Stopped" ? "was stopped" : "failed"}: ${abort.summary}`,
        ...(isPlatformError(error) || error instanceof DeploymentAbort ? {} : { cause: error }),
      });
    } finally {
      this.running.delete(id);
    }
  }

  /** StopDeployment: the running deployment ends Stopped and its traffic goes back. */
  async stop(id: string): Promise<void> {
    const record = await this.mustGet(id);
    const running = this.running.get(id);
    if (!running || isFinal(record.status))
      throw codeDeployError(
        DEPLOYMENT_ERRORS.completed,
        "DeploymentAlreadyCompletedException",
        `Deployment ${id} has already completed`,
      );
    running.aborted = new DeploymentAbort(
      "Stopped",
      "MANUAL_STOP",
      "The deployment was stopped by a StopDeployment request.",
      "stopped by request",
    );
    running.stop(running.aborted);
  }

  /** PutLifecycleEventHookExecutionStatus from a hook function. */
  async reportHook(id: string, executionId: string, status: string): Promise<void> {
    if (status !== "Succeeded" && status !== "Failed")
      throw codeDeployError(
        DEPLOYMENT_ERRORS.hookInvalid,
        "InvalidLifecycleEventHookExecutionStatusException",
        `Status ${status} is not valid: a hook reports Succeeded or Failed.`,
      );
    const record = await this.mustGet(id);
    const execution = record.hookExecutions.find((h) => h.id === executionId);
    if (!execution)
      throw codeDeployError(
        DEPLOYMENT_ERRORS.hookInvalid,
        "InvalidLifecycleEventHookExecutionIdException",
        `Lifecycle event hook execution ${executionId} does not belong to deployment ${id}.`,
      );
    if (execution.status === "Succeeded" || execution.status === "Failed" || isFinal(record.status))
      throw codeDeployError(
        DEPLOYMENT_ERRORS.hookInvalid,
        "LifecycleEventAlreadyCompletedException",
        `The lifecycle event ${execution.event} of deployment ${id} has already completed.`,
      );
    await this.update(id, (r) => {
      const h = r.hookExecutions.find((x) => x.id === executionId);
      if (h) h.status = status;
    });
    this.hookWaiters.get(executionId)?.(status);
  }

  /** After a restart: unfinished deployments are marked Failed and their aliases moved back. */
  async recover(): Promise<void> {
    for (const record of await this.deps.store.all("deployment")) {
      if (isFinal(record.status) || this.running.has(record.id)) continue;
      await this.rollBack(
        this.deps.api(),
        this.deps.clock,
        record.id,
        new DeploymentAbort(
          "Failed",
          "INTERNAL_ERROR",
          `Nimbus restarted during the deployment; all traffic was moved back to version ${record.fromVersion}.`,
          "Nimbus restarted",
        ),
      );
    }
  }

  /** Ends waits of running deployments (server shutdown): they fail and roll back. */
  close(): void {
    for (const running of this.running.values()) {
      running.aborted = new DeploymentAbort(
        "Failed",
        "INTERNAL_ERROR",
        "Nimbus is shutting down.",
        "Nimbus stopped",
      );
      running.stop(running.aborted);
    }
  }

  private async hook(
    record: DeploymentRecord,
    name: "BeforeAllowTraffic" | "AfterAllowTraffic",
    api: AwsCalls,
    clock: Clock,
    running: Running,
  ): Promise<void> {
    const fn = name === "BeforeAllowTraffic" ? record.hooks.before : record.hooks.after;
    if (!fn) {
      await this.update(record.id, (r) => event(r, name, "Skipped", clock.now()));
      return;
    }
    const execution: HookExecution = {
      id: Buffer.from(
        JSON.stringify({ deploymentId: record.id, activityId: `${record.id}_${randomUUID()}` }),
      ).toString("base64"),
      event: name,
      functionName: fn,
      status: "InProgress",
    };
    await this.update(record.id, (r) => {
      event(r, name, "InProgress", clock.now());
      r.hookExecutions.push(execution);
    });
    let cancelTimer = () => {};
    const reported = new Promise<"Succeeded" | "Failed" | "Timeout">((resolve) => {
      this.hookWaiters.set(execution.id, resolve);
      cancelTimer = clock.setTimer(HOOK_TIMEOUT_MS, () => resolve("Timeout"));
    });
    try {
      try {
        await api.rest(
          "lambda",
          "POST",
          `/2015-03-31/functions/${encodeURIComponent(fn)}/invocations`,
          { DeploymentId: record.id, LifecycleEventHookExecutionId: execution.id },
          { "x-amz-invocation-type": "Event" },
        );
      } catch (error) {
        const message = `The ${name} hook function ${fn} could not be invoked: ${error instanceof Error ? error.message : String(error)}`;
        throw new DeploymentAbort("Failed", "HOOK_EXECUTION_FAILURE", message, message);
      }
      const outcome = await Promise.race([reported, running.stopped]);
      if (outcome !== "Succeeded") {
        const message =
          outcome === "Timeout"
            ? `The ${name} hook function ${fn} did not report a status within 1 hour.`
            : `The ${name} hook function ${fn} reported Failed.`;
        throw new DeploymentAbort(
          "Failed",
          outcome === "Timeout" ? "TIMEOUT" : "HOOK_EXECUTION_FAILURE",
          message,
          `${name} hook ${fn} ${outcome === "Timeout" ? "timed out" : "failed"}`,
        );
      }
      await this.update(record.id, (r) => event(r, name, "Succeeded", clock.now()));
    } catch (error) {
      await this.update(record.id, (r) => {
        event(r, name, "Failed", clock.now(), error instanceof Error ? error.message : String(error));
        const h = r.hookExecutions.find((x) => x.id === execution.id);
        if (h && h.status === "InProgress") h.status = "Failed";
      });
      throw error;
    } finally {
      cancelTimer();
      this.hookWaiters.delete(execution.id);
    }
  }

  /** Waits until `until` on the clock, checking alarms at least every minute. */
  private async waitChecking(
    until: number,
    clock: Clock,
    group: GroupRecord | undefined,
    running: Running,
  ): Promise<void> {
    const pollMs = Math.min(ALARM_POLL_MS, ...(await this.alarmPeriodsMs(group)));
    while (clock.now() < until) {
      const next = Math.min(until, clock.now() + pollMs);
      let cancel = () => {};
      const timer = new Promise<void>((resolve) => {
        cancel = clock.setTimer(next - clock.now(), resolve);
      });
      try {
        await Promise.race([timer, running.stopped]);
      } finally {
        cancel();
      }
      await this.checkAlarms(group, running);
    }
  }

  private async alarmPeriodsMs(group: GroupRecord | undefined): Promise<number[]> {
    if (!group?.alarms.enabled) return [];
    const out: number[] = [];
    for (const name of group.alarms.names) {
      const alarm = await this.deps.store.get("alarm", name);
      if (alarm) out.push(alarm.periodSec * 1000);
    }
    return out;
  }

  /** An alarm in ALARM ends the deployment; a missing alarm too, unless IgnorePollAlarmFailure. */
  private async checkAlarms(group: GroupRecord | undefined, running: Running): Promise<void> {
    if (running.aborted) throw running.aborted;
    if (!group?.alarms.enabled) return;
    for (const name of group.alarms.names) {
      const alarm = await this.deps.alarms.get(name);
      if (!alarm) {
        if (group.alarms.ignorePollAlarmFailure) continue;
        const message = `The alarm ${name} of deployment group ${group.name} does not exist.`;
        throw new DeploymentAbort("Failed", "ALARM_CONFIG_ERROR", message, `alarm ${name} does not exist`);
      }
      if (alarm.state === "ALARM") {
        throw new DeploymentAbort(
          "Failed",
          "ALARM_ACTIVE",
          `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${name}>`,
          `alarm ${name} fired`,
        );
      }
    }
  }

  private async setWeight(api: AwsCalls, record: DeploymentRecord, percent: number): Promise<void> {
    const body =
      percent >= 100
        ? { FunctionVersion: record.toVersion, RoutingConfig: { AdditionalVersionWeights: {} } }
        : {
            FunctionVersion: record.fromVersion,
            RoutingConfig: { AdditionalVersionWeights: { [record.toVersion]: percent / 100 } },
          };
    await api.rest("lambda", "PUT", aliasPath(record), body);
  }

  private async rollBack(api: AwsCalls, clock: Clock, id: string, abort: DeploymentAbort): Promise<void> {
    const record = await this.mustGet(id);
    let rollback = `All traffic was moved back to version ${record.fromVersion}.`;
    try {
      await api.rest("lambda", "PUT", aliasPath(record), {
        FunctionVersion: record.fromVersion,
        RoutingConfig: { AdditionalVersionWeights: {} },
      });
    } catch (error) {
      rollback = `Moving traffic back to version ${record.fromVersion} failed: ${error instanceof Error ? error.message : String(error)}`;
      this.deps.logger.warn({ err: error, deploymentId: id }, "deployment rollback failed");
    }
    await this.update(id, (r) => {
      r.status = abort.status;
      r.completedAt = clock.now();
      r.weightPercent = 0;
      r.error = { code: abort.errorCode, message: abort.message };
      r.rollback = { message: rollback };
      r.messages.push(rollback);
      for (const e of r.lifecycle)
        if (e.status === "Pending" || e.status === "InProgress") e.status = "Skipped";
    });
  }

  private async mustGet(id: string): Promise<DeploymentRecord> {
    const record = await this.deps.store.get("deployment", id);
    if (!record)
      throw codeDeployError(
        DEPLOYMENT_ERRORS.notFound,
        "DeploymentDoesNotExistException",
        `Deployment ${id} does not exist.`,
      );
    return record;
  }

  /** Read-modify-write of a deployment record, one at a time per deployment. */
  private update(id: string, change: (record: DeploymentRecord) => void): Promise<DeploymentRecord> {
    const previous = this.writes.get(id) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        const record = await this.mustGet(id);
        change(record);
        await this.deps.store.put("deployment", id, record);
        return record;
      });
    this.writes.set(id, next);
    void next
      .finally(() => {
        if (this.writes.get(id) === next) this.writes.delete(id);
      })
      .catch(() => {});
    return next;
  }
}

function event(
  record: DeploymentRecord,
  name: LifecycleEventName,
  status: "InProgress" | "Succeeded" | "Failed" | "Skipped",
  now: number,
  message?: string,
): void {
  const entry = record.lifecycle.find((e) => e.name === name);
  if (!entry) return;
  entry.status = status;
  if (status === "InProgress" || entry.startedAt === undefined) entry.startedAt = now;
  if (status !== "InProgress") entry.endedAt = now;
  if (message !== undefined) entry.message = message;
}

export function isFinal(status: string): boolean {
  return status === "Succeeded" || status === "Failed" || status === "Stopped";
}

function aliasPath(record: DeploymentRecord): string {
  return `/2015-03-31/functions/${encodeURIComponent(record.functionName)}/aliases/${encodeURIComponent(record.aliasName)}`;
}

function hooksOf(policy: Record<string, unknown>): { before?: string; after?: string } {
  const hooks: { before?: string; after?: string } = {};
  const before = text(policy.BeforeAllowTrafficHook);
  const after = text(policy.AfterAllowTrafficHook);
  if (before) hooks.before = before;
  if (after) hooks.after = after;
  return hooks;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function failed(message: string): PlatformError {
  return new PlatformError({ code: DEPLOYMENT_ERRORS.failed, awsName: "DeploymentFailed", message });
}

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
function deploymentId(): string {
  const bytes = randomBytes(9);
  let id = "d-";
  for (const byte of bytes) id += ID_CHARS[byte % ID_CHARS.length];
  return id;
}
