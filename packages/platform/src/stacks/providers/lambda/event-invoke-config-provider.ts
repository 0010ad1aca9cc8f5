import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../../model.js";
import { functionPath, ignoreGone, int, invalid, obj, requiredStr } from "./provider-support.js";

const TYPE = "AWS::Lambda::EventInvokeConfig";

/**
 * AWS::Lambda::EventInvokeConfig: PutFunctionEventInvokeConfig (which replaces the whole
 * configuration, so a removed property goes back to its default) and
 * DeleteFunctionEventInvokeConfig. Physical id `<function>:<qualifier>`.
 */
export const eventInvokeConfigProvider: ResourceProvider = {
  type: TYPE,
  properties: [
    "FunctionName",
    "Qualifier",
    "MaximumEventAgeInSeconds",
    "MaximumRetryAttempts",
    "DestinationConfig",
  ],
  required: ["FunctionName", "Qualifier"],
  replaceOn: ["FunctionName", "Qualifier"],

  async create(ctx, _logicalId, props) {
    return put(ctx, props);
  },

  async update(ctx, _logicalId, _current, props) {
    return put(ctx, props);
  },

  async delete(ctx, _logicalId, current) {
    const functionName = requiredStr(current.properties, "FunctionName", TYPE);
    const qualifier = requiredStr(current.properties, "Qualifier", TYPE);
    await ignoreGone(() => ctx.api.rest("lambda", "DELETE", configPath(functionName, qualifier)));
  },
};

async function put(ctx: ProviderContext, props: ResolvedProperties) {
  const functionName = requiredStr(props, "FunctionName", TYPE);
  const qualifier = requiredStr(props, "Qualifier", TYPE);
  const age = int(props, "MaximumEventAgeInSeconds", TYPE);
  const retries = int(props, "MaximumRetryAttempts", TYPE);
  const destinations = obj(props, "DestinationConfig", TYPE);
  const destinationConfig: Record<string, unknown> = {};
  for (const member of ["OnSuccess", "OnFailure"]) {
    const value = destinations?.[member];
    if (value === undefined || value === null) continue;
    const destination = (value as { Destination?: unknown }).Destination;
    if (typeof destination !== "string") {
      throw invalid(TYPE, `DestinationConfig.${member}.Destination`, "must be a string");
    }
    destinationConfig[member] = { Destination: destination };
  }
  await ctx.api.rest("lambda", "PUT", configPath(functionName, qualifier), {
    ...(age === undefined ? {} : { MaximumEventAgeInSeconds: age }),
    ...(retries === undefined ? {} : { MaximumRetryAttempts: retries }),
    DestinationConfig: destinationConfig,
  });
  return { physicalId: `${functionName}:${qualifier}`, attributes: {} };
}

function configPath(functionName: string, qualifier: string): string {
  return functionPath(
    functionName,
    "/event-invoke-config",
    { Qualifier: qualifier },
    "/2019-09-25/functions",
  );
}
