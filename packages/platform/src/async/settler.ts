import { isPlatformError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { TargetMessage, Targets } from "../core/targets.js";
import type { FunctionService } from "../functions/index.js";
import type { AsyncMetrics } from "./async-metrics.js";
import type { EventInvokeConfigService } from "./event-invoke-config.js";
import type { SettleMeta } from "./event-types.js";
import { type DeliveryOutcome, FailureStore } from "./failure-store.js";
import { deadLetterMessage, destinationMessage, invocationRecord } from "./invocation-record.js";

export interface SettlerDeps {
  functions: FunctionService;
  configs: EventInvokeConfigService;
  targets: Targets;
  failures: FailureStore;
  logger: Logger;
  metrics: AsyncMetrics;
}

/**
 * Delivers an event's outcome: on failure to the function's DeadLetterConfig target and the
 * OnFailure destination, on success to OnSuccess; and keeps every failure (or failed delivery)
 * in the failure store. A crash before the settle message is deleted repeats the deliveries
 * (at-least-once); the failure store entry is keyed by the event, so it is written once.
 */
export class Settler {
  constructor(private readonly deps: SettlerDeps) {}

  async settle(settled: SettleMeta, payload: string): Promise<void> {
    const { functions, configs } = this.deps;
    const failed = settled.condition !== "Success";
    const deliveries: DeliveryOutcome[] = [];
    const settings = await configs.settingsFor(settled.functionName, settled.qualifier);
    const functionArn = functions.arn(settled.functionName, settled.qualifier ?? "$LATEST");
    const record = invocationRecord(settled, functionArn, payload);
    if (failed) {
      const deadLetter = await this.deadLetterTarget(settled);
      if (deadLetter !== undefined)
        deliveries.push(
          await this.deliver("DeadLetterQueue", deadLetter, deadLetterMessage(settled, payload)),
        );
      if (settings.onFailure !== undefined)
        deliveries.push(
          await this.deliver("OnFailure", settings.onFailure, destinationMessage(record, settings.onFailure)),
        );
    } else if (settings.onSuccess !== undefined) {
      deliveries.push(
        await this.deliver("OnSuccess", settings.onSuccess, destinationMessage(record, settings.onSuccess)),
      );
    }
    const deliveryFailed = deliveries.some((d) => !d.ok);
    if (!failed && !deliveryFailed) return;
    await this.deps.failures.put({
      id: FailureStore.idOf(settled.acceptedAt, settled.requestId),
      requestId: settled.requestId,
      functionName: settled.functionName,
      qualifier: settled.qualifier,
      condition: settled.condition,
      reason: failed ? settled.condition : "DeliveryFailed",
      attempts: settled.attempts,
      acceptedAt: settled.acceptedAt,
      failedAt: settled.settledAt,
      payload,
      error: settled.error,
      deliveries,
      redrivenFrom: settled.redrivenFrom,
    });
  }

  /** The DeadLetterConfig of the version that ran (or that the qualifier names), if any. */
  private async deadLetterTarget(settled: SettleMeta): Promise<string | undefined> {
    try {
      const version = settled.error?.executedVersion ?? settled.qualifier;
      const config = await this.deps.functions.getConfig(settled.functionName, version);
      return config.deadLetterTargetArn;
    } catch (error) {
      if (isPlatformError(error) && error.status === 404) return undefined;
      throw error;
    }
  }

  private async deliver(
    role: DeliveryOutcome["role"],
    arn: string,
    message: TargetMessage,
  ): Promise<DeliveryOutcome> {
    try {
      await this.deps.targets.deliver(arn, message);
      this.deps.metrics.delivered(role, true);
      return { role, arn, ok: true };
    } catch (error) {
      this.deps.metrics.delivered(role, false);
      const reason = error instanceof Error ? error.message : String(error);
      this.deps.logger.warn({ err: error, role, arn }, "an async event's outcome could not be delivered");
      return { role, arn, ok: false, error: reason };
    }
  }
}
