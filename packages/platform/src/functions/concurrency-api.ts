import { jsonResult, readJsonBody } from "../aws/rest-json.js";
import type { RestRouter } from "../aws/rest-router.js";
import { WireReader } from "../aws/wire-validation.js";
import { functionsError } from "./errors.js";
import type { FunctionService } from "./function-service.js";
import type { Reservations } from "./reservations.js";

/** Reserved concurrency: Put/Get/DeleteFunctionConcurrency (lambda-api.md section 4.4). */
export function addConcurrencyRoutes(
  router: RestRouter,
  functions: FunctionService,
  reservations: Reservations,
): void {
  router.add("PUT", "/2017-10-31/functions/{FunctionName}/concurrency", async (req, p) => {
    const reader = new WireReader(readJsonBody(req));
    const value = reader.integer("ReservedConcurrentExecutions", { min: 0 });
    reader.done();
    if (value === undefined) throw functionsError.invalid("ReservedConcurrentExecutions is required.");
    await reservations.set(p.FunctionName ?? "", value);
    return jsonResult(200, { ReservedConcurrentExecutions: value });
  });

  router.add("GET", "/2019-09-30/functions/{FunctionName}/concurrency", async (_req, p) => {
    const { record } = await functions.getRecord(p.FunctionName ?? "");
    const value = record.reservedConcurrency;
    return jsonResult(200, value === undefined ? {} : { ReservedConcurrentExecutions: value });
  });

  router.add("DELETE", "/2017-10-31/functions/{FunctionName}/concurrency", async (_req, p) => {
    await reservations.set(p.FunctionName ?? "", undefined);
    return jsonResult(204, undefined);
  });
}
