import type { Clock } from "../../core/clock.js";
import type { Alarms } from "./alarms.js";
import type { DeploymentStore, GroupRecord } from "./deployment-store.js";
import { DeploymentAbort, type RunningDeployment } from "./running-deployment.js";

/** Alarms are polled at least this often while traffic shifts (and at every step). */
const ALARM_POLL_MS = 60_000;

/** A deployment group's alarms, as a running deployment checks them. */
export class AlarmWatch {
  constructor(
    private readonly store: DeploymentStore,
    private readonly alarms: Alarms,
  ) {}

  /** Waits until `until` on the clock, checking alarms at least every minute. */
  async waitUntil(
    until: number,
    clock: Clock,
    group: GroupRecord | undefined,
    running: RunningDeployment,
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
      await this.check(group, running);
    }
  }

  private async alarmPeriodsMs(group: GroupRecord | undefined): Promise<number[]> {
    if (!group?.alarms.enabled) return [];
    const out: number[] = [];
    for (const name of group.alarms.names) {
      const alarm = await this.store.get("alarm", name);
      if (alarm) out.push(alarm.periodSec * 1000);
    }
    return out;
  }

  /** An alarm in ALARM ends the deployment; a missing alarm too, unless IgnorePollAlarmFailure. */
  async check(group: GroupRecord | undefined, running: RunningDeployment): Promise<void> {
    if (running.aborted) throw running.aborted;
    if (!group?.alarms.enabled) return;
    for (const name of group.alarms.names) {
      const alarm = await this.alarms.get(name);
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
}
