import type { TrafficRoute } from "../../aws/front-door.js";
import { RestRouter } from "../../aws/rest-router.js";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { Invoker } from "../../invoke/index.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import type { AccessLogWriter } from "./access-log.js";
import { addApiRoutes, type ManagementDeps } from "./apis-api.js";
import { Authorize } from "./authorize.js";
import { addDefinitionRoutes } from "./definitions-api.js";
import { createHttpApiRoute } from "./http-api-route.js";
import { HttpApiService } from "./http-api-service.js";
import { JwksCache } from "./jwks.js";
import { addStageRoutes } from "./stages-api.js";
import { addRefusedRoutes, addTagRoutes } from "./tags-api.js";
import { Throttles } from "./token-bucket.js";

export interface HttpApisDeps {
  store: MetadataStore;
  invoker: Invoker;
  clock: Clock;
  scope: AccountScope;
  logger: Logger;
  /** Integration timeout when CreateIntegration gives none (`gateway.integrationTimeoutMs`, 30 s). */
  integrationTimeoutMs: number;
  /** Largest event sent to a function (`functions.maxSyncPayloadBytes`). */
  maxPayloadBytes: number;
  /** Where stages' access log lines go (the log sink's `append`). */
  accessLog: AccessLogWriter;
}

export interface HttpApis {
  service: HttpApiService;
  /** The management API (`/v2/...`), for a RestService with signing name `apigateway`. */
  router: RestRouter;
  /** The data plane, for the front door's `trafficRoutes`. */
  route: TrafficRoute;
}

/** HTTP APIs (API Gateway v2): the management API and the data plane, wired from the server's instances. */
export function createHttpApis(deps: HttpApisDeps): HttpApis {
  const service = new HttpApiService(deps.store, deps.clock);
  const throttles = new Throttles(deps.clock);
  const authorize = new Authorize({
    invoker: deps.invoker,
    clock: deps.clock,
    jwks: new JwksCache(deps.clock),
    logger: deps.logger,
  });
  const management: ManagementDeps = {
    service,
    clock: deps.clock,
    defaultTimeoutMs: deps.integrationTimeoutMs,
    onChange: (apiId) => {
      // New limits or authorizers take effect at once: drop buckets and cached authorizer results.
      throttles.forget(`${apiId}/`);
      authorize.forget(apiId);
    },
  };
  const router = new RestRouter();
  addApiRoutes(router, management);
  addDefinitionRoutes(router, management);
  addStageRoutes(router, management);
  addTagRoutes(router, management);
  addRefusedRoutes(router);
  const route = createHttpApiRoute({
    service,
    authorize,
    throttles,
    scope: deps.scope,
    accessLog: deps.accessLog,
    logger: deps.logger,
    clock: deps.clock,
    invoker: deps.invoker,
    maxPayloadBytes: deps.maxPayloadBytes,
  });
  return { service, router, route };
}
