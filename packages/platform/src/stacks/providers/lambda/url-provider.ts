import type { ResolvedProperties, ResourceProvider } from "../../model.js";
import { functionPath, ignoreGone, intValue, invalid, obj, requiredStr, str } from "./provider-support.js";

const TYPE = "AWS::Lambda::Url";

interface UrlConfig {
  FunctionUrl: string;
  FunctionArn: string;
}

/**
 * AWS::Lambda::Url: Create / Update / DeleteFunctionUrlConfig. Attributes FunctionUrl and
 * FunctionArn; the physical id is the (qualified) function ARN, as AWS reports it.
 */
export const urlProvider: ResourceProvider = {
  type: TYPE,
  properties: ["TargetFunctionArn", "Qualifier", "AuthType", "Cors", "InvokeMode"],
  required: ["TargetFunctionArn", "AuthType"],
  replaceOn: ["TargetFunctionArn", "Qualifier"],

  async create(ctx, _logicalId, props) {
    const config = await ctx.api.rest<UrlConfig>("lambda", "POST", urlPath(props), body(props, false));
    return result(config);
  },

  async update(ctx, _logicalId, _current, props) {
    const config = await ctx.api.rest<UrlConfig>("lambda", "PUT", urlPath(props), body(props, true));
    return result(config);
  },

  async delete(ctx, _logicalId, current) {
    await ignoreGone(() => ctx.api.rest("lambda", "DELETE", urlPath(current.properties)));
  },
};

function result(config: UrlConfig) {
  return {
    physicalId: config.FunctionArn,
    attributes: { FunctionUrl: config.FunctionUrl, FunctionArn: config.FunctionArn },
  };
}

function urlPath(props: ResolvedProperties): string {
  const target = requiredStr(props, "TargetFunctionArn", TYPE);
  return functionPath(target, "/url", { Qualifier: str(props, "Qualifier", TYPE) }, "/2021-10-31/functions");
}

/** On update a removed Cors clears it and a removed InvokeMode goes back to BUFFERED. */
function body(props: ResolvedProperties, update: boolean): Record<string, unknown> {
  const invokeMode = str(props, "InvokeMode", TYPE) ?? (update ? "BUFFERED" : undefined);
  const cors = corsOf(props) ?? (update ? {} : undefined);
  return {
    AuthType: requiredStr(props, "AuthType", TYPE),
    ...(cors === undefined ? {} : { Cors: cors }),
    ...(invokeMode === undefined ? {} : { InvokeMode: invokeMode }),
  };
}

function corsOf(props: ResolvedProperties): Record<string, unknown> | undefined {
  const cors = obj(props, "Cors", TYPE);
  if (cors === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(cors)) {
    if (value === undefined || value === null) continue;
    if (key === "AllowCredentials") {
      if (value !== true && value !== false && value !== "true" && value !== "false") {
        throw invalid(TYPE, "Cors.AllowCredentials", "must be true or false");
      }
      out[key] = value === true || value === "true";
    } else if (key === "MaxAge") out[key] = intValue(value, "Cors.MaxAge", TYPE);
    else out[key] = value;
  }
  return out;
}
