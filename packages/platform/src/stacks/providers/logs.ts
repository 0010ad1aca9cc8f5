import type { ResourceProvider } from "../model.js";
import { ignoreGone, str } from "./lambda/provider-support.js";

const TYPE = "AWS::Logs::LogGroup";

/**
 * AWS::Logs::LogGroup through CloudWatch Logs' CreateLogGroup / DeleteLogGroup. Ref is the
 * name; attribute Arn (`arn:aws:logs:<region>:<account>:log-group:<name>:*`, as CloudFormation
 * answers it).
 *
 * Not listed, so the plan reports them: RetentionInDays and Tags (Nimbus's Logs API has no
 * PutRetentionPolicy or TagResource, and keeps log events until the group is deleted),
 * KmsKeyId, DataProtectionPolicy, FieldIndexPolicies.
 */
export const logGroupProvider: ResourceProvider = {
  type: TYPE,
  properties: ["LogGroupName", "LogGroupClass"],
  replaceOn: ["LogGroupName", "LogGroupClass"],

  async create(ctx, logicalId, props) {
    const name = str(props, "LogGroupName", TYPE) ?? ctx.physicalName(logicalId, { maxLength: 512 });
    const logGroupClass = str(props, "LogGroupClass", TYPE);
    await ctx.api.json("Logs_20140328.CreateLogGroup", {
      logGroupName: name,
      ...(logGroupClass === undefined ? {} : { logGroupClass }),
    });
    return {
      physicalId: name,
      attributes: { Arn: `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${name}:*` },
    };
  },

  async update(_ctx, _logicalId, current) {
    // Both properties replace: nothing changes in place.
    return { physicalId: current.physicalId, attributes: current.attributes };
  },

  async delete(ctx, _logicalId, current) {
    await ignoreGone(() =>
      ctx.api.json("Logs_20140328.DeleteLogGroup", { logGroupName: current.physicalId }),
    );
  },
};

/** The CloudWatch Logs resource providers. */
export function logsProviders(): ResourceProvider[] {
  return [logGroupProvider];
}
