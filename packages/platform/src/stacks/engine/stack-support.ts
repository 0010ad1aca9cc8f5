import { stackError } from "../errors.js";
import type { OnFailure, PreviousStack } from "./operations.js";
import { sameInputs } from "./operations.js";
import type { Plan } from "./plan.js";
import type { StackInputs, StackRecord, Tag } from "./records.js";
import type { StackStore } from "./stack-store.js";

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
  /** Request parameters given that Nimbus does not apply (listed as not applied). */
  ignoredParameters?: string[] | undefined;
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

export const UPDATABLE = new Set([
  "CREATE_COMPLETE",
  "UPDATE_COMPLETE",
  "UPDATE_ROLLBACK_COMPLETE",
  "CREATE_FAILED",
  "UPDATE_FAILED",
  "IMPORT_COMPLETE",
  "IMPORT_ROLLBACK_COMPLETE",
]);

export const NO_CHANGES =
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

/** Stacks a restart interrupted become failed (never *_IN_PROGRESS forever). */
export async function recoverInterrupted(store: StackStore): Promise<void> {
  for (const stack of await store.allStacks())
    if (AFTER_RESTART[stack.status] !== undefined)
      await failInterrupted(store, stack, "Nimbus restarted during the operation");
}

/**
 * Marks a stack whose operation stopped without finishing (a restart, or an operation that
 * crashed) as failed: the stack's in-progress status and its resources' become the failed ones.
 */
export async function failInterrupted(store: StackStore, stack: StackRecord, reason: string): Promise<void> {
  const next = AFTER_RESTART[stack.status];
  if (next === undefined) return;
  const resources = await store.getResources(stack.stackId);
  for (const state of Object.values(resources.resources))
    if (state.status.endsWith("_IN_PROGRESS")) {
      state.status = state.status.replace("_IN_PROGRESS", "_FAILED");
      state.statusReason = reason;
    }
  await store.putResources(stack.stackId, resources);
  stack.status = next;
  stack.statusReason =
    next === "UPDATE_COMPLETE" ? `${reason}: replaced or removed resources may remain` : reason;
  delete stack.currentToken;
  if (next === "UPDATE_COMPLETE") delete stack.rollbackTo; // old copies go at the next cleanup
  await store.putStack(stack);
  await store.addEvent({
    StackId: stack.stackId,
    StackName: stack.stackName,
    LogicalResourceId: stack.stackName,
    PhysicalResourceId: stack.stackId,
    ResourceType: "AWS::CloudFormation::Stack",
    ResourceStatus: next,
    ResourceStatusReason: stack.statusReason,
  });
  for (const changeSet of await store.changeSetsOf(stack.stackId))
    if (changeSet.executionStatus === "EXECUTE_IN_PROGRESS")
      await store.putChangeSet({ ...changeSet, executionStatus: "EXECUTE_FAILED" });
}

export function previousOf(stack: StackRecord): PreviousStack {
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
export function unchanged(plan: Plan, stack: StackRecord): boolean {
  const settled =
    (stack.status.endsWith("_COMPLETE") && !stack.status.includes("ROLLBACK_COMPLETE")) ||
    stack.status === "UPDATE_ROLLBACK_COMPLETE";
  return settled && plan.changes.length === 0 && sameInputs(plan.inputs, stack);
}

export function onFailureOf(request: DeployRequest): OnFailure {
  if (request.disableRollback) return "DO_NOTHING";
  return request.onFailure ?? "ROLLBACK";
}

export function validateStackName(name: string): void {
  if (!/^[a-zA-Z][-a-zA-Z0-9]*$/.test(name) || name.length > 128)
    throw stackError.validation(
      `1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
    );
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
