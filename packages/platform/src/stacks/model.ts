import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { AwsCalls } from "./aws-calls.js";

/**
 * The shared shapes of the stacks area (CloudFormation and SAM deploys, docs/stacks.md).
 *
 *   template/   parse YAML/JSON (short-form tags become their `Fn::` long forms), evaluate
 *               intrinsics, parameters, conditions, outputs, dependency order   (pure)
 *   sam/        the AWS::Serverless-2016-10-31 transform: SAM template -> plain CloudFormation
 *               template, intrinsics left unevaluated                            (pure)
 *   providers/  one ResourceProvider per resource type; each applies resolved properties
 *               through the services' own API operations (AwsCalls, in-process)
 *   engine/     stacks, change sets, plans, apply in dependency order, rollback, events
 *   cfn-api.ts  the CloudFormation API (awsQuery)
 *   deployments/ gradual deployments (SAM DeploymentPreference) on the injected clock
 */

/** A JSON value as templates hold it (after parsing, intrinsics are `{ "Fn::X": ... }` / `{ Ref }`). */
export type TemplateValue =
  | null
  | boolean
  | number
  | string
  | TemplateValue[]
  | { [key: string]: TemplateValue };
export type TemplateObject = { [key: string]: TemplateValue };

export interface ResourceDefinition {
  Type: string;
  Properties?: TemplateObject;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: TemplateObject;
  UpdatePolicy?: TemplateObject;
  /** Any other key is kept so the planner can report it unsupported. */
  [key: string]: TemplateValue | undefined;
}

export interface ParameterDefinition {
  Type: string;
  Default?: TemplateValue;
  AllowedValues?: TemplateValue[];
  AllowedPattern?: string;
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
  NoEcho?: boolean | string;
  Description?: string;
  ConstraintDescription?: string;
}

export interface OutputDefinition {
  Value: TemplateValue;
  Description?: string;
  Condition?: string;
  Export?: { Name: TemplateValue };
}

/** A parsed template (CloudFormation, or SAM before the transform). */
export interface Template {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Transform?: string | string[];
  Globals?: TemplateObject;
  Parameters?: Record<string, ParameterDefinition>;
  Mappings?: Record<string, Record<string, Record<string, TemplateValue>>>;
  Conditions?: Record<string, TemplateValue>;
  Resources: Record<string, ResourceDefinition>;
  Outputs?: Record<string, OutputDefinition>;
  Metadata?: TemplateObject;
}

/** Properties as a provider receives them: every intrinsic already resolved to plain JSON. */
export type ResolvedProperties = Record<string, unknown>;

export interface ProviderContext {
  readonly stackName: string;
  readonly stackId: string;
  readonly region: string;
  readonly accountId: string;
  /** In-process calls of the services' own API operations. */
  readonly api: AwsCalls;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * A name for a resource whose template gives none, as CloudFormation makes them:
   * `<stack>-<logicalId>-<RANDOM>` cut to `maxLength` (default 64), stable per logical id
   * within one stack deploy.
   */
  physicalName(
    logicalId: string,
    options?: { maxLength?: number; lowerCase?: boolean; suffix?: string },
  ): string;
  /** Progress lines shown as stack events' status reasons (optional detail). */
  note(logicalId: string, message: string): void;
  /** Gradual alias updates (UpdatePolicy.CodeDeployLambdaAliasUpdate), when wired. */
  readonly gradual?: GradualDeployments | undefined;
}

/**
 * Traffic shifting of an alias to a new version under a CodeDeploy deployment group's
 * configuration (stacks/deployments/). The AWS::Lambda::Alias provider calls it on an update
 * whose FunctionVersion changes while the resource has UpdatePolicy.CodeDeployLambdaAliasUpdate.
 */
export interface GradualDeployments {
  /**
   * Runs the deployment: hooks, weight steps on the clock, alarm checks. Resolves once all
   * traffic is on `toVersion`; rejects (after putting all traffic back on `fromVersion`) when a
   * hook fails or an alarm fires, with a message saying which.
   */
  shiftAlias(
    ctx: ProviderContext,
    input: {
      logicalId: string;
      functionName: string;
      aliasName: string;
      fromVersion: string;
      toVersion: string;
      /** The resolved `CodeDeployLambdaAliasUpdate` object (ApplicationName, DeploymentGroupName, hooks). */
      policy: Record<string, unknown>;
    },
  ): Promise<void>;
}

/** Per-resource extras the engine passes to create/update. */
export interface ApplyOptions {
  /** The resource's resolved UpdatePolicy attribute, when the template sets one. */
  updatePolicy?: Record<string, unknown> | undefined;
}

export interface ProvisionResult {
  /** PhysicalResourceId; also what `Ref` returns unless `ref` is given. */
  physicalId: string;
  /** What `Ref` returns when it is not the physical id (rare). */
  ref?: string;
  /** `Fn::GetAtt` values by attribute name (`Arn`, `QueueUrl`, ...). */
  attributes: Record<string, unknown>;
}

/**
 * Applies one resource type. Properties are checked against `properties` by the planner before
 * anything runs: a property not listed is reported as unsupported (an error under `--strict`,
 * and never silently dropped: the plan names it).
 */
export interface ResourceProvider {
  readonly type: string;
  /** Top-level property names this provider applies. */
  readonly properties: readonly string[];
  /** Properties that must be present. */
  readonly required?: readonly string[];
  /** Properties whose change replaces the resource (create new, then delete old). */
  readonly replaceOn?: readonly string[];
  /** True for types that are recorded but have no effect (IAM): the deploy report says so. */
  readonly recordedOnly?: boolean;
  /**
   * Why a resource with these properties (as the template writes them, unresolved) is not
   * created, or undefined. The plan then treats it as a resource of an unsupported type: listed
   * as not applied, not created, and a reference to it is an error (e.g. an SNS email
   * subscription: Nimbus sends no email).
   */
  notCreated?(properties: Readonly<Record<string, TemplateValue>>): string | undefined;
  /**
   * Parts of these properties (as the template writes them, unresolved) the provider leaves out,
   * one line each; the plan lists them as not applied (strict mode refuses them). E.g. an SNS
   * topic's inline email subscription.
   */
  notApplied?(properties: Readonly<Record<string, TemplateValue>>): string[];
  create(
    ctx: ProviderContext,
    logicalId: string,
    properties: ResolvedProperties,
    options?: ApplyOptions,
  ): Promise<ProvisionResult>;
  update(
    ctx: ProviderContext,
    logicalId: string,
    current: { physicalId: string; properties: ResolvedProperties; attributes: Record<string, unknown> },
    properties: ResolvedProperties,
    options?: ApplyOptions,
  ): Promise<ProvisionResult>;
  /** Deleting something already gone is not an error. */
  delete(
    ctx: ProviderContext,
    logicalId: string,
    current: { physicalId: string; properties: ResolvedProperties; attributes: Record<string, unknown> },
  ): Promise<void>;
}

export type ProviderRegistry = ReadonlyMap<string, ResourceProvider>;

/** Error codes of the stacks area (listed in docs/errors.md). */
export const STACK_ERRORS = {
  templateInvalid: "ERR_STACK_TEMPLATE_INVALID",
  providerFailed: "ERR_STACK_RESOURCE_FAILED",
} as const;
