import type { ProviderContext, ResourceProvider } from "../model.js";
import { jsonText, scalar, stringList } from "./service-props.js";

/**
 * Resource policies that a service stores as an attribute of its resources but Nimbus does not
 * enforce (queue and topic policies): the list form (`AWS::SQS::QueuePolicy` over `Queues`) and
 * the inline form (`AWS::SQS::QueueInlinePolicy` on one `Queue`) are the same two providers for
 * every such service.
 */
export interface StoredPolicySpec {
  /** The list form's type and the property naming its targets (`Queues`, `Topics`). */
  listType: string;
  listProperty: string;
  /** The inline form's type and the property naming its one target (`Queue`, `TopicArn`). */
  inlineType: string;
  inlineProperty: string;
  /** Sets the policy of one target ("" clears it); `tolerateGone` skips a target already deleted. */
  setPolicy(ctx: ProviderContext, target: string, policy: string, tolerateGone: boolean): Promise<void>;
  /** The note each deploy gets: stored, not enforced. */
  notEnforced: string;
}

export function storedPolicyProviders(spec: StoredPolicySpec): ResourceProvider[] {
  const setAll = async (ctx: ProviderContext, targets: string[], policy: string, tolerateGone: boolean) => {
    for (const target of targets) await spec.setPolicy(ctx, target, policy, tolerateGone);
  };
  const list: ResourceProvider = {
    type: spec.listType,
    properties: ["PolicyDocument", spec.listProperty],
    required: ["PolicyDocument", spec.listProperty],
    async create(ctx, logicalId, props) {
      const policy = jsonText(props, "PolicyDocument", spec.listType) ?? "";
      await setAll(ctx, stringList(props, spec.listProperty, spec.listType), policy, false);
      ctx.note(logicalId, spec.notEnforced);
      const id = ctx.physicalName(logicalId);
      return { physicalId: id, attributes: { Id: id } };
    },
    async update(ctx, _logicalId, current, props) {
      const targets = stringList(props, spec.listProperty, spec.listType);
      const dropped = stringList(current.properties, spec.listProperty, spec.listType).filter(
        (t) => !targets.includes(t),
      );
      // An empty policy puts a dropped target back on the service's default.
      await setAll(ctx, dropped, "", true);
      await setAll(ctx, targets, jsonText(props, "PolicyDocument", spec.listType) ?? "", false);
      return { physicalId: current.physicalId, attributes: { Id: current.physicalId } };
    },
    async delete(ctx, _logicalId, current) {
      await setAll(ctx, stringList(current.properties, spec.listProperty, spec.listType), "", true);
    },
  };
  const inline: ResourceProvider = {
    type: spec.inlineType,
    properties: ["PolicyDocument", spec.inlineProperty],
    required: ["PolicyDocument", spec.inlineProperty],
    replaceOn: [spec.inlineProperty],
    async create(ctx, logicalId, props) {
      const target = scalar(props, spec.inlineProperty, spec.inlineType) ?? "";
      await spec.setPolicy(ctx, target, jsonText(props, "PolicyDocument", spec.inlineType) ?? "", false);
      ctx.note(logicalId, spec.notEnforced);
      // Ref is the target itself (the queue URL, the topic ARN), as CloudFormation documents it.
      return { physicalId: target, attributes: {} };
    },
    async update(ctx, _logicalId, current, props) {
      const policy = jsonText(props, "PolicyDocument", spec.inlineType) ?? "";
      await spec.setPolicy(ctx, current.physicalId, policy, false);
      return { physicalId: current.physicalId, attributes: {} };
    },
    async delete(ctx, _logicalId, current) {
      await spec.setPolicy(ctx, current.physicalId, "", true);
    },
  };
  return [list, inline];
}
