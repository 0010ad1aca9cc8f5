import { PlatformError } from "../../core/errors.js";

/**
 * Error codes of load balancers (the ELBv2 API subset and its data plane). `awsName` is the
 * awsQuery error code of ELBv2's model (`LoadBalancerNotFound`, `PriorityInUse`, ...), which the
 * SDK maps to the modeled exception (`LoadBalancerNotFoundException`, ...). `ValidationError` is
 * not modeled: the SDK raises it as a plain service exception named `ValidationError`.
 */
export const ALB_ERRORS = {
  notFound: "ERR_ALB_NOT_FOUND",
  duplicate: "ERR_ALB_DUPLICATE",
  validation: "ERR_ALB_VALIDATION",
  unsupported: "ERR_ALB_UNSUPPORTED",
  priorityInUse: "ERR_ALB_PRIORITY_IN_USE",
  resourceInUse: "ERR_ALB_RESOURCE_IN_USE",
  invalidTarget: "ERR_ALB_INVALID_TARGET",
  operationNotPermitted: "ERR_ALB_OPERATION_NOT_PERMITTED",
  tags: "ERR_ALB_TAGS",
} as const;

function error(code: string, awsName: string, message: string): PlatformError {
  return new PlatformError({ code, awsName, message, status: 400 });
}

/** Constructors for the ELBv2 errors, with AWS's messages. */
export const albError = {
  loadBalancerNotFound: () =>
    error(ALB_ERRORS.notFound, "LoadBalancerNotFound", "One or more load balancers not found"),
  targetGroupNotFound: () =>
    error(ALB_ERRORS.notFound, "TargetGroupNotFound", "One or more target groups not found"),
  listenerNotFound: () => error(ALB_ERRORS.notFound, "ListenerNotFound", "One or more listeners not found"),
  ruleNotFound: () => error(ALB_ERRORS.notFound, "RuleNotFound", "One or more rules not found"),
  duplicateLoadBalancer: () =>
    error(
      ALB_ERRORS.duplicate,
      "DuplicateLoadBalancerName",
      "A load balancer with the same name exists, but with different settings",
    ),
  duplicateTargetGroup: () =>
    error(ALB_ERRORS.duplicate, "DuplicateTargetGroupName", "A target group with the same name exists"),
  duplicateListener: () =>
    error(
      ALB_ERRORS.duplicate,
      "DuplicateListener",
      "A listener already exists on this port for this load balancer",
    ),
  /** `ValidationError`: a missing or malformed parameter. */
  validation: (message: string) => error(ALB_ERRORS.validation, "ValidationError", message),
  /** Something ELBv2 accepts that Nimbus cannot apply; the message names it. */
  unsupported: (what: string) =>
    error(ALB_ERRORS.unsupported, "ValidationError", `${what} is not supported by Nimbus`),
  priorityInUse: (priority: number) =>
    error(ALB_ERRORS.priorityInUse, "PriorityInUse", `Priority '${priority}' is currently in use`),
  resourceInUse: (message: string) => error(ALB_ERRORS.resourceInUse, "ResourceInUse", message),
  invalidTarget: (message: string) => error(ALB_ERRORS.invalidTarget, "InvalidTarget", message),
  tooManyTargets: () =>
    error(
      ALB_ERRORS.invalidTarget,
      "TooManyTargets",
      "A Lambda target group can have only one registered function",
    ),
  tooManyTags: () =>
    error(ALB_ERRORS.tags, "TooManyTags", "You've reached the limit on the number of tags for this resource"),
  duplicateTagKeys: (key: string) =>
    error(ALB_ERRORS.tags, "DuplicateTagKeys", `Tag key '${key}' is duplicated`),
  operationNotPermitted: (message: string) =>
    error(ALB_ERRORS.operationNotPermitted, "OperationNotPermitted", message),
};
