import type { ResourceProvider } from "../../model.js";
import { functionPath, ignoreGone, requiredStr, str } from "./provider-support.js";

const TYPE = "AWS::Lambda::Permission";
const PROPERTIES = [
  "Action",
  "FunctionName",
  "Principal",
  "SourceArn",
  "SourceAccount",
  "EventSourceToken",
  "FunctionUrlAuthType",
  "PrincipalOrgID",
] as const;

/**
 * AWS::Lambda::Permission: one AddPermission statement with a generated StatementId (the
 * physical id); any change replaces it. FunctionName may be a name, a (partial) ARN, and may
 * carry a qualifier. Nimbus records the statement (GetPolicy shows it) but does not enforce it.
 */
export const permissionProvider: ResourceProvider = {
  type: TYPE,
  properties: PROPERTIES,
  required: ["Action", "FunctionName", "Principal"],
  replaceOn: PROPERTIES,

  async create(ctx, logicalId, props) {
    const statementId = ctx.physicalName(logicalId, { maxLength: 100 });
    const body: Record<string, unknown> = {
      StatementId: statementId,
      Action: requiredStr(props, "Action", TYPE),
      Principal: requiredStr(props, "Principal", TYPE),
    };
    for (const name of [
      "SourceArn",
      "SourceAccount",
      "EventSourceToken",
      "FunctionUrlAuthType",
      "PrincipalOrgID",
    ]) {
      const value = str(props, name, TYPE);
      if (value !== undefined) body[name] = value;
    }
    await ctx.api.rest(
      "lambda",
      "POST",
      functionPath(requiredStr(props, "FunctionName", TYPE), "/policy"),
      body,
    );
    return { physicalId: statementId, attributes: {} };
  },

  async update(ctx, logicalId, _current, props) {
    // Every property replaces; the planner never sends an in-place update.
    return this.create(ctx, logicalId, props);
  },

  async delete(ctx, _logicalId, current) {
    const functionName = requiredStr(current.properties, "FunctionName", TYPE);
    await ignoreGone(() =>
      ctx.api.rest(
        "lambda",
        "DELETE",
        functionPath(functionName, `/policy/${encodeURIComponent(current.physicalId)}`),
      ),
    );
  },
};
