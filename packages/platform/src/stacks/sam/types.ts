import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";

export interface SamContext {
  region: string;
  accountId: string;
  stackName: string;
  /** Resolved parameter values (Ref to a parameter in the few places SAM needs a literal, e.g. AutoPublishAlias, StageName, CodeUri). */
  parameters: Record<string, string | string[]>;
}

/** A SAM resource, property or event Nimbus does not expand; the plan lists each one. */
export interface Unsupported {
  logicalId: string;
  type: string;
  property?: string;
  reason: string;
}

/** One `Api` event (function or state machine) to put into a REST API's Swagger body. */
export interface RestApiEvent {
  /** `<Fn><Event>` */
  eventId: string;
  path: string;
  method: string;
  auth?: TemplateObject;
  requestParameters?: TemplateValue[];
  /** The x-amazon-apigateway-integration object for the method. */
  integration: TemplateObject;
  /** The function's or state machine's Condition (SAM: the method is wrapped in Fn::If). */
  condition?: string;
}

/** One `HttpApi` event to put into an HTTP API's OpenAPI body. */
export interface HttpApiEvent {
  eventId: string;
  /** `$default` when the event names no path. */
  path: string;
  /** `x-amazon-apigateway-any-method` for ANY / no method. */
  method: string;
  auth?: TemplateObject;
  integration: TemplateObject;
  /** The function's Condition (SAM: the method is wrapped in Fn::If). */
  condition?: string;
  /** The event's RouteSettings, merged into the stage's RouteSettings under its route key. */
  routeSettings?: TemplateObject;
}

/** What an event source points at: a function (or its alias) or a state machine. */
export interface EventTarget {
  kind: "function" | "stateMachine";
  /** The SAM resource's logical id. */
  logicalId: string;
  /** ARN to invoke: `!GetAtt Fn.Arn`, `!Ref FnAliaslive` or `!Ref StateMachine`. */
  arn: TemplateValue;
  /** FunctionName for permissions / mappings: `!Ref Fn` or `!Ref FnAliaslive`. */
  name: TemplateValue;
  /** Condition / DeletionPolicy / UpdateReplacePolicy copied to generated resources. */
  attributes: Partial<ResourceDefinition>;
  /** Adds a managed policy ARN to the generated execution role (no-op with a user Role). */
  addManagedPolicy(arn: TemplateValue): void;
  /** Adds an inline statement to the generated execution role (no-op with a user Role). */
  addStatement(statement: TemplateObject): void;
}
