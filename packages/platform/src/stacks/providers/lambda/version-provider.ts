import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../../model.js";
import {
  failed,
  functionPath,
  ignoreGone,
  intValue,
  obj,
  requiredStr,
  same,
  str,
} from "./provider-support.js";

const TYPE = "AWS::Lambda::Version";
const PROPERTIES = ["FunctionName", "Description", "CodeSha256", "ProvisionedConcurrencyConfig"] as const;

/**
 * AWS::Lambda::Version: PublishVersion (CodeSha256 checked by the API). Every property
 * replaces: a changed version is a new version. Ref is the version ARN. When $LATEST did not
 * change since the last version, the create fails as AWS's does ("A version for this Lambda
 * function exists"), so two resources never own one version.
 */
export const versionProvider: ResourceProvider = {
  type: TYPE,
  properties: PROPERTIES,
  required: ["FunctionName"],
  replaceOn: PROPERTIES,

  async create(ctx, _logicalId, props) {
    const functionName = requiredStr(props, "FunctionName", TYPE);
    const description = str(props, "Description", TYPE);
    const codeSha256 = str(props, "CodeSha256", TYPE);
    const highest = await highestVersion(ctx, functionName);
    const published = await ctx.api.rest<{ FunctionArn: string; Version: string; FunctionName: string }>(
      "lambda",
      "POST",
      functionPath(functionName, "/versions"),
      {
        ...(description === undefined ? {} : { Description: description }),
        ...(codeSha256 === undefined ? {} : { CodeSha256: codeSha256 }),
      },
    );
    if (Number(published.Version) <= highest) {
      // PublishVersion answered an existing version ($LATEST is unchanged): AWS's handler fails
      // here too, and not taking it over keeps the old resource's delete from removing it.
      throw failed(
        `A version for this Lambda function exists ( ${published.Version} ). Modify the function to create a new version.`,
      );
    }
    await putProvisioned(ctx, TYPE, published.FunctionName, published.Version, props);
    return {
      physicalId: published.FunctionArn,
      attributes: { Version: published.Version, FunctionArn: published.FunctionArn },
    };
  },

  async update(ctx, logicalId, _current, props) {
    // Only reached for a change the planner did not classify as replacing (none exist).
    return this.create(ctx, logicalId, props);
  },

  async delete(ctx, _logicalId, current) {
    const arn = current.physicalId;
    const cut = arn.lastIndexOf(":");
    const functionRef = arn.slice(0, cut);
    const version = arn.slice(cut + 1);
    await ignoreGone(() =>
      ctx.api.rest("lambda", "DELETE", functionPath(functionRef, "", { Qualifier: version })),
    );
  },
};

/**
 * PutProvisionedConcurrencyConfig for `ProvisionedConcurrencyConfig`
 * (`{ProvisionedConcurrentExecutions}`), or its removal when the property went away.
 */
export async function putProvisioned(
  ctx: ProviderContext,
  type: string,
  functionName: string,
  qualifier: string,
  props: ResolvedProperties,
  before?: ResolvedProperties,
): Promise<void> {
  if (before !== undefined && same(before.ProvisionedConcurrencyConfig, props.ProvisionedConcurrencyConfig))
    return;
  const config = obj(props, "ProvisionedConcurrencyConfig", type);
  const path = functionPath(
    functionName,
    "/provisioned-concurrency",
    { Qualifier: qualifier },
    "/2019-09-30/functions",
  );
  if (config === undefined) {
    if (before?.ProvisionedConcurrencyConfig !== undefined) {
      await ignoreGone(() => ctx.api.rest("lambda", "DELETE", path));
    }
    return;
  }
  const executions = intValue(
    config.ProvisionedConcurrentExecutions,
    "ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions",
    type,
  );
  await ctx.api.rest("lambda", "PUT", path, { ProvisionedConcurrentExecutions: executions });
}

/** The highest published version number of a function (0 when none), all pages read. */
async function highestVersion(ctx: ProviderContext, functionName: string): Promise<number> {
  let highest = 0;
  let marker: string | undefined;
  do {
    const page = await ctx.api.rest<{ Versions?: { Version: string }[]; NextMarker?: string }>(
      "lambda",
      "GET",
      functionPath(functionName, "/versions", { Marker: marker }),
    );
    for (const v of page.Versions ?? [])
      if (/^\d+$/.test(v.Version)) highest = Math.max(highest, Number(v.Version));
    marker = page.NextMarker;
  } while (marker !== undefined);
  return highest;
}
