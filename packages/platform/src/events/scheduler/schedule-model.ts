import type { AccountScope } from "../../core/arn.js";
import type { RetryPolicy } from "../buses/bus-model.js";

export const SCHEDULE_KIND = "events-schedule";
export const GROUP_KIND = "events-schedule-group";
export const DEFAULT_GROUP = "default";

export interface ScheduleGroupDoc {
  name: string;
  arn: string;
  createdAt: number;
  modifiedAt: number;
}

export interface ScheduleTarget {
  arn: string;
  roleArn: string;
  input?: string;
  retryPolicy: RetryPolicy;
  deadLetterArn?: string;
  messageGroupId?: string;
}

/** An EventBridge Scheduler schedule, keyed `<group>/<name>`. */
export interface ScheduleDoc {
  name: string;
  group: string;
  arn: string;
  expression: string;
  timezone: string;
  startDate?: number;
  endDate?: number;
  description?: string;
  state: "ENABLED" | "DISABLED";
  window: { mode: "OFF" | "FLEXIBLE"; maximumWindowMinutes?: number };
  target: ScheduleTarget;
  actionAfterCompletion: "NONE" | "DELETE";
  createdAt: number;
  modifiedAt: number;
  /** CreateSchedule's ClientToken: a retry of the same create answers the schedule it made. */
  clientToken?: string;
  /** Drawn from the injected random source at creation: where each slot falls in its window. */
  jitter: number;
}

export function scheduleArn(scope: AccountScope, group: string, name: string): string {
  return `arn:aws:scheduler:${scope.region}:${scope.accountId}:schedule/${group}/${name}`;
}

export function groupArn(scope: AccountScope, name: string): string {
  return `arn:aws:scheduler:${scope.region}:${scope.accountId}:schedule-group/${name}`;
}

export function scheduleKey(group: string, name: string): string {
  return `${group}/${name}`;
}
