import { randomBytes } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import { isPlatformError, PlatformError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { AwsCalls } from "../aws-calls.js";
import type { GradualDeployments, ProviderContext } from "../model.js";
import { AlarmWatch } from "./alarm-watch.js";
import type { Alarms } from "./alarms.js";
import { resolveDeploymentConfig } from "./deployment-configs.js";
import { DeploymentRecords, isFinal, lifecycleEvent } from "./deployment-records.js";
import type { DeploymentRecord, DeploymentStore } from "./deployment-store.js";
import { groupKey } from "./deployment-store.js";
import { codeDeployError, DEPLOYMENT_ERRORS } from "./errors.js";
import { LifecycleHooks } from "./lifecycle-hooks.js";
import { DeploymentAbort, type RunningDeployment, runningDeployment } from "./running-deployment.js";
import { trafficSteps } from "./traffic-routing.js";

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
  private readonly running = new Map<string, RunningDeployment>();
  private readonly records: DeploymentRecords;
  private readonly hooks: LifecycleHooks;
  private readonly alarmWatch: AlarmWatch;

  constructor(private readonly deps: DeploymentRunnerDeps) {
    this.records = new DeploymentRecords(deps.store);
    this.hooks = new LifecycleHooks(this.records);
    this.alarmWatch = new AlarmWatch(deps.store, deps.alarms);
  }

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
    this.running.set(record.id, runningDeployment(key));
    try {
      await store.put("deployment", record.id, record, true);
    } catch (error) {
      this.running.delete(record.id);
      throw error;
    }
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
    let record = await this.records.mustGet(id);
    const group = await this.deps.store.get("group", groupKey(record.applicationName, record.groupName));
    try {
      record = await this.records.update(id, (r) => {
        r.status = "InProgress";
        r.startedAt = clock.now();
        lifecycleEvent(r, "Start", "Succeeded", clock.now());
      });
      await this.hooks.run(record, "BeforeAllowTraffic", api, clock, running);
      await this.records.update(id, (r) => lifecycleEvent(r, "AllowTraffic", "InProgress", clock.now()));
      const shiftStart = clock.now();
      for (const step of trafficSteps(record.routing)) {
        await this.alarmWatch.waitUntil(shiftStart + step.atMs, clock, group, running);
        await this.alarmWatch.check(group, running);
        await this.setWeight(api, record, step.percent);
        await this.records.update(id, (r) => {
          r.weightPercent = step.percent;
          r.messages.push(`${step.percent}% of traffic on version ${r.toVersion}`);
        });
        note(`Deployment ${id}: ${step.percent}% of traffic on version ${record.toVersion}.`);
      }
      await this.records.update(id, (r) => lifecycleEvent(r, "AllowTraffic", "Succeeded", clock.now()));
      await this.hooks.run(record, "AfterAllowTraffic", api, clock, running);
      await this.alarmWatch.check(group, running);
      await this.records.update(id, (r) => {
        lifecycleEvent(r, "End", "Succeeded", clock.now());
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
    const record = await this.records.mustGet(id);
    const running = this.running.get(id);
    if (!running || isFinal(record.status))
      throw codeDeployError(
        DEPLOYMENT_ERRORS.completed,
        "DeploymentAlreadyCompletedException",
        `Deployment ${id} has already completed`,
      );
    running.stop(
      new DeploymentAbort(
        "Stopped",
        "MANUAL_STOP",
        "The deployment was stopped by a StopDeployment request.",
        "stopped by request",
      ),
    );
  }

  /** PutLifecycleEventHookExecutionStatus from a hook function. */
  async reportHook(id: string, executionId: string, status: string): Promise<void> {
    if (status !== "Succeeded" && status !== "Failed")
      throw codeDeployError(
        DEPLOYMENT_ERRORS.hookInvalid,
        "InvalidLifecycleEventHookExecutionStatusException",
        `Status ${status} is not valid: a hook reports Succeeded or Failed.`,
      );
    const record = await this.records.mustGet(id);
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
    await this.records.update(id, (r) => {
      const h = r.hookExecutions.find((x) => x.id === executionId);
      if (h) h.status = status;
    });
    this.hooks.report(executionId, status);
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
      running.stop(
        new DeploymentAbort("Failed", "INTERNAL_ERROR", "Nimbus is shutting down.", "Nimbus stopped"),
      );
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
    const record = await this.records.mustGet(id);
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
    await this.records.update(id, (r) => {
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
