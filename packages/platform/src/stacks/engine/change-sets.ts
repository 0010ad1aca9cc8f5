import { randomUUID } from "node:crypto";
import { stackError } from "../errors.js";
import { runDeploy } from "./operations.js";
import type { ChangeSetRecord } from "./records.js";
import type { StackEngine } from "./stack-engine.js";
import type { StackStore } from "./stack-store.js";
import {
  type ChangeSetRequest,
  NO_CHANGES,
  previousOf,
  UPDATABLE,
  unchanged,
  validateStackName,
} from "./stack-support.js";
import { templateText } from "./template-source.js";

/** CreateChangeSet: plans now; the change set is CREATE_COMPLETE, or FAILED with the reason. */
export async function createChangeSet(
  engine: StackEngine,
  request: ChangeSetRequest,
): Promise<{ id: string; stackId: string }> {
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
  let stack = await engine.deps.store.findStack(request.stackName);
  if (type === "CREATE" && stack && stack.status !== "REVIEW_IN_PROGRESS")
    throw stackError.alreadyExists(request.stackName);
  if (type === "UPDATE") {
    if (!stack || stack.status === "REVIEW_IN_PROGRESS") throw stackError.notFound(request.stackName);
    if (!UPDATABLE.has(stack.status)) throw stackError.notUpdatable(stack.stackId, stack.status);
  }
  if (stack) {
    const same = (await engine.deps.store.changeSetsOf(stack.stackId)).find(
      (c) => c.changeSetName === request.changeSetName,
    );
    if (same) throw stackError.changeSetAlreadyExists(request.changeSetName);
  }
  const stackId = stack?.stackId ?? engine.stackArn(request.stackName);
  const body =
    request.usePreviousTemplate && stack && type === "UPDATE"
      ? stack.templateBody
      : await templateText(engine.deps.api, request);
  const updating = type === "UPDATE" ? stack : undefined;
  const plan = updating
    ? await engine.planFor(request, body, updating, false)
    : await engine.plan(request, body, stackId, undefined, false);
  if (!stack) {
    stack = engine.newStack(stackId, request, plan.inputs, "REVIEW_IN_PROGRESS");
    await engine.deps.store.putStack(stack);
    await engine.deps.store.addEvent({
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
  const id = `arn:aws:cloudformation:${engine.deps.scope.region}:${engine.deps.scope.accountId}:changeSet/${request.changeSetName}/${randomUUID()}`;
  const record: ChangeSetRecord = {
    changeSetId: id,
    changeSetName: request.changeSetName,
    stackId,
    stackName: stack.stackName,
    type,
    status: failures.length > 0 || noChanges ? "FAILED" : "CREATE_COMPLETE",
    executionStatus: failures.length > 0 || noChanges ? "UNAVAILABLE" : "AVAILABLE",
    createdAt: engine.deps.clock.now(),
    inputs: plan.inputs,
    changes: plan.changes,
    ...(request.description === undefined ? {} : { description: request.description }),
    ...(request.disableRollback === undefined ? {} : { disableRollback: request.disableRollback }),
    ...(request.onFailure === undefined || type !== "CREATE" ? {} : { onFailure: request.onFailure }),
    ...(stack.updatedAt === undefined ? {} : { basedOn: stack.updatedAt }),
  };
  const reason =
    failures.length > 0 ? failures.join("\n") : noChanges ? NO_CHANGES : plan.inputs.notes.join("\n");
  if (reason) record.statusReason = reason;
  await engine.deps.store.putChangeSet(record);
  return { id, stackId };
}

/** A change set by ARN, or by name and stack name. */
export async function findChangeSet(
  store: StackStore,
  nameOrArn: string,
  stackName?: string,
): Promise<ChangeSetRecord> {
  if (nameOrArn.startsWith("arn:")) {
    const found = await store.getChangeSet(nameOrArn);
    if (!found) throw stackError.changeSetNotFound(nameOrArn);
    return found;
  }
  if (stackName === undefined)
    throw stackError.validation("StackName must be specified if ChangeSetName is not specified as an ARN.");
  const stack = await store.findStack(stackName);
  const found = stack && (await store.changeSetsOf(stack.stackId)).find((c) => c.changeSetName === nameOrArn);
  if (!found) throw stackError.changeSetNotFound(nameOrArn);
  return found;
}

/** ExecuteChangeSet: starts the create or update the change set planned. */
export async function executeChangeSet(
  engine: StackEngine,
  nameOrArn: string,
  stackName: string | undefined,
  options: { token?: string | undefined; disableRollback?: boolean | undefined },
): Promise<void> {
  const changeSet = await findChangeSet(engine.deps.store, nameOrArn, stackName);
  const stack = await engine.deps.store.getStack(changeSet.stackId);
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
    await engine.deps.store.putChangeSet({ ...changeSet, executionStatus: "OBSOLETE" });
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
  if (previous) stack.rollbackTo = previous;
  if (!creating) stack.updatedAt = engine.deps.clock.now();
  engine.token(stack, options.token);
  await engine.deps.store.putStack(stack);
  for (const other of await engine.deps.store.changeSetsOf(stack.stackId))
    if (other.changeSetId !== changeSet.changeSetId)
      await engine.deps.store.deleteChangeSet(other.changeSetId);
  await engine.deps.store.putChangeSet({ ...changeSet, executionStatus: "EXECUTE_IN_PROGRESS" });
  await engine.launch(stack, async () => {
    const onFailure = disableRollback
      ? "DO_NOTHING"
      : creating
        ? (changeSet.onFailure ?? "ROLLBACK")
        : "ROLLBACK";
    await runDeploy(engine.deps, stack, previous, onFailure);
    const ok = stack.status === "CREATE_COMPLETE" || stack.status === "UPDATE_COMPLETE";
    await engine.deps.store.putChangeSet({
      ...changeSet,
      executionStatus: ok ? "EXECUTE_COMPLETE" : "EXECUTE_FAILED",
    });
  });
}

/** DeleteChangeSet (not while it executes). */
export async function deleteChangeSet(
  store: StackStore,
  nameOrArn: string,
  stackName?: string,
): Promise<void> {
  const changeSet = await findChangeSet(store, nameOrArn, stackName);
  if (changeSet.executionStatus === "EXECUTE_IN_PROGRESS")
    throw stackError.invalidChangeSetStatus(
      `ChangeSet [${changeSet.changeSetId}] cannot be deleted while it is being executed`,
    );
  await store.deleteChangeSet(changeSet.changeSetId);
}
