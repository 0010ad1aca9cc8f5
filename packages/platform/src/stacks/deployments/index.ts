export { type AlarmRecord, LAMBDA_METRICS } from "./alarm-model.js";
export { createDeployments, type Deployments, type DeploymentsOptions } from "./create-deployments.js";
export { DEPLOYMENT_ERRORS } from "./errors.js";
export {
  PREDEFINED_LAMBDA_CONFIGS,
  type TrafficRouting,
  type TrafficStep,
  trafficDurationMs,
  trafficSteps,
} from "./traffic-routing.js";
