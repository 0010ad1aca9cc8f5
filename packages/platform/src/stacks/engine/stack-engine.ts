import { randomUUID } from "node:crypto";
import { stackError } from "../errors.js";
import type { Template } from "../model.js";
import { parseTemplate } from "../template/index.js";
import { createChangeSet, deleteChangeSet, executeChangeSet, findChangeSet } from "./change-sets.js";
import type { EngineDeps } from "./operation-context.js";
import { runContinueRollback, runDelete, runDeploy } from "./operations.js";
import { type Plan, planDeploy, transformList } from "./plan.js";
import {
  type ChangeSetRecord,
  IN_PROGRESS,
  type ResourceState,
  type StackInputs,
  type StackRecord,
} from "./records.js";
import {
  type ChangeSetRequest,
  type DeployRequest,
  delay,
  failInterrupted,
  onFailureOf,
  previousOf,
  recoverInterrupted,
  type TemplateSource,
  UPDATABLE,
  unchanged,
  validateStackName,
} from "./stack-support.js";
import { templateText } from "./template-source.js";

export type { ChangeSetRequest, DeployRequest, TemplateSource } from "./stack-support.js";

/**
 * Stacks and change sets: validates and plans synchronously (errors answer the request), then
 * runs the operation in the background (one per stack at a time); clients poll DescribeStacks.
 */
export class StackEngine {
  private readonly running = new Map<string, Promise<void>>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    /** @internal */
    readonly deps: EngineDeps,
    private readonly options: { strict: boolean; answerAfterMs: number },
  ) {}

  get store() {
    return this.deps.store;
  }

  /** Stacks a restart interrupted become failed (never *_IN_PROGRESS forever). */
  recover(): Promise<void> {
    return recoverInterrupted(this.deps.store);
  }

  createChangeSet(request: ChangeSetRequest): Promise<{ id: string; stackId: string }> {
    return this.serialized(request.stackName, () => createChangeSet(this, request));
  }

  findChangeSet(nameOrArn: string, stackName?: string): Promise<ChangeSetRecord> {
    return findChangeSet(this.deps.store, nameOrArn, stackName);
  }

  executeChangeSet(
    nameOrArn: string,
    stackName: string | undefined,
    options: { token?: string | undefined; disableRollback?: boolean | undefined },
  ): Promise<void> {
    return this.serialized(stackName ?? nameOrArn, () =>
      executeChangeSet(this, nameOrArn, stackName, options),
    );
  }

  deleteChangeSet(nameOrArn: string, stackName?: string): Promise<void> {
    return deleteChangeSet(this.deps.store, nameOrArn, stackName);
  }

  /** ContinueUpdateRollback: finishes the rollback of an UPDATE_ROLLBACK_FAILED stack. */
  continueUpdateRollback(nameOrId: string, skip: string[], token?: string): Promise<void> {
    return this.serialized(nameOrId, async () => {
      const stack = await this.liveStack(nameOrId);
      if (token !== undefined && stack.tokens.includes(token)) return;
      if (stack.status !== "UPDATE_ROLLBACK_FAILED" || !stack.rollbackTo)
        throw stackError.validation(
          `Stack ${stack.stackId} is in ${stack.status} state and can not be rolled back: ContinueUpdateRollback needs UPDATE_ROLLBACK_FAILED.`,
        );
      this.token(stack, token);
      stack.status = "UPDATE_ROLLBACK_IN_PROGRESS";
      await this.deps.store.putStack(stack);
      await this.launch(stack, () => runContinueRollback(this.deps, stack, skip));
    });
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
    Object.assign(stack, plan.inputs, {
      status: "UPDATE_IN_PROGRESS",
      updatedAt: this.deps.clock.now(),
      rollbackTo: previous,
    });
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

  /** @internal */
  async planFor(request: DeployRequest, body: string, stack: StackRecord, direct: boolean): Promise<Plan> {
    const current = (await this.deps.store.getResources(stack.stackId)).resources;
    return this.plan(request, body, stack.stackId, { stack, current }, direct);
  }

  /** @internal */
  async plan(
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
        ignoredParameters: request.ignoredParameters ?? [],
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

  /** @internal */
  newStack(stackId: string, request: DeployRequest, inputs: StackInputs, status: string): StackRecord {
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

  /** @internal */
  token(stack: StackRecord, token: string | undefined): void {
    if (token === undefined) {
      delete stack.currentToken;
      return;
    }
    stack.tokens = [...stack.tokens.slice(-19), token];
    stack.currentToken = token;
  }

  /** @internal */
  stackArn(name: string): string {
    return `arn:aws:cloudformation:${this.deps.scope.region}:${this.deps.scope.accountId}:stack/${name}/${randomUUID()}`;
  }

  /**
   * Starts an operation in the background. The request is answered when it ends or after
   * `answerAfterMs`, whichever comes first: AWS answers at once, but clients such as
   * `aws cloudformation deploy` poll every 30 s, and most Nimbus deploys take well under a second.
   */
  /** @internal */
  async launch(stack: StackRecord, run: () => Promise<void>): Promise<void> {
    const task = run()
      .catch(async (error: unknown) => {
        // A bug, or a store that failed: the stack must not stay in progress.
        this.deps.logger.error({ err: error, stack: stack.stackName }, "stack operation crashed");
        const message = error instanceof Error ? error.message : String(error);
        const current = await this.deps.store.getStack(stack.stackId).catch(() => undefined);
        if (current)
          await failInterrupted(this.deps.store, current, `Nimbus internal error: ${message}`).catch(
            (markError: unknown) =>
              this.deps.logger.error(
                { err: markError, stack: stack.stackName },
                "could not mark the stack failed",
              ),
          );
      })
      .finally(() => this.running.delete(stack.stackId));
    this.running.set(stack.stackId, task);
    if (this.options.answerAfterMs > 0) await Promise.race([task, delay(this.options.answerAfterMs)]);
  }
}
