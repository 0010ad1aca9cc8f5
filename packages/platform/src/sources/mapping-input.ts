import { awsError } from "../aws/aws-errors.js";
import { WireReader } from "../aws/wire-validation.js";
import { sourcesError } from "./errors.js";
import { SQS_MAPPING_LIMITS } from "./mapping-model.js";
import type { MappingInput } from "./mapping-service.js";

const FUNCTION_NAME =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const EVENT_SOURCE_ARN =
  /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;
const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)$/;

/** Members that belong to stream, Kafka, MQ or DocumentDB sources: invalid for a queue. */
const NOT_FOR_QUEUES = [
  "StartingPosition",
  "StartingPositionTimestamp",
  "ParallelizationFactor",
  "DestinationConfig",
  "MaximumRecordAgeInSeconds",
  "BisectBatchOnFunctionError",
  "MaximumRetryAttempts",
  "TumblingWindowInSeconds",
  "Topics",
  "Queues",
  "SourceAccessConfigurations",
  "SelfManagedEventSource",
  "AmazonManagedKafkaEventSourceConfig",
  "SelfManagedKafkaEventSourceConfig",
  "DocumentDBEventSourceConfig",
] as const;

/** Members AWS accepts for queues that Nimbus does not apply: refused by name. */
const NOT_IN_NIMBUS = [
  "KMSKeyArn",
  "MetricsConfig",
  "LoggingConfig",
  "ProvisionedPollerConfig",
  "Tags",
] as const;

/** Event sources by ARN service, for a clear refusal of what is not a queue. */
const OTHER_SOURCES: Record<string, string> = {
  kinesis: "Amazon Kinesis streams",
  dynamodb: "Amazon DynamoDB streams",
  kafka: "Amazon MSK (Kafka) clusters",
  mq: "Amazon MQ brokers",
  rds: "Amazon DocumentDB change streams",
};

/** Reads CreateEventSourceMapping's body into domain input (wire names stay here). */
export function readCreateInput(input: Record<string, unknown>): MappingInput {
  const reader = new WireReader(input);
  const eventSourceArn = reader.string("EventSourceArn", { min: 12, max: 1024, pattern: EVENT_SOURCE_ARN });
  const functionName = reader.string("FunctionName", { min: 1, max: 140, pattern: FUNCTION_NAME });
  const common = readCommon(reader);
  reader.done();
  if (functionName === undefined) throw awsError.validation(nullMember("functionName"));
  if (eventSourceArn === undefined) {
    if (input.SelfManagedEventSource !== undefined)
      throw sourcesError.unsupported("Self-managed Apache Kafka event sources are not supported by Nimbus.");
    throw sourcesError.invalid("Unrecognized event source, must be an Amazon SQS queue ARN.");
  }
  checkSource(eventSourceArn);
  refuseOthers(input);
  return { eventSourceArn, functionName, ...common };
}

/** Reads UpdateEventSourceMapping's body (absent members stay as they are). */
export function readUpdateInput(input: Record<string, unknown>): MappingInput {
  const reader = new WireReader(input);
  const functionName = reader.string("FunctionName", { min: 1, max: 140, pattern: FUNCTION_NAME });
  const common = readCommon(reader);
  reader.done();
  if (input.EventSourceArn !== undefined)
    throw sourcesError.invalid("EventSourceArn cannot be changed; create a new event source mapping.");
  refuseOthers(input);
  return { functionName, ...common };
}

function readCommon(reader: WireReader): MappingInput {
  const enabled = reader.boolean("Enabled");
  const batchSize = reader.integer("BatchSize", { min: 1, max: SQS_MAPPING_LIMITS.maxBatchSize });
  const batchingWindowSec = reader.integer("MaximumBatchingWindowInSeconds", {
    min: 0,
    max: SQS_MAPPING_LIMITS.maxBatchingWindowSec,
  });
  const responseTypes = reader.stringList("FunctionResponseTypes");
  for (const type of responseTypes ?? []) {
    if (type !== "ReportBatchItemFailures")
      reader.fail(
        type,
        "FunctionResponseTypes",
        "Member must satisfy enum value set: [ReportBatchItemFailures]",
      );
  }
  if (responseTypes !== undefined && responseTypes.length > 1)
    reader.fail(
      JSON.stringify(responseTypes),
      "FunctionResponseTypes",
      "Member must have length less than or equal to 1",
    );
  const scaling = reader.object("ScalingConfig");
  let maximumConcurrency: number | null | undefined;
  if (scaling !== undefined) {
    const value = scaling.MaximumConcurrency;
    if (value === undefined || value === null) maximumConcurrency = null;
    else if (typeof value !== "number" || !Number.isInteger(value))
      throw awsError.serialization("Member ScalingConfig.MaximumConcurrency must be an integer.");
    else if (value < SQS_MAPPING_LIMITS.minMaximumConcurrency)
      reader.fail(
        String(value),
        "scalingConfig.maximumConcurrency",
        "Member must have value greater than or equal to 2",
      );
    else if (value > SQS_MAPPING_LIMITS.maxMaximumConcurrency)
      reader.fail(
        String(value),
        "scalingConfig.maximumConcurrency",
        "Member must have value less than or equal to 1000",
      );
    else maximumConcurrency = value;
  }
  return {
    enabled,
    batchSize,
    batchingWindowSec,
    reportBatchItemFailures: responseTypes === undefined ? undefined : responseTypes.length > 0,
    maximumConcurrency,
    filterPatterns: readFilters(reader.object("FilterCriteria")),
  };
}

/** FilterCriteria `{Filters:[{Pattern}]}`; `{}` or an empty list clears the filters. */
function readFilters(criteria: Record<string, unknown> | undefined): string[] | undefined {
  if (criteria === undefined) return undefined;
  const filters = criteria.Filters;
  if (filters === undefined || filters === null) return [];
  if (!Array.isArray(filters)) throw awsError.serialization("Member FilterCriteria.Filters must be a list.");
  return filters.map((filter: unknown) => {
    const pattern = (filter as { Pattern?: unknown } | null)?.Pattern;
    if (typeof pattern !== "string")
      throw sourcesError.invalidFilter("Each FilterCriteria.Filters entry needs a Pattern string.");
    return pattern;
  });
}

function checkSource(arn: string): void {
  const service = arn.split(":")[2] ?? "";
  if (service === "sqs") {
    if (!SQS_ARN.test(arn)) throw sourcesError.invalid(`${arn} is not a valid Amazon SQS queue ARN.`);
    return;
  }
  const what = OTHER_SOURCES[service] ?? `${service} event sources`;
  throw sourcesError.unsupported(
    `Nimbus supports event source mappings for Amazon SQS queues only; ${what} (${arn}) are not supported.`,
  );
}

function refuseOthers(input: Record<string, unknown>): void {
  for (const member of NOT_FOR_QUEUES) {
    if (input[member] !== undefined)
      throw sourcesError.invalid(`${member} is not supported for Amazon SQS event sources.`);
  }
  for (const member of NOT_IN_NIMBUS) {
    if (input[member] !== undefined)
      throw sourcesError.unsupported(`${member} is not supported by Nimbus event source mappings.`);
  }
}

function nullMember(member: string): string {
  return `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`;
}
