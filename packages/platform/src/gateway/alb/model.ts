import { randomBytes } from "node:crypto";
import type { AccountScope } from "../../core/arn.js";

/** Load balancers, each with its listeners and their rules (one document, keyed by name). */
export const LOAD_BALANCER_KIND = "elbv2-load-balancer";
/** Target groups (keyed by name). */
export const TARGET_GROUP_KIND = "elbv2-target-group";

/** The attribute that switches a Lambda target group's event to multi-value maps. */
export const MULTI_VALUE_HEADERS = "lambda.multi_value_headers.enabled";

/** The condition kinds of a rule (ELBv2's `Field`). */
export type ConditionField =
  | "path-pattern"
  | "host-header"
  | "http-header"
  | "query-string"
  | "http-request-method"
  | "source-ip";

export interface RuleCondition {
  field: ConditionField;
  /** Patterns (path, host, header value, method, CIDR), or `key=value` pairs for query-string. */
  values: string[];
  /** The header a `http-header` condition reads. */
  headerName?: string;
  /** The pairs of a `query-string` condition (a missing key matches any key). */
  queryValues?: { key?: string; value: string }[];
}

export interface ForwardAction {
  type: "forward";
  targetGroups: { arn: string; weight: number }[];
}
export interface FixedResponseAction {
  type: "fixed-response";
  statusCode: string;
  contentType?: string;
  messageBody?: string;
}
export interface RedirectAction {
  type: "redirect";
  statusCode: "HTTP_301" | "HTTP_302";
  protocol?: string;
  port?: string;
  host?: string;
  path?: string;
  query?: string;
}
export type RuleAction = ForwardAction | FixedResponseAction | RedirectAction;

/** Tags of a resource (AddTags / DescribeTags). */
export type Tags = Record<string, string>;

export interface RuleRecord {
  ruleId: string;
  tags?: Tags;
  priority: number;
  conditions: RuleCondition[];
  actions: RuleAction[];
}

export interface ListenerRecord {
  listenerId: string;
  /** Id of the listener's default rule (DescribeRules lists it with priority `default`). */
  defaultRuleId: string;
  tags?: Tags;
  defaultRuleTags?: Tags;
  port: number;
  protocol: "HTTP";
  defaultActions: RuleAction[];
  rules: RuleRecord[];
}

export interface LoadBalancerRecord {
  name: string;
  tags?: Tags;
  id: string;
  scheme: string;
  ipAddressType: string;
  subnets: string[];
  securityGroups: string[];
  createdAt: number;
  listeners: ListenerRecord[];
}

export interface TargetGroupRecord {
  name: string;
  tags?: Tags;
  id: string;
  createdAt: number;
  healthCheckEnabled: boolean;
  healthCheckPath: string;
  healthCheckIntervalSeconds: number;
  healthCheckTimeoutSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;
  matcher: string;
  attributes: Record<string, string>;
  /** The registered function (a Lambda target group holds at most one). */
  target?: string;
}

/** 16 hex digits, the id part of ELBv2 ARNs. */
export function newElbId(): string {
  return randomBytes(8).toString("hex");
}

function prefix(scope: AccountScope): string {
  return `arn:aws:elasticloadbalancing:${scope.region}:${scope.accountId}:`;
}

export function loadBalancerArn(scope: AccountScope, lb: { name: string; id: string }): string {
  return `${prefix(scope)}loadbalancer/app/${lb.name}/${lb.id}`;
}

export function listenerArn(
  scope: AccountScope,
  lb: { name: string; id: string },
  listenerId: string,
): string {
  return `${prefix(scope)}listener/app/${lb.name}/${lb.id}/${listenerId}`;
}

export function ruleArn(
  scope: AccountScope,
  lb: { name: string; id: string },
  listenerId: string,
  ruleId: string,
): string {
  return `${prefix(scope)}listener-rule/app/${lb.name}/${lb.id}/${listenerId}/${ruleId}`;
}

export function targetGroupArn(scope: AccountScope, tg: { name: string; id: string }): string {
  return `${prefix(scope)}targetgroup/${tg.name}/${tg.id}`;
}

/** The parts of an ELBv2 ARN of this account and region (undefined when it is not one). */
export function parseElbArn(
  scope: AccountScope,
  arn: string,
): { resource: string; parts: string[] } | undefined {
  if (!arn.startsWith(prefix(scope))) return undefined;
  const [resource, ...parts] = arn.slice(prefix(scope).length).split("/");
  if (resource === undefined) return undefined;
  // Application load balancer resources carry `app/` after the resource type.
  if (resource !== "targetgroup") {
    if (parts.shift() !== "app") return undefined;
  }
  return { resource, parts };
}

/** The `<name>-<id>.elb.localhost` DNS name: its first label, which the data plane matches. */
export function dnsLabel(lb: { name: string; id: string }): string {
  return `${lb.name}-${lb.id.slice(0, 10)}`.toLowerCase();
}

export function dnsName(lb: { name: string; id: string }): string {
  return `${dnsLabel(lb)}.elb.localhost`;
}
