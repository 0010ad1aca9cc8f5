import { awsError } from "../aws/aws-errors.js";
import { jsonResult, readJsonBody } from "../aws/rest-json.js";
import type { RestRouter } from "../aws/rest-router.js";
import { readCreateInput, readUpdateInput } from "./mapping-input.js";
import { type MappingRecord, type MappingTransition, mappingState } from "./mapping-model.js";
import type { MappingService } from "./mapping-service.js";

const PATH = "/2015-03-31/event-source-mappings";
/** Any id is looked up (an unknown one is ResourceNotFoundException); only empty ones are invalid. */
const UUID = /^[^/]{1,128}$/;
/** ListEventSourceMappings returns at most 100 per page. */
const MAX_PAGE = 100;

/** Lambda's event source mapping operations (restJson1, lambda-api.md sections 3 and 4.7). */
export function addMappingRoutes(router: RestRouter, mappings: MappingService): void {
  const shape = (record: MappingRecord, state?: MappingTransition) =>
    toWire(record, mappings.arn(record.uuid), state);

  router.add("POST", PATH, async (req) => {
    const created = await mappings.create(readCreateInput(readJsonBody(req)));
    return jsonResult(202, shape(created, "Creating"));
  });

  router.add("GET", PATH, async (req) => {
    const sourceArn = req.query.get("EventSourceArn") ?? undefined;
    const functionName = req.query.get("FunctionName") ?? undefined;
    const functionArn = functionName === undefined ? undefined : mappings.functionArnFor(functionName);
    const maxItems = pageSize(req.query.get("MaxItems"));
    const marker = req.query.get("Marker");
    const after = marker ? decodeMarker(marker) : undefined;
    const matching = (await mappings.all()).filter(
      (m) =>
        (sourceArn === undefined || m.eventSourceArn === sourceArn) &&
        (functionArn === undefined || m.functionArn === functionArn) &&
        (after === undefined || m.uuid > after),
    );
    const page = matching.slice(0, maxItems);
    const last = page.at(-1);
    return jsonResult(200, {
      EventSourceMappings: page.map((m) => shape(m)),
      ...(matching.length > page.length && last ? { NextMarker: encodeMarker(last.uuid) } : {}),
    });
  });

  router.add("GET", `${PATH}/{UUID}`, async (_req, p) =>
    jsonResult(200, shape(await mappings.get(uuidOf(p.UUID)))),
  );

  router.add("PUT", `${PATH}/{UUID}`, async (req, p) => {
    const { before, after } = await mappings.update(uuidOf(p.UUID), readUpdateInput(readJsonBody(req)));
    const state = before.enabled === after.enabled ? "Updating" : after.enabled ? "Enabling" : "Disabling";
    return jsonResult(202, shape(after, state));
  });

  router.add("DELETE", `${PATH}/{UUID}`, async (_req, p) => {
    const deleted = await mappings.delete(uuidOf(p.UUID));
    return jsonResult(202, shape(deleted, "Deleting"));
  });
}

/** EventSourceMappingConfiguration (lambda-api.md section 4.7). */
function toWire(record: MappingRecord, arn: string, transition?: MappingTransition): Record<string, unknown> {
  return {
    UUID: record.uuid,
    BatchSize: record.batchSize,
    MaximumBatchingWindowInSeconds: record.batchingWindowSec,
    EventSourceArn: record.eventSourceArn,
    ...(record.filterPatterns.length > 0
      ? { FilterCriteria: { Filters: record.filterPatterns.map((Pattern) => ({ Pattern })) } }
      : {}),
    FunctionArn: record.functionArn,
    // A `timestamp` member: epoch seconds as a JSON number.
    LastModified: record.lastModified / 1000,
    LastProcessingResult: record.lastProcessingResult,
    State: transition ?? mappingState(record),
    StateTransitionReason: "USER_INITIATED",
    FunctionResponseTypes: record.reportBatchItemFailures ? ["ReportBatchItemFailures"] : [],
    ...(record.maximumConcurrency === undefined
      ? {}
      : { ScalingConfig: { MaximumConcurrency: record.maximumConcurrency } }),
    EventSourceMappingArn: arn,
  };
}

function uuidOf(raw: string | undefined): string {
  const value = raw ?? "";
  if (!UUID.test(value))
    throw awsError.validation(
      `1 validation error detected: Value '${value}' at 'uUID' failed to satisfy constraint: Member must satisfy regular expression pattern: ${UUID.source}`,
    );
  return value;
}

function pageSize(raw: string | null): number {
  if (raw === null) return MAX_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw awsError.validation(
      `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
    );
  return Math.min(n, MAX_PAGE);
}

function encodeMarker(uuid: string): string {
  return Buffer.from(uuid, "utf8").toString("base64url");
}

function decodeMarker(marker: string): string {
  const uuid = Buffer.from(marker, "base64url").toString("utf8");
  if (!UUID.test(uuid)) throw awsError.validation(`Invalid Marker: ${marker}`);
  return uuid;
}
