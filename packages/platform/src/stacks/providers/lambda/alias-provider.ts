import type { ResolvedProperties, ResourceProvider } from "../../model.js";
import { failed, functionPath, ignoreGone, invalid, requiredStr, same, str } from "./provider-support.js";
import { putProvisioned } from "./version-provider.js";

const TYPE = "AWS::Lambda::Alias";

interface AliasConfiguration {
  AliasArn: string;
  FunctionVersion: string;
}

/**
 * AWS::Lambda::Alias: CreateAlias / UpdateAlias / DeleteAlias. Ref is the alias ARN.
 * With `UpdatePolicy.CodeDeployLambdaAliasUpdate`, a new FunctionVersion is reached through the
 * gradual deployments (`ctx.gradual.shiftAlias`), which moves the weights itself.
 */
export const aliasProvider: ResourceProvider = {
  type: TYPE,
  properties: [
    "FunctionName",
    "FunctionVersion",
    "Name",
    "Description",
    "RoutingConfig",
    "ProvisionedConcurrencyConfig",
  ],
  required: ["FunctionName", "FunctionVersion", "Name"],
  replaceOn: ["FunctionName", "Name"],

  async create(ctx, _logicalId, props) {
    const functionName = requiredStr(props, "FunctionName", TYPE);
    const name = requiredStr(props, "Name", TYPE);
    const alias = await ctx.api.rest<AliasConfiguration>(
      "lambda",
      "POST",
      functionPath(functionName, "/aliases"),
      {
        Name: name,
        FunctionVersion: requiredStr(props, "FunctionVersion", TYPE),
        ...settings(props, false),
      },
    );
    await putProvisioned(ctx, TYPE, functionName, name, props);
    return { physicalId: alias.AliasArn, attributes: { AliasArn: alias.AliasArn } };
  },

  async update(ctx, logicalId, current, props, options) {
    const functionName = requiredStr(props, "FunctionName", TYPE);
    const name = requiredStr(props, "Name", TYPE);
    const before = current.properties;
    const toVersion = requiredStr(props, "FunctionVersion", TYPE);
    const aliasPath = functionPath(functionName, `/aliases/${encodeURIComponent(name)}`);
    const policy = options?.updatePolicy?.CodeDeployLambdaAliasUpdate;
    const versionChanges = !same(before.FunctionVersion, props.FunctionVersion);
    if (versionChanges && policy !== undefined && policy !== null) {
      if (typeof policy !== "object" || Array.isArray(policy)) {
        throw invalid(TYPE, "UpdatePolicy.CodeDeployLambdaAliasUpdate", "must be an object");
      }
      if (!ctx.gradual) {
        throw failed(
          `${logicalId}: UpdatePolicy CodeDeployLambdaAliasUpdate needs gradual deployments, which this stack context does not provide.`,
        );
      }
      // The alias's own answer is the truth: a failed deployment puts traffic back itself, so
      // the rollback's update finds the alias already on its version and shifts nothing.
      const live = await ctx.api.rest<AliasConfiguration>("lambda", "GET", aliasPath);
      if (live.FunctionVersion !== toVersion) {
        await ctx.gradual.shiftAlias(ctx, {
          logicalId,
          functionName,
          aliasName: name,
          fromVersion: live.FunctionVersion,
          toVersion,
          policy: policy as Record<string, unknown>,
        });
      }
      if (!same(before.Description, props.Description) || !same(before.RoutingConfig, props.RoutingConfig)) {
        await ctx.api.rest("lambda", "PUT", aliasPath, settings(props, true));
      }
    } else if (
      versionChanges ||
      !same(before.Description, props.Description) ||
      !same(before.RoutingConfig, props.RoutingConfig)
    ) {
      await ctx.api.rest("lambda", "PUT", aliasPath, {
        FunctionVersion: toVersion,
        ...settings(props, true),
      });
    }
    await putProvisioned(ctx, TYPE, functionName, name, props, before);
    const alias = await ctx.api.rest<AliasConfiguration>("lambda", "GET", aliasPath);
    return { physicalId: alias.AliasArn, attributes: { AliasArn: alias.AliasArn } };
  },

  async delete(ctx, _logicalId, current) {
    const functionName = requiredStr(current.properties, "FunctionName", TYPE);
    const name = requiredStr(current.properties, "Name", TYPE);
    await ignoreGone(() =>
      ctx.api.rest("lambda", "DELETE", functionPath(functionName, `/aliases/${encodeURIComponent(name)}`)),
    );
  },
};

/** Description and RoutingConfig; on update, removed ones are reset ("" and no routing). */
function settings(props: ResolvedProperties, update: boolean): Record<string, unknown> {
  const description = str(props, "Description", TYPE) ?? (update ? "" : undefined);
  const weights = routing(props);
  return {
    ...(description === undefined ? {} : { Description: description }),
    ...(weights === undefined && !update
      ? {}
      : { RoutingConfig: { AdditionalVersionWeights: weights ?? {} } }),
  };
}

/** CloudFormation's `RoutingConfig.AdditionalVersionWeights` list as the API's version -> weight map. */
function routing(props: ResolvedProperties): Record<string, number> | undefined {
  const config = props.RoutingConfig;
  if (config === undefined || config === null) return undefined;
  const list = (config as { AdditionalVersionWeights?: unknown }).AdditionalVersionWeights ?? [];
  if (!Array.isArray(list)) throw invalid(TYPE, "RoutingConfig.AdditionalVersionWeights", "must be a list");
  const out: Record<string, number> = {};
  for (const entry of list) {
    const e = entry as { FunctionVersion?: unknown; FunctionWeight?: unknown } | null;
    const weight = typeof e?.FunctionWeight === "string" ? Number(e.FunctionWeight) : e?.FunctionWeight;
    if (typeof e?.FunctionVersion !== "string" || typeof weight !== "number" || Number.isNaN(weight)) {
      throw invalid(
        TYPE,
        "RoutingConfig.AdditionalVersionWeights",
        "entries need FunctionVersion and FunctionWeight",
      );
    }
    out[e.FunctionVersion] = weight;
  }
  return out;
}
