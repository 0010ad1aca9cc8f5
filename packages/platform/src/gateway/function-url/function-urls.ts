import type { TrafficRoute } from "../../aws/front-door.js";
import type { RestRouter } from "../../aws/rest-router.js";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { addFunctionUrlRoutes, type FunctionService, FunctionUrlService } from "../../functions/index.js";
import type { Invoker } from "../../invoke/index.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import { createFunctionUrlRoute } from "./function-url-route.js";

export interface FunctionUrlsDeps {
  functions: FunctionService;
  invoker: Invoker;
  store: MetadataStore;
  clock: Clock;
  scope: AccountScope;
  /** The server's `auth` settings (AWS_IAM URLs verify signatures when enabled). */
  auth: { enabled: boolean; credentials: readonly { accessKeyId: string; secretAccessKey: string }[] };
  /** Largest event a URL request may produce (`functions.maxSyncPayloadBytes`). */
  maxPayloadBytes: number;
  logger: Logger;
}

export interface FunctionUrls {
  /** The configurations (also what the route reads). */
  service: FunctionUrlService;
  /** Adds the control-plane operations to the Lambda router. */
  addRoutes(router: RestRouter): void;
  /** The data plane, for the front door's `trafficRoutes`. */
  route: TrafficRoute;
}

/** Lambda function URLs: control plane and data plane, wired from the server's instances. */
export function createFunctionUrls(deps: FunctionUrlsDeps): FunctionUrls {
  const service = new FunctionUrlService(deps.store, deps.functions, deps.scope, deps.clock, deps.logger);
  return {
    service,
    addRoutes: (router) => addFunctionUrlRoutes(router, { urls: service, region: deps.scope.region }),
    route: createFunctionUrlRoute({
      urls: service,
      invoker: deps.invoker,
      clock: deps.clock,
      scope: deps.scope,
      auth: deps.auth,
      maxPayloadBytes: deps.maxPayloadBytes,
      logger: deps.logger,
    }),
  };
}
