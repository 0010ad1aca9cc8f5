import { jsonResult, readJsonBody } from "../aws/rest-json.js";
import type { RestRouter } from "../aws/rest-router.js";
import { WireReader } from "../aws/wire-validation.js";
import { functionsError } from "./errors.js";
import type { FunctionService } from "./function-service.js";

export interface ConcurrencyLimits {
  accountConcurrency: number;
  /** Unreserved concurrency that must remain (AWS: 100). */
  minimumUnreserved: number;
}

/** Reserved concurrency: Put/Get/DeleteFunctionConcurrency (lambda-api.md section 4.4). */
export function addConcurrencyRoutes(
  router: RestRouter,
  functions: FunctionService,
  limits: ConcurrencyLimits,
): void {
  router.add("PUT", "/2017-10-31/functions/{FunctionName}/concurrency", async (req, p) => {
    const reader = new WireReader(readJsonBody(req));
    const value = reader.integer("ReservedConcurrentExecutions", { min: 0 });
    reader.done();
    if (value === undefined) throw functionsError.invalid("ReservedConcurrentExecutions is required.");
    await functions.setReservedConcurrency(p.FunctionName ?? "", value, limits);
    return jsonResult(200, { ReservedConcurrentExecutions: value });
  });

  router.add("GET", "/2019-09-30/functions/{FunctionName}/concurrency", async (_req, p) => {
    const { record } = await functions.getRecord(p.FunctionName ?? "");
    const value = record.reservedConcurrency;
    return jsonResult(200, value === undefined ? {} : { ReservedConcurrentExecutions: value });
  });

  router.add("DELETE", "/2017-10-31/functions/{FunctionName}/concurrency", async (_req, p) => {
    await functions.setReservedConcurrency(p.FunctionName ?? "", undefined, limits);
    return jsonResult(204, undefined);
  });
}
