/**
 * An event source mapping as stored in the MetadataStore (kind `event-source-mapping`, key = its
 * UUID). Domain names only; the Lambda wire shape is built in mapping-api.ts.
 */
export interface MappingRecord {
  uuid: string;
  /** The queue's ARN (`arn:aws:sqs:<region>:<account>:<name>`). */
  eventSourceArn: string;
  /** The function ARN with the qualifier the caller gave (unqualified = `$LATEST`). */
  functionArn: string;
  /** 1-10000 (FIFO: 1-10). */
  batchSize: number;
  /** 0-300 seconds of gathering before a partial batch is sent. */
  batchingWindowSec: number;
  enabled: boolean;
  /** FunctionResponseTypes contains `ReportBatchItemFailures`. */
  reportBatchItemFailures: boolean;
  /** ScalingConfig.MaximumConcurrency (2-1000), when set. */
  maximumConcurrency: number | undefined;
  /** FilterCriteria.Filters[].Pattern, as given (JSON text); empty when there is none. */
  filterPatterns: string[];
  /** Epoch ms of the last create or update. */
  lastModified: number;
  /** What the latest batch came to (`No records processed`, `OK`, `PROBLEM: ...`). */
  lastProcessingResult: string;
}

/** The MetadataStore kind of mappings. */
export const KIND_MAPPING = "event-source-mapping";

/** Lambda's defaults and limits for SQS mappings (invocation-semantics.md section 5). */
export const SQS_MAPPING_LIMITS = {
  defaultBatchSize: 10,
  maxBatchSize: 10_000,
  maxFifoBatchSize: 10,
  maxBatchingWindowSec: 300,
  minMaximumConcurrency: 2,
  maxMaximumConcurrency: 1000,
  maxFilters: 5,
  maxPatternLength: 4096,
} as const;

export const NO_RECORDS_PROCESSED = "No records processed";

/** The result a mapping change reports on the wire (`Creating`, `Updating`, ...). */
export type MappingTransition = "Creating" | "Updating" | "Enabling" | "Disabling" | "Deleting";

/** The steady state of a stored mapping. */
export function mappingState(record: MappingRecord): "Enabled" | "Disabled" {
  return record.enabled ? "Enabled" : "Disabled";
}
