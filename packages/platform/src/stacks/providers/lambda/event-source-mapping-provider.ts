import type { ProviderContext, ResolvedProperties, ResourceProvider } from "../../model.js";
import { bool, failed, ignoreGone, int, obj, requiredStr, strList } from "./provider-support.js";

const TYPE = "AWS::Lambda::EventSourceMapping";
const PATH = "/2015-03-31/event-source-mappings";

interface MappingConfiguration {
  UUID: string;
  State?: string;
  EventSourceMappingArn?: string;
}

/**
 * AWS::Lambda::EventSourceMapping (SQS queues, the sources Nimbus polls): Create / Update /
 * DeleteEventSourceMapping. Ref is the UUID; attributes Id and EventSourceMappingArn. Stream,
 * Kafka and MQ properties are not listed: the Lambda API refuses them for queues.
 */
export const eventSourceMappingProvider: ResourceProvider = {
  type: TYPE,
  properties: [
    "FunctionName",
    "EventSourceArn",
    "BatchSize",
    "Enabled",
    "FilterCriteria",
    "MaximumBatchingWindowInSeconds",
    "FunctionResponseTypes",
    "ScalingConfig",
  ],
  required: ["FunctionName"],
  replaceOn: ["EventSourceArn"],

  async create(ctx, _logicalId, props) {
    const created = await ctx.api.rest<MappingConfiguration>("lambda", "POST", PATH, {
      EventSourceArn: requiredStr(props, "EventSourceArn", TYPE),
      ...settings(props, false),
    });
    return result(await settled(ctx, created.UUID));
  },

  async update(ctx, _logicalId, current, props) {
    await ctx.api.rest(
      "lambda",
      "PUT",
      `${PATH}/${encodeURIComponent(current.physicalId)}`,
      settings(props, true),
    );
    return result(await settled(ctx, current.physicalId));
  },

  async delete(ctx, _logicalId, current) {
    await ignoreGone(() =>
      ctx.api.rest("lambda", "DELETE", `${PATH}/${encodeURIComponent(current.physicalId)}`),
    );
  },
};

function result(mapping: MappingConfiguration) {
  return {
    physicalId: mapping.UUID,
    attributes: {
      Id: mapping.UUID,
      ...(mapping.EventSourceMappingArn === undefined
        ? {}
        : { EventSourceMappingArn: mapping.EventSourceMappingArn }),
    },
  };
}

/** The members of Create/UpdateEventSourceMapping; on update removed ones go back to AWS's defaults. */
function settings(props: ResolvedProperties, update: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    FunctionName: requiredStr(props, "FunctionName", TYPE),
    BatchSize: int(props, "BatchSize", TYPE) ?? (update ? 10 : undefined),
    Enabled: bool(props, "Enabled", TYPE) ?? (update ? true : undefined),
    MaximumBatchingWindowInSeconds:
      int(props, "MaximumBatchingWindowInSeconds", TYPE) ?? (update ? 0 : undefined),
    FilterCriteria: obj(props, "FilterCriteria", TYPE) ?? (update ? {} : undefined),
    FunctionResponseTypes: strList(props, "FunctionResponseTypes", TYPE) ?? (update ? [] : undefined),
    ScalingConfig: scaling(props) ?? (update ? {} : undefined),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

function scaling(props: ResolvedProperties): Record<string, unknown> | undefined {
  const config = obj(props, "ScalingConfig", TYPE);
  if (config === undefined) return undefined;
  const max = int(config, "MaximumConcurrency", TYPE);
  return max === undefined ? {} : { MaximumConcurrency: max };
}

/** Waits out Creating / Updating / Enabling / Disabling, as CloudFormation does. */
async function settled(ctx: ProviderContext, uuid: string): Promise<MappingConfiguration> {
  for (let attempt = 0; ; attempt++) {
    const mapping = await ctx.api.rest<MappingConfiguration>(
      "lambda",
      "GET",
      `${PATH}/${encodeURIComponent(uuid)}`,
    );
    if (mapping.State === "Enabled" || mapping.State === "Disabled" || mapping.State === undefined)
      return mapping;
    if (attempt >= 60) throw failed(`Event source mapping ${uuid} is still ${mapping.State}.`);
    await new Promise<void>((resolve) => ctx.clock.setTimer(250, resolve));
  }
}
