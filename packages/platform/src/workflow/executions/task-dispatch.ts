import { type EngineEvent, parseResource, type RunTaskCommand } from "../engine/index.js";
import { NESTED_RESOURCES, type NestedExecutions, runNestedTask } from "./nested-execution.js";
import { isServiceResource, runServiceTask, type ServiceIntegrationPorts } from "./service-integrations.js";
import {
  type FunctionInvoker,
  LAMBDA_INVOKE,
  LAMBDA_INVOKE_CALLBACK,
  runLambdaTask,
} from "./task-invocation.js";

/** Where a task reports an intermediate event (TaskSubmitted of a `.sync` task) before its end. */
export type SubmitEvent = (event: EngineEvent) => Promise<unknown>;

/**
 * One kind of Task resource Nimbus runs. `run` answers the engine event that settles the task,
 * or `taskSubmitted` for callback tasks (which then wait for SendTaskSuccess / Failure).
 */
export interface TaskIntegration {
  /** Shown in the UNSUPPORTED_FEATURE diagnostic that lists what can run. */
  label: string;
  handles(resource: string): boolean;
  run(
    command: RunTaskCommand,
    executionArn: string,
    onSubmitted: SubmitEvent,
  ): Promise<EngineEvent | undefined>;
}

export interface TaskDispatchDeps {
  invoker: FunctionInvoker;
  /** The execution service, bound late (it is built after the runners that use this dispatcher). */
  nested: () => NestedExecutions;
  /** Queues, topics and buses (server.ts); without them those tasks fail with States.Runtime. */
  services?: ServiceIntegrationPorts;
}

/** The registry of task integrations: add a service by adding one entry here. */
export function taskIntegrations(deps: TaskDispatchDeps): TaskIntegration[] {
  return [
    {
      label: "Lambda functions and arn:aws:states:::lambda:invoke[.waitForTaskToken]",
      handles: isLambdaResource,
      run: (command) => runLambdaTask(deps.invoker, command),
    },
    {
      label: "arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]",
      handles: (resource) => (NESTED_RESOURCES as readonly string[]).includes(resource),
      run: (command, executionArn, onSubmitted) =>
        runNestedTask(deps.nested(), command, executionArn, onSubmitted),
    },
    {
      label: SERVICE_RESOURCES_TEXT,
      handles: isServiceResource,
      run: (command) => runServiceTask(deps.services, command),
    },
  ];
}

/** Runs task commands through the integration that handles their resource. */
export class TaskDispatcher {
  private readonly integrations: TaskIntegration[];

  constructor(deps: TaskDispatchDeps) {
    this.integrations = taskIntegrations(deps);
  }

  run(
    command: RunTaskCommand,
    executionArn: string,
    onSubmitted: SubmitEvent,
  ): Promise<EngineEvent | undefined> {
    const integration = this.integrations.find((i) => i.handles(command.resource));
    if (!integration)
      return Promise.resolve({
        kind: "taskFailed",
        id: command.id,
        error: "States.Runtime",
        cause: `The resource '${command.resource}' is not supported by Nimbus`,
      });
    return integration.run(command, executionArn, onSubmitted);
  }
}

function isLambdaResource(resource: string): boolean {
  if (resource === LAMBDA_INVOKE || resource === LAMBDA_INVOKE_CALLBACK) return true;
  return parseResource(resource)?.kind === "lambda";
}

/** Whether a Task `Resource` is one this version runs (checked when a definition is stored). */
export function isSupportedResource(resource: string): boolean {
  return (
    isLambdaResource(resource) ||
    (NESTED_RESOURCES as readonly string[]).includes(resource) ||
    isServiceResource(resource)
  );
}

const SERVICE_RESOURCES_TEXT =
  "arn:aws:states:::sqs:sendMessage, arn:aws:states:::sns:publish, arn:aws:states:::events:putEvents (each [.waitForTaskToken])";

/** What the UNSUPPORTED_FEATURE diagnostic says can run. */
export const SUPPORTED_RESOURCES_TEXT = `Lambda functions, arn:aws:states:::lambda:invoke[.waitForTaskToken], arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken], ${SERVICE_RESOURCES_TEXT}`;
