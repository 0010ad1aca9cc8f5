import type { TrafficRoute } from "../../aws/front-door.js";
import { RestRouter } from "../../aws/rest-router.js";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { Invoker } from "../../invoke/index.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import type { AccessLogWriter } from "./access-log.js";
import { AuthorizerRunner } from "./authorizer-runner.js";
import type { ServiceApis } from "./aws-service-call.js";
import { addGatewayResponseRoutes } from "./gateway-response-api.js";
import type { IamAuthSettings } from "./iam-auth.js";
import { createFunctionCall } from "./integration-call.js";
import { KeyService } from "./key-service.js";
import { OpenApiImporter } from "./openapi-import.js";
import { addPatchRoutes } from "./patch-api.js";
import { addRequestValidatorRoutes } from "./request-validators.js";
import { addRestApiRoutes } from "./rest-api-api.js";
import { createRestApiRoute } from "./rest-api-route.js";
import { RestApiService } from "./rest-api-service.js";
import { RestApiStore } from "./rest-api-store.js";
import { addStageRoutes } from "./stage-api.js";
import { StageService } from "./stage-service.js";
import { addTestInvokeRoute } from "./test-invoke.js";
import { UsageMeter } from "./usage-meter.js";

export interface RestApisDeps {
  store: MetadataStore;
  invoker: Invoker;
  clock: Clock;
  scope: AccountScope;
  logger: Logger;
  /** Picks canary traffic (default Math.random). */
  random?: () => number;
  /** Receives the access log lines of stages with access log settings. */
  accessLog?: AccessLogWriter;
  /** The server's `auth` settings (AWS_IAM methods verify signatures when enabled). */
  auth: IamAuthSettings;
  /**
   * The services AWS integrations call (Step Functions, SQS, SNS), in-process. Late-bound: the
   * server builds its calls after the front door, which needs these routes first.
   */
  services?: () => ServiceApis;
}

export interface RestApis {
  /** The API Gateway v1 management API (signing name `apigateway`). */
  router: RestRouter;
  /** First path segments of the management API, for the front door's RestService. */
  pathPrefixes: string[];
  /** The data plane, for the front door's `trafficRoutes`. */
  route: TrafficRoute;
}

/** REST APIs (API Gateway v1): management API and data plane, wired from the server's instances. */
export function createRestApis(deps: RestApisDeps): RestApis {
  const store = new RestApiStore(deps.store);
  const meter = new UsageMeter(deps.clock);
  const call = createFunctionCall(deps.invoker, deps.clock);
  const router = new RestRouter();
  const apis = new RestApiService(store, deps.clock);
  const keys = new KeyService(store, meter, deps.clock);
  addRestApiRoutes(router, apis, new OpenApiImporter(store, deps.clock));
  addStageRoutes(router, new StageService(store, deps.clock), keys);
  addPatchRoutes(router, apis, keys);
  addGatewayResponseRoutes(router, apis);
  addRequestValidatorRoutes(router, apis);
  addTestInvokeRoute(router, apis, {
    call,
    clock: deps.clock,
    logger: deps.logger,
    scope: deps.scope,
    services: deps.services,
  });
  return {
    router,
    pathPrefixes: ["restapis", "apikeys", "usageplans"],
    route: createRestApiRoute({
      store,
      meter,
      call,
      clock: deps.clock,
      logger: deps.logger,
      scope: deps.scope,
      services: deps.services,
      authorizers: new AuthorizerRunner(call, deps.clock, deps.logger),
      random: deps.random ?? Math.random,
      accessLog: deps.accessLog,
      auth: deps.auth,
    }),
  };
}
