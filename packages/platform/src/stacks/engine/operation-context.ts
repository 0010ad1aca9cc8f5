import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { AwsCalls } from "../aws-calls.js";
import type {
  GradualDeployments,
  ProviderContext,
  ProviderRegistry,
  ResourceProvider,
  Template,
} from "../model.js";
import { physicalName } from "./physical-names.js";
import type { ResourceState, StackEvent, StackRecord, StackResources } from "./records.js";
import type { StackStore } from "./stack-store.js";

/** The SAM transform (stacks/sam/index.ts), injected so the engine does not depend on it. */
export interface SamTransform {
  isSamTemplate(template: Template): boolean;
  transformSam(
    template: Template,
    ctx: {
      region: string;
      accountId: string;
      stackName: string;
      parameters: Record<string, string | string[]>;
    },
  ): {
    template: Template;
    unsupported: { logicalId: string; type: string; property?: string; reason: string }[];
  };
}

/** What every stack operation needs (built once by createStacks). */
export interface EngineDeps {
  store: StackStore;
  registry: ProviderRegistry;
  api: AwsCalls;
  clock: Clock;
  logger: Logger;
  scope: { region: string; accountId: string };
  gradual?: GradualDeployments | undefined;
  sam?: SamTransform | undefined;
  /** Resources applied at once when they do not depend on each other. */
  parallel: number;
}

/**
 * The state of one running operation on one stack: its resources document (written after each
 * step, one write at a time), its events, and the ProviderContext its providers see.
 */
export class OperationContext {
  readonly provider: ProviderContext;
  private writes: Promise<void> = Promise.resolve();
  private readonly names = new Map<string, string>();

  constructor(
    readonly deps: EngineDeps,
    readonly stack: StackRecord,
    readonly state: StackResources,
  ) {
    const { clock, logger, api, scope, gradual } = deps;
    this.provider = {
      stackName: stack.stackName,
      stackId: stack.stackId,
      region: scope.region,
      accountId: scope.accountId,
      api,
      clock,
      logger,
      gradual,
      physicalName: (logicalId, options = {}) => {
        // Stable per logical id within one operation; a replacement (a later operation) gets a new one.
        const key = `${logicalId}|${options.maxLength ?? 64}|${options.lowerCase === true}|${options.suffix ?? ""}`;
        let name = this.names.get(key);
        if (name === undefined) {
          name = physicalName(stack.stackName, logicalId, options);
          this.names.set(key, name);
        }
        return name;
      },
      note: (logicalId, message) => {
        const resource = this.state.resources[logicalId];
        // Logged by the write chain when it fails; a note never fails the step.
        this.enqueue(async () => {
          await this.event(
            logicalId,
            resource?.type ?? "",
            resource?.status ?? "UPDATE_IN_PROGRESS",
            message,
            resource?.physicalId,
          );
        }).catch(() => undefined);
      },
    };
  }

  providerFor(type: string): ResourceProvider | undefined {
    return this.deps.registry.get(type);
  }

  /** Stores the resources document (serialized: parallel steps never write an older copy last). */
  save(): Promise<void> {
    return this.enqueue(() => this.deps.store.putResources(this.stack.stackId, this.state));
  }

  setResource(state: ResourceState): Promise<void> {
    this.state.resources[state.logicalId] = state;
    return this.save();
  }

  removeResource(logicalId: string): Promise<void> {
    delete this.state.resources[logicalId];
    return this.save();
  }

  /** A resource event. */
  async event(
    logicalId: string,
    type: string,
    status: string,
    reason?: string,
    physicalId?: string,
    /** The resolved properties being applied (ResourceProperties of in-progress events). */
    properties?: Record<string, unknown>,
  ): Promise<StackEvent> {
    return this.deps.store.addEvent({
      StackId: this.stack.stackId,
      StackName: this.stack.stackName,
      LogicalResourceId: logicalId,
      ResourceType: type,
      ResourceStatus: status,
      ...(physicalId === undefined ? {} : { PhysicalResourceId: physicalId }),
      ...(reason === undefined ? {} : { ResourceStatusReason: reason }),
      ...(properties === undefined ? {} : { ResourceProperties: JSON.stringify(properties) }),
      ...(this.stack.currentToken === undefined ? {} : { ClientRequestToken: this.stack.currentToken }),
    });
  }

  /** Sets the stack's status (stored) and records the stack event. */
  async stackStatus(status: string, reason?: string): Promise<void> {
    this.stack.status = status;
    // After a rollback the stack keeps the reason of the failure (as DescribeStacks shows on AWS).
    const keep = status.includes("ROLLBACK") || status.endsWith("_FAILED");
    if (reason !== undefined) this.stack.statusReason = reason;
    else if (!keep) delete this.stack.statusReason;
    await this.deps.store.putStack(this.stack);
    await this.event(this.stack.stackName, "AWS::CloudFormation::Stack", status, reason, this.stack.stackId);
  }

  /** Waits for queued writes (notes, resource documents). */
  async flush(): Promise<void> {
    await this.writes;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.writes.then(task, task);
    this.writes = next.catch((error: unknown) =>
      this.deps.logger.error({ err: error }, "stack operation could not store its progress"),
    );
    return next;
  }
}

/** `Resource handler returned message: "..."`: what CloudFormation shows for a provider failure. */
export function handlerMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  const awsName = (error as { awsName?: unknown } | undefined)?.awsName;
  if (typeof awsName === "string" && message.startsWith(`${awsName}: `))
    message = message.slice(awsName.length + 2);
  return `Resource handler returned message: "${message}"`;
}
