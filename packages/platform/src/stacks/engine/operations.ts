import { isDeepStrictEqual } from "node:util";
import {
  appliedProperties,
  applyResources,
  deleteOne,
  deletionOrder,
  type Journal,
  newJournal,
} from "./apply.js";
import { type EngineDeps, handlerMessage, OperationContext } from "./operation-context.js";
import type {
  ExportRecord,
  PreviousStack,
  ResourceState,
  StackInputs,
  StackOutput,
  StackRecord,
} from "./records.js";

export type { PreviousStack } from "./records.js";

export type OnFailure = "ROLLBACK" | "DELETE" | "DO_NOTHING";

/**
 * Runs a create (`previous` undefined) or an update of `stack` to `inputs`: resources, outputs,
 * exports, then the cleanup of replaced and removed resources; on failure, the rollback.
 * The stack document already carries the new inputs and the *_IN_PROGRESS status.
 */
export async function runDeploy(
  deps: EngineDeps,
  stack: StackRecord,
  previous: PreviousStack | undefined,
  onFailure: OnFailure,
): Promise<void> {
  const state = await deps.store.getResources(stack.stackId);
  const op = new OperationContext(deps, stack, state);
  const creating = previous === undefined;
  const journal = newJournal();
  const exports = await deps.store.exports();
  const exportValue = (name: string) => exports.find((e) => e.name === name)?.value;
  await op.stackStatus(creating ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS", "User Initiated");
  if (stack.notes.length > 0)
    await op.event(
      stack.stackName,
      "AWS::CloudFormation::Stack",
      stack.status,
      stack.notes.join("\n"),
      stack.stackId,
    );
  try {
    const { outputs, imports } = await applyResources(op, stack, journal, exportValue);
    await publishExports(deps, stack, outputs, exports);
    stack.outputs = outputs;
    stack.imports = imports;
  } catch (error) {
    await op.flush();
    deps.logger.info({ err: error, stack: stack.stackName }, "stack operation failed");
    await failed(op, journal, previous, onFailure, error);
    await op.flush();
    return;
  }
  if (creating) {
    await op.stackStatus("CREATE_COMPLETE");
  } else {
    await op.stackStatus("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
    await cleanup(op, stack);
    delete stack.rollbackTo;
    await op.stackStatus("UPDATE_COMPLETE");
  }
  await op.flush();
}

/** Replaced resources' old copies and resources no longer in the template are deleted last. */
async function cleanup(op: OperationContext, stack: StackRecord): Promise<void> {
  for (const state of Object.values(op.state.resources)) {
    const old = state.previousCopy;
    if (!old) continue;
    await deleteOne(op, old, old.updateReplacePolicy === "Retain", { keepRecord: true });
    const { previousCopy: _deleted, ...current } = state;
    await op.setResource(current);
  }
  const active = new Set(
    Object.entries(stack.processed.Resources)
      .filter(
        ([id, def]) =>
          !stack.skipped.includes(id) &&
          (def.Condition === undefined || stack.conditions[def.Condition] === true),
      )
      .map(([id]) => id),
  );
  const removed = Object.values(op.state.resources).filter((s) => !active.has(s.logicalId));
  for (const logicalId of deletionOrder(removed)) {
    const state = op.state.resources[logicalId];
    if (state) await deleteOne(op, state, state.deletionPolicy === "Retain");
  }
}

/** Export names must be free (or this stack's); exports in use by other stacks cannot change. */
async function publishExports(
  deps: EngineDeps,
  stack: StackRecord,
  outputs: StackOutput[],
  exports: ExportRecord[],
): Promise<void> {
  const next: ExportRecord[] = [];
  for (const output of outputs) {
    if (output.ExportName === undefined) continue;
    const owner = exports.find((e) => e.name === output.ExportName);
    if (owner && owner.stackId !== stack.stackId) {
      const other = await deps.store.getStack(owner.stackId);
      throw new Error(
        `Export with name ${output.ExportName} is already exported by stack ${other?.stackName ?? owner.stackId}`,
      );
    }
    next.push({ name: output.ExportName, value: output.OutputValue, stackId: stack.stackId });
  }
  const mine = exports.filter((e) => e.stackId === stack.stackId);
  const importers = await importersOf(deps, stack.stackId);
  for (const old of mine) {
    const users = importers.get(old.name);
    if (!users) continue;
    const now = next.find((e) => e.name === old.name);
    // AWS's wording for these two cases is not documented verbatim; these follow its console text.
    if (!now) throw new Error(`Export ${old.name} cannot be deleted as it is in use by ${users.join(", ")}`);
    if (now.value !== old.value)
      throw new Error(`Cannot update export ${old.name} as it is in use by ${users.join(", ")}`);
  }
  await deps.store.replaceExports(stack.stackId, next);
}

/** Export name -> names of live stacks (other than `stackId`) that import it. */
export async function importersOf(deps: EngineDeps, stackId: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const other of await deps.store.allStacks()) {
    if (other.stackId === stackId || other.status === "DELETE_COMPLETE") continue;
    for (const name of other.imports) out.set(name, [...(out.get(name) ?? []), other.stackName]);
  }
  return out;
}

async function failed(
  op: OperationContext,
  journal: Journal,
  previous: PreviousStack | undefined,
  onFailure: OnFailure,
  error: unknown,
): Promise<void> {
  const stack = op.stack;
  const names = [...journal.failed.keys()];
  const reason =
    names.length > 0
      ? `The following resource(s) failed to ${previous ? "update" : "create"}: [${names.join(", ")}]. `
      : error instanceof Error
        ? error.message
        : String(error);
  if (previous === undefined) {
    if (onFailure === "DO_NOTHING") return op.stackStatus("CREATE_FAILED", reason);
    await op.stackStatus(
      "ROLLBACK_IN_PROGRESS",
      `${reason}${names.length > 0 ? "Rollback requested by user." : ""}`,
    );
    let ok = true;
    for (const logicalId of [...journal.created].reverse()) {
      const state = op.state.resources[logicalId];
      if (!state) continue;
      const deleted = await deleteOne(op, state, false, { keepRecord: true });
      ok = deleted && ok;
      await op.setResource({ ...state, status: deleted ? "DELETE_COMPLETE" : "DELETE_FAILED" });
    }
    if (!ok)
      return op.stackStatus("ROLLBACK_FAILED", "The following resource(s) failed to delete during rollback.");
    await op.stackStatus("ROLLBACK_COMPLETE");
    if (onFailure === "DELETE") await runDelete(op.deps, stack, [], op);
    return;
  }
  if (onFailure === "DO_NOTHING") return op.stackStatus("UPDATE_FAILED", reason);
  await op.stackStatus("UPDATE_ROLLBACK_IN_PROGRESS", reason);
  let ok = true;
  // Undo in reverse: restore updated resources, drop new copies of replaced ones and new resources.
  for (const [logicalId, before] of [...journal.updated].reverse()) {
    const provider = op.providerFor(before.type);
    const now = op.state.resources[logicalId];
    if (!provider || !now?.physicalId) continue;
    await op.event(logicalId, before.type, "UPDATE_IN_PROGRESS", undefined, now.physicalId);
    try {
      const result = await provider.update(
        op.provider,
        logicalId,
        {
          physicalId: now.physicalId,
          properties: appliedProperties(provider, now.properties),
          attributes: now.attributes,
        },
        appliedProperties(provider, before.properties),
      );
      await op.setResource({
        ...before,
        physicalId: result.physicalId,
        attributes: result.attributes,
        status: "UPDATE_COMPLETE",
      });
      await op.event(logicalId, before.type, "UPDATE_COMPLETE", undefined, result.physicalId);
    } catch (undoError) {
      ok = false;
      await op.event(logicalId, before.type, "UPDATE_FAILED", handlerMessage(undoError), now.physicalId);
    }
  }
  await op.stackStatus("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS");
  for (const [logicalId, old] of journal.replaced) {
    const now = op.state.resources[logicalId];
    if (now?.physicalId && now.physicalId !== old.physicalId)
      ok = (await deleteOne(op, now, false, { keepRecord: true })) && ok;
    await op.setResource({ ...old, status: "UPDATE_COMPLETE" });
  }
  for (const logicalId of [...journal.created].reverse()) {
    const state = op.state.resources[logicalId];
    if (state) ok = (await deleteOne(op, state, false)) && ok;
  }
  for (const [logicalId, state] of Object.entries(op.state.resources)) {
    if (!state.physicalId && state.status.endsWith("FAILED")) delete op.state.resources[logicalId];
    else if (state.status === "UPDATE_FAILED")
      op.state.resources[logicalId] = { ...state, status: "UPDATE_COMPLETE" };
  }
  await op.save();
  Object.assign(stack, previous.inputs, { outputs: previous.outputs, imports: previous.imports });
  if (ok) delete stack.rollbackTo;
  await op.stackStatus(ok ? "UPDATE_ROLLBACK_COMPLETE" : "UPDATE_ROLLBACK_FAILED");
}

/**
 * ContinueUpdateRollback of an `UPDATE_ROLLBACK_FAILED` stack (a failed undo, or an update a
 * restart cut short): new copies of replaced resources are deleted and the old ones restored,
 * then the previous template is applied again (resources caught mid-update are re-applied even
 * if their stored properties look unchanged), then what the failed update added is removed.
 * `skip` (ResourcesToSkip) are left as they are.
 */
export async function runContinueRollback(
  deps: EngineDeps,
  stack: StackRecord,
  skip: string[],
): Promise<void> {
  const target = stack.rollbackTo as PreviousStack;
  const op = new OperationContext(deps, stack, await deps.store.getResources(stack.stackId));
  await op.stackStatus("UPDATE_ROLLBACK_IN_PROGRESS", "User Initiated");
  let ok = true;
  const force = new Set<string>();
  for (const state of Object.values(op.state.resources)) {
    if (skip.includes(state.logicalId)) {
      const { previousCopy: _kept, ...rest } = state;
      await op.setResource({ ...rest, status: "UPDATE_COMPLETE" });
      continue;
    }
    if (state.previousCopy) {
      const { previousCopy: old, ...copy } = state;
      ok = (await deleteOne(op, copy, false, { keepRecord: true })) && ok;
      await op.setResource({ ...old, status: "UPDATE_COMPLETE" });
    } else if (state.status === "UPDATE_FAILED" || state.status === "UPDATE_IN_PROGRESS")
      force.add(state.logicalId);
  }
  Object.assign(stack, target.inputs, { outputs: target.outputs, imports: target.imports });
  const exports = await deps.store.exports();
  try {
    if (!ok) throw new Error("The following resource(s) failed to delete during rollback.");
    const { outputs, imports } = await applyResources(
      op,
      stack,
      newJournal(),
      (name) => exports.find((e) => e.name === name)?.value,
      { force, skip: new Set(skip) },
    );
    await publishExports(deps, stack, outputs, exports);
    stack.outputs = outputs;
    stack.imports = imports;
  } catch (error) {
    await op.flush();
    await op.stackStatus("UPDATE_ROLLBACK_FAILED", error instanceof Error ? error.message : String(error));
    return;
  }
  await op.stackStatus("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS");
  await cleanup(op, stack);
  delete stack.rollbackTo;
  await op.stackStatus("UPDATE_ROLLBACK_COMPLETE");
  await op.flush();
}

/**
 * Deletes every resource (dependents first; DeletionPolicy Retain and `retain` keep theirs),
 * then the stack's exports. An export another stack imports stops the delete (DELETE_FAILED).
 */
export async function runDelete(
  deps: EngineDeps,
  stack: StackRecord,
  retain: string[],
  existing?: OperationContext,
): Promise<void> {
  const op = existing ?? new OperationContext(deps, stack, await deps.store.getResources(stack.stackId));
  await op.stackStatus("DELETE_IN_PROGRESS", "User Initiated");
  const importers = await importersOf(deps, stack.stackId);
  const mine = (await deps.store.exports()).filter((e) => e.stackId === stack.stackId);
  const inUse = mine.find((e) => importers.has(e.name));
  if (inUse) {
    await op.stackStatus(
      "DELETE_FAILED",
      `Export ${inUse.name} cannot be deleted as it is in use by ${(importers.get(inUse.name) ?? []).join(", ")}`,
    );
    return;
  }
  const states = Object.values(op.state.resources).filter(
    (s) => s.status !== "DELETE_COMPLETE" || s.physicalId,
  );
  const live = states.filter((s) => s.status !== "DELETE_COMPLETE");
  let ok = true;
  for (const logicalId of deletionOrder(live)) {
    const state = op.state.resources[logicalId] as ResourceState;
    const keep = state.deletionPolicy === "Retain" || retain.includes(logicalId);
    ok = (await deleteOne(op, state, keep)) && ok;
  }
  await op.flush();
  if (!ok) {
    const failedIds = Object.values(op.state.resources)
      .filter((s) => s.status === "DELETE_FAILED")
      .map((s) => s.logicalId);
    await op.stackStatus(
      "DELETE_FAILED",
      `The following resource(s) failed to delete: [${failedIds.join(", ")}]. `,
    );
    return;
  }
  op.state.resources = {};
  await op.save();
  await deps.store.replaceExports(stack.stackId, []);
  stack.deletedAt = deps.clock.now();
  await op.stackStatus("DELETE_COMPLETE");
  await op.flush();
}

/** True when two stacks' deploy inputs would give the same stack (no change set needed). */
export function sameInputs(a: StackInputs, b: StackInputs): boolean {
  return (
    isDeepStrictEqual(a.processed.Outputs ?? {}, b.processed.Outputs ?? {}) &&
    isDeepStrictEqual(a.parameters, b.parameters) &&
    isDeepStrictEqual(a.tags, b.tags)
  );
}
