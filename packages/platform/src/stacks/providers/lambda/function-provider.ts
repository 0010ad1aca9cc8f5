import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../../model.js";
import { archiveOf } from "./function-code.js";
import {
  changed,
  functionPath,
  ignoreGone,
  int,
  invalid,
  obj,
  requiredStr,
  same,
  stackTags,
  str,
  strList,
  tagMap,
  waitUntilUpdated,
} from "./provider-support.js";

const TYPE = "AWS::Lambda::Function";

/** Properties applied with UpdateFunctionConfiguration, each with the value AWS falls back to. */
const CONFIG_PROPERTIES = [
  "Role",
  "Handler",
  "Runtime",
  "Description",
  "Timeout",
  "MemorySize",
  "Environment",
  "Layers",
  "Architectures",
  "EphemeralStorage",
  "DeadLetterConfig",
  "TracingConfig",
  "LoggingConfig",
] as const;

/**
 * AWS::Lambda::Function through CreateFunction / UpdateFunctionConfiguration /
 * UpdateFunctionCode / PutFunctionConcurrency / TagResource / DeleteFunction.
 *
 * Not listed (so the plan reports them): KmsKeyArn, VpcConfig, FileSystemConfigs, ImageConfig,
 * CodeSigningConfigArn (the Lambda API refuses them), SnapStart and RuntimeManagementConfig
 * (not applied by Nimbus's Lambda API).
 */
export const functionProvider: ResourceProvider = {
  type: TYPE,
  properties: [
    "Code",
    "FunctionName",
    "PackageType",
    ...CONFIG_PROPERTIES,
    "ReservedConcurrentExecutions",
    "Tags",
  ],
  required: ["Code", "Role"],
  replaceOn: ["FunctionName", "PackageType"],

  async create(ctx, logicalId, props) {
    const name = str(props, "FunctionName", TYPE) ?? ctx.physicalName(logicalId, { maxLength: 64 });
    const runtime = str(props, "Runtime", TYPE);
    const zip = await archiveOf(ctx, TYPE, "Code", obj(props, "Code", TYPE), runtime);
    const packageType = str(props, "PackageType", TYPE);
    await ctx.api.rest("lambda", "POST", "/2015-03-31/functions", {
      FunctionName: name,
      Code: { ZipFile: zip },
      ...(packageType === undefined ? {} : { PackageType: packageType }),
      ...configuration(props, name, false),
      Tags: { ...tagMap(props, TYPE), ...stackTags(ctx, logicalId) },
    });
    const reserved = int(props, "ReservedConcurrentExecutions", TYPE);
    if (reserved !== undefined) await putConcurrency(ctx, name, reserved);
    const config = await waitUntilUpdated(ctx, name);
    return { physicalId: name, attributes: { Arn: config.FunctionArn } };
  },

  async update(ctx, logicalId, current, props) {
    const name = current.physicalId;
    const before = current.properties;
    if (changed(before, props, CONFIG_PROPERTIES)) {
      await ctx.api.rest(
        "lambda",
        "PUT",
        functionPath(name, "/configuration"),
        configuration(props, name, true),
      );
      await waitUntilUpdated(ctx, name);
    }
    // Inline source is packed per runtime (index.js / index.py): a runtime change repacks it.
    const inline = obj(props, "Code", TYPE)?.ZipFile !== undefined;
    if (!same(before.Code, props.Code) || (inline && !same(before.Runtime, props.Runtime))) {
      const zip = await archiveOf(ctx, TYPE, "Code", obj(props, "Code", TYPE), str(props, "Runtime", TYPE));
      await ctx.api.rest("lambda", "PUT", functionPath(name, "/code"), { ZipFile: zip });
      await waitUntilUpdated(ctx, name);
    }
    if (!same(before.ReservedConcurrentExecutions, props.ReservedConcurrentExecutions)) {
      const reserved = int(props, "ReservedConcurrentExecutions", TYPE);
      if (reserved === undefined) {
        await ctx.api.rest(
          "lambda",
          "DELETE",
          functionPath(name, "/concurrency", {}, "/2017-10-31/functions"),
        );
      } else await putConcurrency(ctx, name, reserved);
    }
    const config = await waitUntilUpdated(ctx, name);
    if (!same(before.Tags, props.Tags))
      await retag(ctx, config.FunctionArn, tagMap(before, TYPE), {
        ...tagMap(props, TYPE),
        ...stackTags(ctx, logicalId),
      });
    return { physicalId: name, attributes: { Arn: config.FunctionArn } };
  },

  async delete(ctx, _logicalId, current) {
    await ignoreGone(() => ctx.api.rest("lambda", "DELETE", functionPath(current.physicalId)));
  },
};

/**
 * The configuration members of CreateFunction / UpdateFunctionConfiguration. On update every
 * member is sent, a removed property as AWS's default, so removing it from the template resets
 * it as CloudFormation does.
 */
function configuration(props: ResolvedProperties, name: string, update: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Role: requiredStr(props, "Role", TYPE),
    Handler: str(props, "Handler", TYPE),
    Runtime: str(props, "Runtime", TYPE),
    Description: str(props, "Description", TYPE) ?? (update ? "" : undefined),
    Timeout: int(props, "Timeout", TYPE) ?? (update ? 3 : undefined),
    MemorySize: int(props, "MemorySize", TYPE) ?? (update ? 128 : undefined),
    Environment: environment(props) ?? (update ? { Variables: {} } : undefined),
    Layers: strList(props, "Layers", TYPE) ?? (update ? [] : undefined),
    Architectures: strList(props, "Architectures", TYPE) ?? (update ? ["x86_64"] : undefined),
    EphemeralStorage: ephemeralStorage(props) ?? (update ? { Size: 512 } : undefined),
    DeadLetterConfig: obj(props, "DeadLetterConfig", TYPE) ?? (update ? {} : undefined),
    TracingConfig: obj(props, "TracingConfig", TYPE) ?? (update ? { Mode: "PassThrough" } : undefined),
    LoggingConfig:
      obj(props, "LoggingConfig", TYPE) ??
      (update ? { LogFormat: "Text", LogGroup: `/aws/lambda/${name}` } : undefined),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

function environment(props: ResolvedProperties): Record<string, unknown> | undefined {
  const env = obj(props, "Environment", TYPE);
  if (env === undefined) return undefined;
  const variables = env.Variables ?? {};
  if (typeof variables !== "object" || variables === null || Array.isArray(variables)) {
    throw invalid(TYPE, "Environment.Variables", "must be a map of strings");
  }
  // CloudFormation passes numbers and booleans of a String map as their text.
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables as Record<string, unknown>)) {
    if (value === null || typeof value === "object") {
      throw invalid(TYPE, `Environment.Variables.${key}`, "must be a string");
    }
    out[key] = String(value);
  }
  return { Variables: out };
}

function ephemeralStorage(props: ResolvedProperties): Record<string, unknown> | undefined {
  const storage = obj(props, "EphemeralStorage", TYPE);
  if (storage === undefined) return undefined;
  const size = storage.Size;
  const n = typeof size === "string" ? Number(size) : size;
  if (typeof n !== "number" || !Number.isInteger(n))
    throw invalid(TYPE, "EphemeralStorage.Size", "must be an integer");
  return { Size: n };
}

async function putConcurrency(ctx: ProviderContext, name: string, reserved: number): Promise<void> {
  await ctx.api.rest("lambda", "PUT", functionPath(name, "/concurrency", {}, "/2017-10-31/functions"), {
    ReservedConcurrentExecutions: reserved,
  });
}

/** TagResource / UntagResource so the function's tags become exactly `next`. */
async function retag(
  ctx: ProviderContext,
  arn: string,
  before: Record<string, string>,
  next: Record<string, string>,
): Promise<void> {
  const path = `/2017-03-31/tags/${encodeURIComponent(arn)}`;
  const removed = Object.keys(before).filter((k) => !(k in next));
  if (removed.length > 0) {
    const query = removed.map((k) => `tagKeys=${encodeURIComponent(k)}`).join("&");
    await ctx.api.rest("lambda", "DELETE", `${path}?${query}`);
  }
  await ctx.api.rest("lambda", "POST", path, { Tags: next });
}
