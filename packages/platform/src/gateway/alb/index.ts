export { ELB_PATH_PREFIX } from "./alb-route.js";
export { createLoadBalancers, type LoadBalancers, type LoadBalancersDeps } from "./create-load-balancers.js";
export { ALB_ERRORS } from "./errors.js";
