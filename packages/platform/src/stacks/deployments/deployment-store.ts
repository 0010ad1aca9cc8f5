import type { MetadataStore } from "../../storage/metadata-store.js";
import type { AlarmRecord } from "./alarm-model.js";
import type { TrafficRouting } from "./traffic-routing.js";

/** A CodeDeploy application (ComputePlatform Lambda only). */
export interface ApplicationRecord {
  name: string;
  id: string;
  computePlatform: "Lambda";
  createdAt: number;
}

/** A deployment group: which configuration and alarms a function's deployments use. */
export interface GroupRecord {
  applicationName: string;
  name: string;
  id: string;
  deploymentConfigName: string;
  serviceRoleArn: string;
  alarms: { enabled: boolean; ignorePollAlarmFailure: boolean; names: string[] };
  autoRollback: { enabled: boolean; events: string[] };
  deploymentStyle: { type: string; option: string };
}

/** A custom deployment configuration (the predefined ones are not stored). */
export interface ConfigRecord {
  name: string;
  id: string;
  routing: TrafficRouting;
  createdAt: number;
}

export type DeploymentStatus = "Created" | "InProgress" | "Succeeded" | "Failed" | "Stopped";
export type LifecycleEventName =
  | "Start"
  | "BeforeAllowTraffic"
  | "AllowTraffic"
  | "AfterAllowTraffic"
  | "End";

export interface LifecycleEvent {
  name: LifecycleEventName;
  status: "Pending" | "InProgress" | "Succeeded" | "Failed" | "Skipped";
  startedAt?: number;
  endedAt?: number;
  message?: string;
}

/** A hook function's run: CodeDeploy waits for PutLifecycleEventHookExecutionStatus. */
export interface HookExecution {
  id: string;
  event: "BeforeAllowTraffic" | "AfterAllowTraffic";
  functionName: string;
  status: "Pending" | "InProgress" | "Succeeded" | "Failed";
}

export interface DeploymentRecord {
  id: string;
  applicationName: string;
  groupName: string;
  configName: string;
  routing: TrafficRouting;
  status: DeploymentStatus;
  creator: string;
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  functionName: string;
  aliasName: string;
  fromVersion: string;
  toVersion: string;
  /** Share of the alias's traffic on `toVersion` now (0-100). */
  weightPercent: number;
  hooks: { before?: string; after?: string };
  lifecycle: LifecycleEvent[];
  hookExecutions: HookExecution[];
  error?: { code: string; message: string };
  rollback?: { message: string };
  messages: string[];
  /** The stack resource that asked for it. */
  stack?: { stackName: string; logicalId: string };
}

const KIND = {
  application: "codedeploy-application",
  group: "codedeploy-group",
  config: "codedeploy-config",
  deployment: "codedeploy-deployment",
  alarm: "cloudwatch-alarm",
} as const;

type Kind = keyof typeof KIND;
interface RecordOf {
  application: ApplicationRecord;
  group: GroupRecord;
  config: ConfigRecord;
  deployment: DeploymentRecord;
  alarm: AlarmRecord;
}

/** Durable records of applications, groups, configs, deployments and alarms (metadata store). */
export class DeploymentStore {
  constructor(private readonly store: MetadataStore) {}

  async get<K extends Kind>(kind: K, key: string): Promise<RecordOf[K] | undefined> {
    return (await this.store.get<RecordOf[K]>(KIND[kind], key))?.value;
  }

  async put<K extends Kind>(kind: K, key: string, value: RecordOf[K], create = false): Promise<void> {
    await this.store.write([
      { op: "put", kind: KIND[kind], key, value, ...(create ? { expectRevision: "absent" as const } : {}) },
    ]);
  }

  async delete(kind: Kind, key: string): Promise<void> {
    await this.store.write([{ op: "delete", kind: KIND[kind], key }]);
  }

  async all<K extends Kind>(kind: K, prefix?: string): Promise<RecordOf[K][]> {
    const out: RecordOf[K][] = [];
    let after: string | undefined;
    do {
      const page = await this.store.list<RecordOf[K]>(KIND[kind], {
        limit: 500,
        ...(after === undefined ? {} : { after }),
        ...(prefix === undefined ? {} : { prefix }),
      });
      for (const item of page.items) out.push(item.value);
      after = page.nextAfter;
    } while (after !== undefined);
    return out;
  }
}

export const groupKey = (applicationName: string, groupName: string) => `${applicationName}/${groupName}`;
