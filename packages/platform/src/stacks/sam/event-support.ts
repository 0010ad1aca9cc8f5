import type { TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { SamResourceError } from "./errors.js";
import type { EventTarget } from "./types.js";

/** Helpers shared by the event source expansions. */

export function required(p: TemplateObject, name: string, eventId: string): TemplateValue {
  const value = p[name];
  if (value === undefined || value === null) {
    throw new SamResourceError(eventId, `Missing required property '${name}'.`);
  }
  return value;
}

export function copy(
  from: TemplateObject,
  to: TemplateObject,
  names: readonly string[],
  rename: Record<string, string> = {},
): void {
  for (const name of names)
    if (from[name] !== undefined) to[rename[name] ?? name] = from[name] as TemplateValue;
}

/** `<Fn><Event>Permission`: lets a service principal invoke the function. */
export function addPermission(
  build: SamBuild,
  target: EventTarget,
  logicalId: string,
  principal: string,
  source: { sourceArn?: TemplateValue; sourceAccount?: TemplateValue },
): void {
  const properties: TemplateObject = {
    Action: "lambda:InvokeFunction",
    FunctionName: target.name,
    Principal: principal,
  };
  if (source.sourceArn !== undefined) properties.SourceArn = source.sourceArn;
  if (source.sourceAccount !== undefined) properties.SourceAccount = source.sourceAccount;
  build.add(
    logicalId,
    { Type: "AWS::Lambda::Permission", Properties: properties, ...target.attributes },
    target.logicalId,
  );
}
