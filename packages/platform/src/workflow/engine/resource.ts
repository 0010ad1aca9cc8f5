/**
 * What a Task `Resource` ARN names, which decides the history events it produces:
 * - `arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]`: legacy Lambda form, `LambdaFunction*` events;
 * - `arn:aws:states:<region>:<account>:activity:<name>`: an activity, `Activity*` events;
 * - `arn:aws:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken]`: a service integration,
 *   `Task*` events with `resourceType` = service (`aws-sdk:s3` for SDK integrations) and `resource` = action.
 */
export type TaskPattern = "requestResponse" | "sync" | "sync2" | "waitForTaskToken";

export type TaskResource =
  | { kind: "lambda"; arn: string }
  | { kind: "activity"; arn: string }
  | { kind: "service"; arn: string; resourceType: string; resource: string; pattern: TaskPattern };

const LAMBDA = /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/;
const ACTIVITY = /^arn:[\w-]+:states:[\w-]+:\d{12}:activity:.+$/;
const SERVICE = /^arn:[\w-]+:states:[\w-]*:\d{0,12}:(.+)$/;

/** Classifies a Task resource ARN; undefined when it is not one Step Functions accepts. */
export function parseResource(arn: string): TaskResource | undefined {
  if (LAMBDA.test(arn)) return { kind: "lambda", arn };
  if (ACTIVITY.test(arn)) return { kind: "activity", arn };
  const service = SERVICE.exec(arn);
  if (!service?.[1]) return undefined;
  const parts = service[1].split(":");
  const sdk = parts[0] === "aws-sdk";
  const typeParts = sdk ? parts.slice(0, 2) : parts.slice(0, 1);
  const action = parts.slice(typeParts.length).join(":");
  if (typeParts.some((p) => p === "") || action === "") return undefined;
  let pattern: TaskPattern = "requestResponse";
  if (action.endsWith(".waitForTaskToken")) pattern = "waitForTaskToken";
  else if (action.endsWith(".sync:2")) pattern = "sync2";
  else if (action.endsWith(".sync")) pattern = "sync";
  return { kind: "service", arn, resourceType: typeParts.join(":"), resource: action, pattern };
}

/** Whether `$$.Task.Token` exists for this resource (callbacks and activities). */
export function hasTaskToken(resource: TaskResource): boolean {
  return (
    resource.kind === "activity" || (resource.kind === "service" && resource.pattern === "waitForTaskToken")
  );
}

/** The region part of an ARN, or undefined. */
export function regionOf(arn: string): string | undefined {
  const region = arn.split(":")[3];
  return region === undefined || region === "" ? undefined : region;
}
