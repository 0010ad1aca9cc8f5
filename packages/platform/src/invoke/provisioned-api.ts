import { jsonResult, readJsonBody } from "../aws/rest-json.js";
import type { RestRouter } from "../aws/rest-router.js";
import { WireReader } from "../aws/wire-validation.js";
import { lambdaTimestamp } from "../core/time-format.js";
import { type FunctionService, functionsError } from "../functions/index.js";
import type { ProvisionedConcurrency, ProvisionedStatus } from "./provisioned-concurrency.js";

const PATH = "/2019-09-30/functions/{FunctionName}/provisioned-concurrency";

/** Put/Get/Delete/ListProvisionedConcurrencyConfig(s) (lambda-api.md section 4.4). */
export function addProvisionedRoutes(
  router: RestRouter,
  provisioned: ProvisionedConcurrency,
  functions: FunctionService,
): void {
  const shape = (s: ProvisionedStatus, withArn: boolean) => ({
    ...(withArn ? { FunctionArn: functions.arn(s.functionName, s.qualifier) } : {}),
    RequestedProvisionedConcurrentExecutions: s.requested,
    AvailableProvisionedConcurrentExecutions: s.available,
    AllocatedProvisionedConcurrentExecutions: s.available,
    Status: s.status,
    ...(s.statusReason ? { StatusReason: s.statusReason } : {}),
    LastModified: lambdaTimestamp(s.lastModified).replace(/\.\d{3}/, ""),
  });
  const qualifierOf = (query: URLSearchParams) => {
    const q = query.get("Qualifier");
    if (!q) throw functionsError.invalid("Qualifier is required: a version number or an alias.");
    return q;
  };

  router.add("PUT", PATH, async (req, p) => {
    const reader = new WireReader(readJsonBody(req));
    const requested = reader.integer("ProvisionedConcurrentExecutions", { min: 1 });
    reader.done();
    if (requested === undefined) throw functionsError.invalid("ProvisionedConcurrentExecutions is required.");
    return jsonResult(
      202,
      shape(await provisioned.put(p.FunctionName ?? "", qualifierOf(req.query), requested), false),
    );
  });

  router.add("GET", PATH, async (req, p) => {
    if (req.query.get("List") === "ALL") {
      const all = await provisioned.list(p.FunctionName ?? "");
      return jsonResult(200, { ProvisionedConcurrencyConfigs: all.map((s) => shape(s, true)) });
    }
    return jsonResult(200, shape(await provisioned.get(p.FunctionName ?? "", qualifierOf(req.query)), false));
  });

  router.add("DELETE", PATH, async (req, p) => {
    await provisioned.delete(p.FunctionName ?? "", qualifierOf(req.query));
    return jsonResult(204, undefined);
  });
}
