import { randomUUID } from "node:crypto";
import { stackError } from "../errors.js";
import type { Template } from "../model.js";
import { parseTemplate } from "../template/index.js";
import type { EngineDeps } from "./operation-context.js";
import { type OnFailure, type PreviousStack, runDelete, runDeploy, sameInputs } from "./operations.js";
import { type Plan, planDeploy, transformList } from "./plan.js";
import {
  type ChangeSetRecord,
  IN_PROGRESS,
  type ResourceState,
  type StackInputs,
  type StackRecord,
  type Tag,
} from "./records.js";
import { templateText } from "./template-source.js";

export interface TemplateSource {
  templateBody?: string | undefined;
  templateUrl?: string | undefined;
  usePreviousTemplate?: boolean | undefined;
}

export interface DeployRequest extends TemplateSource {
  stackName: string;
  parameters: { key: string; value?: string | undefined; usePrevious?: boolean | undefined }[];
  capabilities: string[];
  tags?: Tag[] | undefined;
  notificationArns: string[];
  disableRollback?: boolean | undefined;
  onFailure?: OnFailure | undefined;
  clientRequestToken?: string | undefined;
  strict: boolean;
}

export interface ChangeSetRequest extends DeployRequest {
  changeSetName: string;
  changeSetType: string;
  description?: string | undefined;
}

const UPDATABLE = new Set([
  "CREATE_COMPLETE",
  "UPDATE_COMPLETE",
  "UPDATE_ROLLBACK_COMPLETE",
  "CREATE_FAILED",
  "UPDATE_FAILED",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_COMPLETE",
]);

const NO_CHANGES =
  "The submitted information didn't contain changes. Submit different information to create a change set.";

/** What became of operations a restart interrupted. */
const AFTER_RESTART: Record<string, string> = {
  CREATE_IN_PROGRESS: "CREATE_FAILED",
  ROLLBACK_IN_PROGRESS: "ROLLBACK_FAILED",
  DELETE_IN_PROGRESS: "DELETE_FAILED",
  UPDATE_IN_PROGRESS: "UPDATE_ROLLBACK_FAILED",
  UPDATE_ROLLBACK_IN_PROGRESS: "UPDATE_ROLLBACK_FAILED",
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: "UPDATE_ROLLBACK_FAILED",
  // The update itself was done; only the deletion of replaced/removed resources was cut short.
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: "UPDATE_COMPLETE",
};

/**
 * Stacks and change sets: validates and plans synchronously (errors answer the request), then
 * runs the operation in the background (one per stack at a time); clients poll DescribeStacks.
 */
export class StackEngine {
  private readonly running = new Map<string, Promise<void>>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: EngineDeps,
    private readonly options: { strict: boolean; answerAfterMs: number },
  ) {}

  get store() {
    return this.deps.store;
  }

  /** Stacks a restart interrupted become failed (never *_IN_PROGRESS forever). */
  async recover(): Promise<void> {
    const reason = "Nimbus restarted during the operation";
    for (const stack of await this.deps.store.allStacks()) {
      const next = AFTER_RESTART[stack.status];
      if (next === undefined) continue;
      const resources = await this.deps.store.getResources(stack.stackId);
      for (const state of Object.values(resources.resources))
        if (state.status.endsWith("_IN_PROGRESS")) {
          state.status = state.status.replace("_IN_PROGRESS", "_FAILED");
          state.statusReason = reason;
        }
      await this.deps.store.putResources(stack.stackId, resources);
      stack.status = next;
      stack.statusReason =
        next === "UPDATE_COMPLETE" ? `${reason}: replaced or removed resources may remain` : reason;
      delete stack.currentToken;
      await this.deps.store.putStack(stack);
      await this.deps.store.addEvent({
        StackId: stack.stackId,
        StackName: stack.stackName,
        LogicalResourceId: stack.stackName,
        PhysicalResourceId: stack.stackId,
        ResourceType: "AWS::CloudFormation::Stack",
        ResourceStatus: next,
        ResourceStatusReason: stack.statusReason,
      });
      for (const changeSet of await this.deps.store.changeSetsOf(stack.stackId))
        if (changeSet.executionStatus === "EXECUTE_IN_PROGRESS")
          await this.deps.store.putChangeSet({ ...changeSet, executionStatus: "EXECUTE_FAILED" });
    }
  }

  /** Waits (bounded) for running operations, so a clean shutdown does not cut them short. */
  async close(graceMs = 10_000): Promise<void> {
    await Promise.race([Promise.all(this.running.values()), delay(graceMs)]);
  }

  strictFor(requested: boolean): boolean {
    return requested || this.options.strict;
  }

  createStack(request: DeployRequest): Promise<string> {
    return this.serialized(request.stackName, () => this.createStackNow(request));
  }

  private async createStackNow(request: DeployRequest): Promise<string> {
    validateStackName(request.stackName);
    const existing = await this.deps.store.findStack(request.stackName);
    if (existing) {
      if (request.clientRequestToken !== undefined && existing.tokens.includes(request.clientRequestToken))
        return existing.stackId;
      throw stackError.alreadyExists(request.stackName);
    }
    const stackId = this.stackArn(request.stackName);
    const body = await templateText(this.deps.api, request);
    const plan = await this.plan(request, body, stackId, undefined, true);
    this.throwFailures(plan, request.strict);
    const stack = this.newStack(stackId, request, plan.inputs, "CREATE_IN_PROGRESS");
    await this.deps.store.putStack(stack);
    await this.launch(stack, () => runDeploy(this.deps, stack, undefined, onFailureOf(request)));
    return stackId;
  }

  updateStack(request: DeployRequest): Promise<string> {
    return this.serialized(request.stackName, () => this.updateStackNow(request));
  }

  private async updateStackNow(request: DeployRequest): Promise<string> {
    const stack = await this.liveStack(request.stackName);
    if (request.clientRequestToken !== undefined && stack.tokens.includes(request.clientRequestToken))
      return stack.stackId;
    if (!UPDATABLE.has(stack.status)) throw stackError.notUpdatable(stack.stackId, stack.status);
    const body = request.usePreviousTemplate
      ? stack.templateBody
      : await templateText(this.deps.api, request);
    const plan = await this.planFor(request, body, stack, true);
    this.throwFailures(plan, request.strict);
    if (unchanged(plan, stack)) throw stackError.noUpdates();
    const previous = previousOf(stack);
    Object.assign(stack, plan.inputs, { status: "UPDATE_IN_PROGRESS", updatedAt: this.deps.clock.now() });
    if (request.tags === undefined) stack.tags = previous.inputs.tags;
    if (request.disableRollback !== undefined) stack.disableRollback = request.disableRollback;
    this.token(stack, request.clientRequestToken);
    await this.deps.store.putStack(stack);
    await this.launch(stack, () =>
      runDeploy(this.deps, stack, previous, stack.disableRollback ? "DO_NOTHING" : "ROLLBACK"),
    );
    return stack.stackId;
  }

  deleteStack(nameOrId: string, retain: string[], token?: string): Promise<void> {
    return this.serialized(nameOrId, () => this.deleteStackNow(nameOrId, retain, token));
  }

  private async deleteStackNow(nameOrId: string, retain: string[], token?: string): Promise<void> {
    const stack = await this.deps.store.findStack(nameOrId);
    if (!stack || stack.status === "DELETE_COMPLETE") return; // AWS answers success for unknown stacks
    if (token !== undefined && stack.tokens.includes(token)) return;
    if (IN_PROGRESS(stack.status)) {
      if (stack.status === "DELETE_IN_PROGRESS") return;
      throw stackError.validation(
        `Stack [${stack.stackName}] cannot be deleted while in status ${stack.status}`,
      );
    }
    this.token(stack, token);
    if (stack.status === "REVIEW_IN_PROGRESS") {
      stack.status = "DELETE_COMPLETE";
      stack.deletedAt = this.deps.clock.now();
      await this.deps.store.putStack(stack);
      for (const changeSet of await this.deps.store.changeSetsOf(stack.stackId))
        await this.deps.store.deleteChangeSet(changeSet.changeSetId);
      return;
    }
    await this.launch(stack, () => runDelete(this.deps, stack, retain));
  }

  createChangeSet(request: ChangeSetRequest): Promise<{ id: string; stackId: string }> {
    return this.serialized(request.stackName, () => this.createChangeSetNow(request));
  }

  private async createChangeSetNow(request: ChangeSetRequest): Promise<{ id: string; stackId: string }> {
    validateStackName(request.stackName);
    if (!/^[a-zA-Z][-a-zA-Z0-9]*$/.test(request.changeSetName) || request.changeSetName.length > 128)
      throw stackError.validation(
        `1 validation error detected: Value '${request.changeSetName}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
      );
    const type = request.changeSetType || "UPDATE";
    if (type === "IMPORT")
      throw stackError.unsupportedOperation(
        "Nimbus does not support resource import change sets (ChangeSetType IMPORT).",
      );
    if (type !== "CREATE" && type !== "UPDATE")
      throw stackError.validation(`ChangeSetType must be one of CREATE, UPDATE or IMPORT`);
    let stack = await this.deps.store.findStack(request.stackName);
    if (type === "CREATE" && stack && stack.status !== "REVIEW_IN_PROGRESS")
      throw stackError.alreadyExists(request.stackName);
    if (type === "UPDATE") {
      if (!stack || stack.status === "REVIEW_IN_PROGRESS") throw stackError.notFound(request.stackName);
      if (!UPDATABLE.has(stack.status)) throw stackError.notUpdatable(stack.stackId, stack.status);
    }
    if (stack) {
      const same = (await this.deps.store.changeSetsOf(stack.stackId)).find(
        (c) => c.changeSetName === request.changeSetName,
      );
      if (same) throw stackError.changeSetAlreadyExists(request.changeSetName);
    }
    const stackId = stack?.stackId ?? this.stackArn(request.stackName);
    const body =
      request.usePreviousTemplate && stack && type === "UPDATE"
        ? stack.templateBody
        : await templateText(this.deps.api, request);
    const updating = type === "UPDATE" ? stack : undefined;
    const plan = updating
      ? await this.planFor(request, body, updating, false)
      : await this.plan(request, body, stackId, undefined, false);
    if (!stack) {
      stack = this.newStack(stackId, request, plan.inputs, "REVIEW_IN_PROGRESS");
      await this.deps.store.putStack(stack);
      await this.deps.store.addEvent({
        StackId: stackId,
        StackName: stack.stackName,
        LogicalResourceId: stack.stackName,
        PhysicalResourceId: stackId,
        ResourceType: "AWS::CloudFormation::Stack",
        ResourceStatus: "REVIEW_IN_PROGRESS",
        ResourceStatusReason: "User Initiated",
      });
    }
    const failures = plan.failures;
    const noChanges = updating !== undefined && unchanged(plan, updating);
    const id = `arn:aws:cloudformation:${this.deps.scope.region}:${this.deps.scope.accountId}:changeSet/${request.changeSetName}/${randomUUID()}`;
    const record: ChangeSetRecord = {
      changeSetId: id,
      changeSetName: request.changeSetName,
      stackId,
      stackName: stack.stackName,
      type,
      status: failures.length > 0 || noChanges ? "FAILED" : "CREATE_COMPLETE",
      executionStatus: failures.length > 0 || noChanges ? "UNAVAILABLE" : "AVAILABLE",
      createdAt: this.deps.clock.now(),
      inputs: plan.inputs,
      changes: plan.changes,
      ...(request.description === undefined ? {} : { description: request.description }),
      ...(request.disableRollback === undefined ? {} : { disableRollback: request.disableRollback }),
      ...(stack.updatedAt === undefined ? {} : { basedOn: stack.updatedAt }),
    };
    const reason =
      failures.length > 0 ? failures.join("\n") : noChanges ? NO_CHANGES : plan.inputs.notes.join("\n");
    if (reason) record.statusReason = reason;
    await this.deps.store.putChangeSet(record);
    return { id, stackId };
  }

  async findChangeSet(nameOrArn: string, stackName?: string): Promise<ChangeSetRecord> {
    if (nameOrArn.startsWith("arn:")) {
      const found = await this.deps.store.getChangeSet(nameOrArn);
      if (!found) throw stackError.changeSetNotFound(nameOrArn);
      return found;
    }
    if (stackName === undefined)
      throw stackError.validation("StackName must be specified if ChangeSetName is not specified as an ARN.");
    const stack = await this.deps.store.findStack(stackName);
    const found =
      stack && (await this.deps.store.changeSetsOf(stack.stackId)).find((c) => c.changeSetName === nameOrArn);
    if (!found) throw stackError.changeSetNotFound(nameOrArn);
    return found;
  }

  executeChangeSet(
    nameOrArn: string,
    stackName: string | undefined,
    options: { token?: string | undefined; disableRollback?: boolean | undefined },
  ): Promise<void> {
    return this.serialized(stackName ?? nameOrArn, () =>
      this.executeChangeSetNow(nameOrArn, stackName, options),
    );
  }

  private async executeChangeSetNow(
    nameOrArn: string,
    stackName: string | undefined,
    options: { token?: string | undefined; disableRollback?: boolean | undefined },
  ): Promise<void> {
    const changeSet = await this.findChangeSet(nameOrArn, stackName);
    const stack = await this.deps.store.getStack(changeSet.stackId);
    if (!stack || stack.status === "DELETE_COMPLETE") throw stackError.notFound(changeSet.stackName);
    if (options.token !== undefined && stack.tokens.includes(options.token)) return;
    if (
      changeSet.status !== "CREATE_COMPLETE" ||
      changeSet.executionStatus !== "AVAILABLE" ||
      !changeSet.inputs
    )
      throw stackError.invalidChangeSetStatus(
        `ChangeSet [${changeSet.changeSetId}] cannot be executed in its current execution status of [${changeSet.executionStatus}]`,
      );
    const creating = stack.status === "REVIEW_IN_PROGRESS";
    if (!creating && !UPDATABLE.has(stack.status)) throw stackError.notUpdatable(stack.stackId, stack.status);
    if (!creating && changeSet.basedOn !== stack.updatedAt) {
      await this.deps.store.putChangeSet({ ...changeSet, executionStatus: "OBSOLETE" });
      throw stackError.invalidChangeSetStatus(
        `ChangeSet [${changeSet.changeSetId}] cannot be executed in its current execution status of [OBSOLETE]`,
      );
    }
    const previous = creating ? undefined : previousOf(stack);
    const disableRollback =
      options.disableRollback ?? changeSet.disableRollback ?? (creating ? false : stack.disableRollback);
    Object.assign(stack, changeSet.inputs, {
      status: creating ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS",
      changeSetId: changeSet.changeSetId,
      disableRollback,
    });
    if (!creating) stack.updatedAt = this.deps.clock.now();
    this.token(stack, options.token);
    await this.deps.store.putStack(stack);
    for (const other of await this.deps.store.changeSetsOf(stack.stackId))
      if (other.changeSetId !== changeSet.changeSetId)
        await this.deps.store.deleteChangeSet(other.changeSetId);
    await this.deps.store.putChangeSet({ ...changeSet, executionStatus: "EXECUTE_IN_PROGRESS" });
    await this.launch(stack, async () => {
      await runDeploy(this.deps, stack, previous, disableRollback ? "DO_NOTHING" : "ROLLBACK");
      const ok = stack.status === "CREATE_COMPLETE" || stack.status === "UPDATE_COMPLETE";
      await this.deps.store.putChangeSet({
        ...changeSet,
        executionStatus: ok ? "EXECUTE_COMPLETE" : "EXECUTE_FAILED",
      });
    });
  }

  async deleteChangeSet(nameOrArn: string, stackName?: string): Promise<void> {
    const changeSet = await this.findChangeSet(nameOrArn, stackName);
    if (changeSet.executionStatus === "EXECUTE_IN_PROGRESS")
      throw stackError.invalidChangeSetStatus(
        `ChangeSet [${changeSet.changeSetId}] cannot be deleted while it is being executed`,
      );
    await this.deps.store.deleteChangeSet(changeSet.changeSetId);
  }

  /**
   * Runs the synchronous part of a call (checks, plan, first write) one at a time per stack
   * name, so two calls cannot both see a stack as updatable and both start an operation.
   */
  private async serialized<T>(nameOrArn: string, fn: () => Promise<T>): Promise<T> {
    const key =
      /^arn:[^:]*:cloudformation:[^:]*:[^:]*:(?:stack|changeSet)\/([^/]+)\//.exec(nameOrArn)?.[1] ??
      nameOrArn;
    const before = this.locks.get(key) ?? Promise.resolve();
    const result = before.then(fn, fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return result;
  }

  /** A live stack by name or ARN (ValidationError "does not exist" otherwise). */
  async liveStack(nameOrId: string): Promise<StackRecord> {
    const stack = await this.deps.store.findStack(nameOrId);
    if (!stack || stack.status === "DELETE_COMPLETE") throw stackError.notFound(nameOrId);
    return stack;
  }

  /** A stack by name (live) or ARN (also deleted ones). */
  async anyStack(nameOrId: string): Promise<StackRecord> {
    const stack = await this.deps.store.findStack(nameOrId);
    if (!stack || (stack.status === "DELETE_COMPLETE" && !nameOrId.startsWith("arn:")))
      throw stackError.notFound(nameOrId);
    return stack;
  }

  /**
   * A template without a stack (ValidateTemplate, GetTemplateSummary): parsed, and for SAM
   * templates transformed with parameter defaults (best effort: values without defaults are "").
   */
  async inspect(source: TemplateSource): Promise<{ body: string; original: Template; processed: Template }> {
    const body = await templateText(this.deps.api, source);
    const original = parseTemplate(body);
    let processed = original;
    const sam = this.deps.sam;
    if (transformList(original).length > 0 && sam?.isSamTemplate(original)) {
      const parameters: Record<string, string> = {};
      for (const [key, def] of Object.entries(original.Parameters ?? {}))
        parameters[key] = def.Default === undefined ? "" : String(def.Default);
      try {
        processed = sam.transformSam(original, {
          ...this.deps.scope,
          stackName: "validation",
          parameters,
        }).template;
      } catch (error) {
        throw stackError.validation(
          `Transform AWS::Serverless-2016-10-31 failed with: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return { body, original, processed };
  }

  private async planFor(
    request: DeployRequest,
    body: string,
    stack: StackRecord,
    direct: boolean,
  ): Promise<Plan> {
    const current = (await this.deps.store.getResources(stack.stackId)).resources;
    return this.plan(request, body, stack.stackId, { stack, current }, direct);
  }

  private async plan(
    request: DeployRequest,
    body: string,
    stackId: string,
    existing: { stack: StackRecord; current: Record<string, ResourceState> } | undefined,
    direct: boolean,
  ): Promise<Plan> {
    const exported = new Map((await this.deps.store.exports()).map((e) => [e.name, e.value]));
    return planDeploy(
      {
        templateBody: body,
        parameters: Object.fromEntries(
          request.parameters
            .filter((p) => !p.usePrevious && p.value !== undefined)
            .map((p) => [p.key, p.value as string]),
        ),
        usePrevious: request.parameters.filter((p) => p.usePrevious).map((p) => p.key),
        capabilities: request.capabilities,
        // Without Tags, an update keeps the stack's tags (as AWS).
        tags: request.tags ?? existing?.stack.tags ?? [],
        notificationArns: request.notificationArns,
        direct,
        strict: this.strictFor(request.strict),
      },
      {
        registry: this.deps.registry,
        sam: this.deps.sam,
        pseudo: {
          region: this.deps.scope.region,
          accountId: this.deps.scope.accountId,
          stackName: request.stackName,
          stackId,
        },
        stack: existing?.stack,
        current: existing?.current ?? {},
        importValue: (name) => exported.get(name),
      },
    );
  }

  private throwFailures(plan: Plan, strict: boolean): void {
    if (plan.failures.length === 0) return;
    const message = plan.failures.join("\n");
    throw this.strictFor(strict) && message.startsWith("Nimbus strict mode")
      ? stackError.strict(message)
      : stackError.validation(message);
  }

  private newStack(
    stackId: string,
    request: DeployRequest,
    inputs: StackInputs,
    status: string,
  ): StackRecord {
    const stack: StackRecord = {
      ...inputs,
      stackId,
      stackName: request.stackName,
      status,
      createdAt: this.deps.clock.now(),
      disableRollback: request.disableRollback ?? request.onFailure === "DO_NOTHING",
      outputs: [],
      imports: [],
      tokens: [],
    };
    this.token(stack, request.clientRequestToken);
    return stack;
  }

  private token(stack: StackRecord, token: string | undefined): void {
    if (token === undefined) {
      delete stack.currentToken;
      return;
    }
    stack.tokens = [...stack.tokens.slice(-19), token];
    stack.currentToken = token;
  }

  private stackArn(name: string): string {
    return `arn:aws:cloudformation:${this.deps.scope.region}:${this.deps.scope.accountId}:stack/${name}/${randomUUID()}`;
  }

  /**
   * Starts an operation in the background. The request is answered when it ends or after
   * `answerAfterMs`, whichever comes first: AWS answers at once, but clients such as
   * `aws cloudformation deploy` poll every 30 s, and most Nimbus deploys take well under a second.
   */
  private async launch(stack: StackRecord, run: () => Promise<void>): Promise<void> {
    const task = run()
      .catch((error: unknown) =>
        this.deps.logger.error({ err: error, stack: stack.stackName }, "stack operation crashed"),
      )
      .finally(() => this.running.delete(stack.stackId));
    this.running.set(stack.stackId, task);
    if (this.options.answerAfterMs > 0) await Promise.race([task, delay(this.options.answerAfterMs)]);
  }
}

function previousOf(stack: StackRecord): PreviousStack {
  const {
    templateBody,
    processed,
    transformed,
    parameters,
    parameterStrings,
    displayedParameters,
    conditions,
    capabilities,
    tags,
    notificationArns,
    notes,
    skipped,
  } = stack;
  const inputs: StackInputs = {
    templateBody,
    processed,
    transformed,
    parameters,
    parameterStrings,
    displayedParameters,
    conditions,
    capabilities,
    tags,
    notificationArns,
    notes,
    skipped,
  };
  if (stack.description !== undefined) inputs.description = stack.description;
  return {
    inputs: structuredClone(inputs),
    outputs: structuredClone(stack.outputs),
    imports: [...stack.imports],
  };
}

/**
 * Nothing to do: no resource changes, same outputs, parameters and tags, and the stack is in a
 * settled state (a stack a failure left half-made is always worth an update).
 */
function unchanged(plan: Plan, stack: StackRecord): boolean {
  const settled =
    (stack.status.endsWith("_COMPLETE") && !stack.status.includes("ROLLBACK_COMPLETE")) ||
    stack.status === "UPDATE_ROLLBACK_COMPLETE";
  return settled && plan.changes.length === 0 && sameInputs(plan.inputs, stack);
}

function onFailureOf(request: DeployRequest): OnFailure {
  if (request.disableRollback) return "DO_NOTHING";
  return request.onFailure ?? "ROLLBACK";
}

function validateStackName(name: string): void {
  if (!/^[a-zA-Z][-a-zA-Z0-9]*$/.test(name) || name.length > 128)
    throw stackError.validation(
      `1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
    );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
