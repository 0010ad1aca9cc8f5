import { jsonResult, readJsonBody } from "../aws/rest-json.js";
import type { RestRouter } from "../aws/rest-router.js";
import { WireReader } from "../aws/wire-validation.js";
import type { FunctionService } from "../functions/index.js";
import { asyncError } from "./errors.js";
import type {
  EventInvokeConfig,
  EventInvokeConfigInput,
  EventInvokeConfigService,
} from "./event-invoke-config.js";

const PATH = "/2019-09-25/functions/{FunctionName}/event-invoke-config";

/**
 * Put / Update / Get / Delete / ListFunctionEventInvokeConfig(s) (lambda-api.md section 4.5):
 * Put replaces the whole config, Update (POST) merges the members it names.
 */
export function addEventInvokeConfigRoutes(
  router: RestRouter,
  configs: EventInvokeConfigService,
  functions: FunctionService,
): void {
  const shape = (c: EventInvokeConfig) => ({
    LastModified: c.lastModified / 1000,
    FunctionArn: functions.arn(c.functionName, c.qualifier),
    ...(c.maximumRetryAttempts === undefined ? {} : { MaximumRetryAttempts: c.maximumRetryAttempts }),
    ...(c.maximumEventAgeSeconds === undefined ? {} : { MaximumEventAgeInSeconds: c.maximumEventAgeSeconds }),
    DestinationConfig: {
      OnSuccess: c.onSuccess === undefined ? {} : { Destination: c.onSuccess },
      OnFailure: c.onFailure === undefined ? {} : { Destination: c.onFailure },
    },
  });
  const qualifier = (query: URLSearchParams) => query.get("Qualifier") ?? undefined;

  for (const [method, merge] of [
    ["PUT", false],
    ["POST", true],
  ] as const) {
    router.add(method, PATH, async (req, p) => {
      const input = readConfigInput(readJsonBody(req));
      const saved = await configs.put(p.FunctionName ?? "", qualifier(req.query), input, merge);
      return jsonResult(200, shape(saved));
    });
  }

  router.add("GET", PATH, async (req, p) =>
    jsonResult(200, shape(await configs.get(p.FunctionName ?? "", qualifier(req.query)))),
  );

  router.add("DELETE", PATH, async (req, p) => {
    await configs.delete(p.FunctionName ?? "", qualifier(req.query));
    return jsonResult(204, undefined);
  });

  router.add("GET", `${PATH}/list`, async (req, p) => {
    const reader = new WireReader({ MaxItems: numberOrRaw(req.query.get("MaxItems")) });
    const maxItems = reader.integer("MaxItems", { min: 1, max: 50 }) ?? 50;
    reader.done();
    const page = await configs.list(p.FunctionName ?? "", {
      marker: req.query.get("Marker") ?? undefined,
      maxItems,
    });
    return jsonResult(200, {
      FunctionEventInvokeConfigs: page.items.map(shape),
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    });
  });
}

function readConfigInput(body: Record<string, unknown>): EventInvokeConfigInput {
  const reader = new WireReader(body);
  const input: EventInvokeConfigInput = {
    maximumRetryAttempts: reader.integer("MaximumRetryAttempts", { min: 0, max: 2 }),
    maximumEventAgeSeconds: reader.integer("MaximumEventAgeInSeconds", { min: 60, max: 21_600 }),
  };
  const destinations = reader.object("DestinationConfig");
  reader.done();
  for (const member of ["OnSuccess", "OnFailure"] as const) {
    const value = destinations?.[member];
    if (value === undefined || value === null) continue;
    if (typeof value !== "object" || Array.isArray(value))
      throw asyncError.invalid(`DestinationConfig.${member} must be a structure with a Destination.`);
    const destination = (value as Record<string, unknown>).Destination;
    if (destination === undefined || destination === null) continue;
    if (typeof destination !== "string")
      throw asyncError.invalid(`DestinationConfig.${member}.Destination must be a string.`);
    if (member === "OnSuccess") input.onSuccess = destination;
    else input.onFailure = destination;
  }
  const unknown = Object.keys(destinations ?? {}).filter((k) => k !== "OnSuccess" && k !== "OnFailure");
  if (unknown.length > 0) throw asyncError.invalid(`DestinationConfig has no member ${unknown.join(", ")}.`);
  return input;
}

/** Query values arrive as text; the reader checks numbers. */
function numberOrRaw(value: string | null): unknown {
  if (value === null) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : value;
}
