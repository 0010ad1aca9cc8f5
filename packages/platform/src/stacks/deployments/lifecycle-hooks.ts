import { randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import type { AwsCalls } from "../aws-calls.js";
import { type DeploymentRecords, lifecycleEvent } from "./deployment-records.js";
import type { DeploymentRecord, HookExecution } from "./deployment-store.js";
import { DeploymentAbort, type RunningDeployment } from "./running-deployment.js";

/** CodeDeploy waits this long for a hook function to report its status. */
export const HOOK_TIMEOUT_MS = 60 * 60_000;

/**
 * BeforeAllowTraffic / AfterAllowTraffic: the hook function is invoked asynchronously with
 * `{DeploymentId, LifecycleEventHookExecutionId}` and the deployment waits for its
 * PutLifecycleEventHookExecutionStatus (`report`), at most one hour on the clock.
 */
export class LifecycleHooks {
  private readonly waiters = new Map<string, (status: "Succeeded" | "Failed") => void>();

  constructor(private readonly records: DeploymentRecords) {}

  /** A hook's status arrived (already stored by the caller): its deployment goes on. */
  report(executionId: string, status: "Succeeded" | "Failed"): void {
    this.waiters.get(executionId)?.(status);
  }

  async run(
    record: DeploymentRecord,
    name: "BeforeAllowTraffic" | "AfterAllowTraffic",
    api: AwsCalls,
    clock: Clock,
    running: RunningDeployment,
  ): Promise<void> {
    const fn = name === "BeforeAllowTraffic" ? record.hooks.before : record.hooks.after;
    if (!fn) {
      await this.records.update(record.id, (r) => lifecycleEvent(r, name, "Skipped", clock.now()));
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
    await this.records.update(record.id, (r) => {
      lifecycleEvent(r, name, "InProgress", clock.now());
      r.hookExecutions.push(execution);
    });
    let cancelTimer = () => {};
    const reported = new Promise<"Succeeded" | "Failed" | "Timeout">((resolve) => {
      this.waiters.set(execution.id, resolve);
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
      await this.records.update(record.id, (r) => lifecycleEvent(r, name, "Succeeded", clock.now()));
    } catch (error) {
      await this.records.update(record.id, (r) => {
        lifecycleEvent(
          r,
          name,
          "Failed",
          clock.now(),
          error instanceof Error ? error.message : String(error),
        );
        const h = r.hookExecutions.find((x) => x.id === execution.id);
        if (h && h.status === "InProgress") h.status = "Failed";
      });
      throw error;
    } finally {
      cancelTimer();
      this.waiters.delete(execution.id);
    }
  }
}
