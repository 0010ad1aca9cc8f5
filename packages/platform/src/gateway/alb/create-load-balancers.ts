import type { TrafficRoute } from "../../aws/front-door.js";
import type { QueryService } from "../../aws/query-protocol.js";
import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { Invoker } from "../../invoke/index.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import { createAlbRoute } from "./alb-route.js";
import { ElbState } from "./elb-state.js";
import { createElbv2Api } from "./elbv2-api.js";
import { LoadBalancerService } from "./load-balancer-service.js";
import { TagService } from "./tags.js";
import { TargetGroupService } from "./target-group-service.js";

export interface LoadBalancersDeps {
  store: MetadataStore;
  invoker: Invoker;
  clock: Clock;
  scope: AccountScope;
  logger: Logger;
  /** Picks among weighted target groups of a forward action (default Math.random). */
  random?: () => number;
}

export interface LoadBalancers {
  /** The ELBv2 API (awsQuery, signing name `elasticloadbalancing`), for the front door's query services. */
  api: QueryService;
  /** The data plane (`<dns name>` Host or `/_nimbus/elb/<name>/...`), for the front door's traffic routes. */
  route: TrafficRoute;
}

/** Application load balancers with Lambda targets: the ELBv2 API subset and the data plane. */
export function createLoadBalancers(deps: LoadBalancersDeps): LoadBalancers {
  const state = new ElbState(deps.store);
  const targetGroups = new TargetGroupService(state, deps.scope, deps.clock);
  const loadBalancers = new LoadBalancerService(state, targetGroups, deps.scope, deps.clock);
  return {
    api: createElbv2Api(
      loadBalancers,
      targetGroups,
      new TagService(state, loadBalancers, targetGroups, deps.scope),
    ),
    route: createAlbRoute({
      state,
      loadBalancers,
      targetGroups,
      invoker: deps.invoker,
      clock: deps.clock,
      logger: deps.logger,
      random: deps.random ?? Math.random,
    }),
  };
}
