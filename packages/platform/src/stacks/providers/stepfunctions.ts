import { parse as parseYaml } from "yaml";
import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../model.js";
import {
  ignoreGone,
  invalidProperty,
  object,
  sameValue,
  scalar,
  tagChanges,
  tagMap,
} from "./service-props.js";

const MACHINE = "AWS::StepFunctions::StateMachine";
const VERSION = "AWS::StepFunctions::StateMachineVersion";
const ALIAS = "AWS::StepFunctions::StateMachineAlias";
const GONE = ["StateMachineDoesNotExist", "ResourceNotFound"];

/**
 * CloudFormation's DefinitionSubstitutions: each `${Key}` in the definition text is replaced by
 * the value's text, repeatedly (a value may hold another placeholder), as CloudFormation's
 * handler does (StringUtils.replaceEachRepeatedly). Placeholders without a substitution stay.
 */
export function substitute(definition: string, substitutions: Record<string, unknown> | undefined): string {
  if (!substitutions) return definition;
  const keys = Object.keys(substitutions);
  let text = definition;
  for (let pass = 0; pass <= keys.length; pass++) {
    const next = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
      const value = substitutions[key];
      if (value === undefined || value === null) return whole;
      return typeof value === "object" ? JSON.stringify(value) : String(value);
    });
    if (next === text) return text;
    text = next;
  }
  throw invalidProperty(MACHINE, "DefinitionSubstitutions", "refer to each other in a cycle");
}

/** `{ Level, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn } }] }` -> the API's camelCase. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value))
    out[key.charAt(0).toLowerCase() + key.slice(1)] = camelKeys(v);
  return out;
}

/** The definition text: Definition (object), DefinitionString, or the file DefinitionS3Location names. */
async function definitionOf(ctx: ProviderContext, props: ResolvedProperties): Promise<string> {
  const given = ["Definition", "DefinitionString", "DefinitionS3Location"].filter(
    (p) => props[p] !== undefined,
  );
  if (given.length !== 1)
    throw invalidProperty(
      MACHINE,
      "Definition",
      "exactly one of Definition, DefinitionString or DefinitionS3Location is required",
    );
  let text: string;
  if (props.Definition !== undefined) {
    // A Json property: an object in the template, or (from a parameter or Fn::Sub) its text.
    text =
      typeof props.Definition === "string"
        ? props.Definition
        : JSON.stringify(object(props, "Definition", MACHINE));
  } else if (props.DefinitionString !== undefined) {
    text = scalar(props, "DefinitionString", MACHINE) ?? "";
  } else {
    const location = object(props, "DefinitionS3Location", MACHINE) ?? {};
    const { Bucket: bucket, Key: key, Version: version } = location;
    if (typeof bucket !== "string" || typeof key !== "string")
      throw invalidProperty(MACHINE, "DefinitionS3Location", "needs Bucket and Key");
    const path = `/${encodeURIComponent(bucket)}/${key.split("/").map(encodeURIComponent).join("/")}`;
    // A Version other than "null" is refused by Nimbus's S3 (no versioning), never ignored.
    const query = version === undefined ? "" : `?versionId=${encodeURIComponent(String(version))}`;
    const body = (await ctx.api.s3("GET", `${path}${query}`)).body.toString("utf8");
    // Substituted before it is read as JSON or YAML, as CloudFormation does: a placeholder may
    // stand for a number or a whole value, not only inside a string.
    text = asJson(substitute(body, object(props, "DefinitionSubstitutions", MACHINE)));
  }
  return substitute(text, object(props, "DefinitionSubstitutions", MACHINE));
}

/** The S3 file may be JSON or YAML (CloudFormation takes both); the API wants JSON. */
function asJson(text: string): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    try {
      return JSON.stringify(parseYaml(text));
    } catch (error) {
      throw invalidProperty(
        MACHINE,
        "DefinitionS3Location",
        `is neither JSON nor YAML: ${(error as Error).message}`,
      );
    }
  }
}

function configs(
  ctx: ProviderContext,
  logicalId: string,
  props: ResolvedProperties,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const logging = object(props, "LoggingConfiguration", MACHINE);
  if (logging) {
    const l = camelKeys(logging) as Record<string, unknown>;
    // Booleans may come from parameters as text; the API wants booleans.
    if (typeof l.includeExecutionData === "string")
      l.includeExecutionData = l.includeExecutionData === "true";
    out.loggingConfiguration = l;
  }
  const tracing = object(props, "TracingConfiguration", MACHINE);
  if (tracing) {
    out.tracingConfiguration = { enabled: String(tracing.Enabled) === "true" };
    // Step Functions stores and describes the setting; Nimbus sends no X-Ray traces: say so.
    if (String(tracing.Enabled) === "true")
      ctx.note(logicalId, "TracingConfiguration Enabled is stored; Nimbus sends no X-Ray traces");
  }
  return out;
}

/** CloudFormation's `Tags: [{Key, Value}]` as the API's `tags: [{key, value}]`. */
export function wireTags(tags: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** Untags the keys the template dropped, then tags the new and changed ones. */
async function applyTags(
  ctx: ProviderContext,
  arn: string,
  before: Record<string, string>,
  after: Record<string, string>,
) {
  const { set, remove } = tagChanges(before, after);
  if (remove.length > 0)
    await ctx.api.json("AWSStepFunctions.UntagResource", { resourceArn: arn, tagKeys: remove });
  if (Object.keys(set).length > 0)
    await ctx.api.json("AWSStepFunctions.TagResource", { resourceArn: arn, tags: wireTags(set) });
}

async function machineResult(ctx: ProviderContext, arn: string) {
  const d = await ctx.api.json<{ name: string; revisionId?: string }>(
    "AWSStepFunctions.DescribeStateMachine",
    {
      stateMachineArn: arn,
    },
  );
  return { physicalId: arn, attributes: { Arn: arn, Name: d.name, StateMachineRevisionId: d.revisionId } };
}

const machineProvider: ResourceProvider = {
  type: MACHINE,
  properties: [
    "StateMachineName",
    "StateMachineType",
    "Definition",
    "DefinitionString",
    "DefinitionS3Location",
    "DefinitionSubstitutions",
    "RoleArn",
    "LoggingConfiguration",
    "TracingConfiguration",
    "Tags",
  ],
  required: ["RoleArn"],
  replaceOn: ["StateMachineName", "StateMachineType"],
  async create(ctx, logicalId, props) {
    const name = scalar(props, "StateMachineName", MACHINE) ?? ctx.physicalName(logicalId, { maxLength: 80 });
    const type = scalar(props, "StateMachineType", MACHINE);
    const tags = tagMap(props, MACHINE);
    const out = await ctx.api.json<{ stateMachineArn: string }>("AWSStepFunctions.CreateStateMachine", {
      name,
      definition: await definitionOf(ctx, props),
      roleArn: scalar(props, "RoleArn", MACHINE),
      ...(type !== undefined && { type }),
      ...configs(ctx, logicalId, props),
      ...(Object.keys(tags).length > 0 && { tags: wireTags(tags) }),
    });
    return machineResult(ctx, out.stateMachineArn);
  },
  async update(ctx, logicalId, current, props) {
    const arn = current.physicalId;
    await applyTags(ctx, arn, tagMap(current.properties, MACHINE), tagMap(props, MACHINE));
    // A change of Tags alone is no new revision (a version taking StateMachineRevisionId is not
    // republished). A definition read from S3 is read again: the object may have changed.
    const settings = new Set([...Object.keys(current.properties), ...Object.keys(props)]);
    settings.delete("Tags");
    if (
      props.DefinitionS3Location === undefined &&
      [...settings].every((name) => sameValue(current.properties, props, name))
    )
      return machineResult(ctx, arn);
    const changes = configs(ctx, logicalId, props);
    // Settings the template dropped go back to Step Functions' defaults.
    if (changes.loggingConfiguration === undefined && current.properties.LoggingConfiguration !== undefined)
      changes.loggingConfiguration = { level: "OFF", includeExecutionData: false };
    if (changes.tracingConfiguration === undefined && current.properties.TracingConfiguration !== undefined)
      changes.tracingConfiguration = { enabled: false };
    await ctx.api.json("AWSStepFunctions.UpdateStateMachine", {
      stateMachineArn: arn,
      definition: await definitionOf(ctx, props),
      roleArn: scalar(props, "RoleArn", MACHINE),
      ...changes,
    });
    return machineResult(ctx, arn);
  },
  async delete(ctx, _logicalId, current) {
    await ignoreGone(GONE, () =>
      ctx.api.json("AWSStepFunctions.DeleteStateMachine", { stateMachineArn: current.physicalId }),
    );
  },
};

const versionProvider: ResourceProvider = {
  type: VERSION,
  properties: ["StateMachineArn", "StateMachineRevisionId", "Description"],
  required: ["StateMachineArn"],
  // Every property publishes a different version (CloudFormation: Update requires Replacement).
  replaceOn: ["StateMachineArn", "StateMachineRevisionId", "Description"],
  async create(ctx, _logicalId, props) {
    const revisionId = scalar(props, "StateMachineRevisionId", VERSION);
    const description = scalar(props, "Description", VERSION);
    const out = await ctx.api.json<{ stateMachineVersionArn: string }>(
      "AWSStepFunctions.PublishStateMachineVersion",
      {
        stateMachineArn: scalar(props, "StateMachineArn", VERSION),
        ...(revisionId !== undefined && { revisionId }),
        ...(description !== undefined && { description }),
      },
    );
    return { physicalId: out.stateMachineVersionArn, attributes: { Arn: out.stateMachineVersionArn } };
  },
  async update(_ctx, _logicalId, current) {
    return { physicalId: current.physicalId, attributes: { Arn: current.physicalId } };
  },
  async delete(ctx, _logicalId, current) {
    await ignoreGone(GONE, () =>
      ctx.api.json("AWSStepFunctions.DeleteStateMachineVersion", {
        stateMachineVersionArn: current.physicalId,
      }),
    );
  },
};

function routing(props: ResolvedProperties): { stateMachineVersionArn: unknown; weight: number }[] {
  const value = props.RoutingConfiguration;
  if (!Array.isArray(value)) throw invalidProperty(ALIAS, "RoutingConfiguration", "must be a list");
  return value.map((entry: { StateMachineVersionArn?: unknown; Weight?: unknown } | null) => ({
    stateMachineVersionArn: entry?.StateMachineVersionArn,
    weight: Number(entry?.Weight),
  }));
}

const aliasProvider: ResourceProvider = {
  type: ALIAS,
  // DeploymentPreference (gradual shifting of a state machine alias) is not applied by Nimbus.
  properties: ["Name", "Description", "RoutingConfiguration"],
  required: ["RoutingConfiguration"],
  replaceOn: ["Name"],
  async create(ctx, logicalId, props) {
    const name = scalar(props, "Name", ALIAS) ?? ctx.physicalName(logicalId, { maxLength: 80 });
    const description = scalar(props, "Description", ALIAS);
    const out = await ctx.api.json<{ stateMachineAliasArn: string }>(
      "AWSStepFunctions.CreateStateMachineAlias",
      {
        name,
        routingConfiguration: routing(props),
        ...(description !== undefined && { description }),
      },
    );
    return { physicalId: out.stateMachineAliasArn, attributes: { Arn: out.stateMachineAliasArn } };
  },
  async update(ctx, _logicalId, current, props) {
    // Step Functions cannot unset a description; a dropped one becomes empty.
    await ctx.api.json("AWSStepFunctions.UpdateStateMachineAlias", {
      stateMachineAliasArn: current.physicalId,
      routingConfiguration: routing(props),
      description: scalar(props, "Description", ALIAS) ?? "",
    });
    return { physicalId: current.physicalId, attributes: { Arn: current.physicalId } };
  },
  async delete(ctx, _logicalId, current) {
    await ignoreGone(GONE, () =>
      ctx.api.json("AWSStepFunctions.DeleteStateMachineAlias", { stateMachineAliasArn: current.physicalId }),
    );
  },
};

/** AWS::StepFunctions::StateMachine, StateMachineVersion and StateMachineAlias. */
export function stepFunctionsProviders(): ResourceProvider[] {
  return [machineProvider, versionProvider, aliasProvider];
}
