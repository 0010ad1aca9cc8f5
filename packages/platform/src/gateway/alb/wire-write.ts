import type { XmlObject, XmlValue } from "../../aws/query-protocol.js";
import type { LoadBalancerService } from "./load-balancer-service.js";
import {
  dnsName,
  type ListenerRecord,
  type LoadBalancerRecord,
  type RuleAction,
  type RuleCondition,
  type TargetGroupRecord,
} from "./model.js";
import type { TargetGroupService } from "./target-group-service.js";

/** The hosted zone id AWS gives application load balancers of us-east-1 (shown, never used). */
const HOSTED_ZONE_ID = "Z35SXDOTRQ7X7K";

function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** A `LoadBalancer` structure. */
export function loadBalancerXml(lbs: LoadBalancerService, lb: LoadBalancerRecord): XmlObject {
  return {
    LoadBalancerArn: lbs.arn(lb),
    DNSName: dnsName(lb),
    CanonicalHostedZoneId: HOSTED_ZONE_ID,
    CreatedTime: isoTime(lb.createdAt),
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: "vpc-nimbus",
    State: { Code: "active" },
    Type: "application",
    AvailabilityZones: {
      member: lb.subnets.map((subnet) => ({ SubnetId: subnet, ZoneName: "local" })),
    },
    SecurityGroups: { member: lb.securityGroups },
    IpAddressType: lb.ipAddressType,
  };
}

/** A `TargetGroup` structure (Lambda groups have no protocol, port or VPC). */
export function targetGroupXml(
  tgs: TargetGroupService,
  lbs: LoadBalancerService,
  tg: TargetGroupRecord,
): XmlObject {
  return {
    TargetGroupArn: tgs.arn(tg),
    TargetGroupName: tg.name,
    HealthCheckEnabled: tg.healthCheckEnabled,
    HealthCheckIntervalSeconds: tg.healthCheckIntervalSeconds,
    HealthCheckTimeoutSeconds: tg.healthCheckTimeoutSeconds,
    HealthyThresholdCount: tg.healthyThresholdCount,
    UnhealthyThresholdCount: tg.unhealthyThresholdCount,
    HealthCheckPath: tg.healthCheckPath,
    Matcher: { HttpCode: tg.matcher },
    LoadBalancerArns: { member: tgs.loadBalancersOf(tg).map((lb) => lbs.arn(lb)) },
    TargetType: "lambda",
  };
}

/** A `Listener` structure. */
export function listenerXml(
  lbs: LoadBalancerService,
  lb: LoadBalancerRecord,
  listener: ListenerRecord,
): XmlObject {
  return {
    ListenerArn: lbs.listenerArn(lb, listener),
    LoadBalancerArn: lbs.arn(lb),
    Port: listener.port,
    Protocol: listener.protocol,
    DefaultActions: actionsXml(listener.defaultActions),
  };
}

/** A `Rule` structure; the default rule has priority `default` and no conditions. */
export function ruleXml(
  lbs: LoadBalancerService,
  lb: LoadBalancerRecord,
  listener: ListenerRecord,
  rule: { ruleId: string; priority?: number; conditions: RuleCondition[]; actions: RuleAction[] },
): XmlObject {
  return {
    RuleArn: lbs.ruleArn(lb, listener, rule.ruleId),
    Priority: rule.priority === undefined ? "default" : String(rule.priority),
    Conditions: { member: rule.conditions.map(conditionXml) },
    Actions: actionsXml(rule.actions),
    IsDefault: rule.priority === undefined,
  };
}

/** The rules of a listener as DescribeRules lists them: by priority, the default rule last. */
export function listenerRulesXml(
  lbs: LoadBalancerService,
  lb: LoadBalancerRecord,
  listener: ListenerRecord,
): XmlObject[] {
  const rules = [...listener.rules]
    .sort((a, b) => a.priority - b.priority)
    .map((r) => ruleXml(lbs, lb, listener, r));
  rules.push(
    ruleXml(lbs, lb, listener, {
      ruleId: listener.defaultRuleId,
      conditions: [],
      actions: listener.defaultActions,
    }),
  );
  return rules;
}

function actionsXml(actions: RuleAction[]): XmlValue {
  return { member: actions.map((action, i) => actionXml(action, i + 1)) };
}

function actionXml(action: RuleAction, order: number): XmlObject {
  switch (action.type) {
    case "forward": {
      const single = action.targetGroups.length === 1 ? action.targetGroups[0]?.arn : undefined;
      return {
        Type: "forward",
        TargetGroupArn: single,
        Order: order,
        ForwardConfig: {
          TargetGroups: {
            member: action.targetGroups.map((g) => ({ TargetGroupArn: g.arn, Weight: g.weight })),
          },
          TargetGroupStickinessConfig: { Enabled: false },
        },
      };
    }
    case "fixed-response":
      return {
        Type: "fixed-response",
        Order: order,
        FixedResponseConfig: {
          MessageBody: action.messageBody,
          StatusCode: action.statusCode,
          ContentType: action.contentType,
        },
      };
    case "redirect":
      return {
        Type: "redirect",
        Order: order,
        RedirectConfig: {
          Protocol: action.protocol ?? "#{protocol}",
          Port: action.port ?? "#{port}",
          Host: action.host ?? "#{host}",
          Path: action.path ?? "/#{path}",
          Query: action.query ?? "#{query}",
          StatusCode: action.statusCode,
        },
      };
  }
}

function conditionXml(c: RuleCondition): XmlObject {
  const values = { Values: { member: c.values } };
  switch (c.field) {
    case "path-pattern":
      return { Field: c.field, Values: { member: c.values }, PathPatternConfig: values };
    case "host-header":
      return { Field: c.field, Values: { member: c.values }, HostHeaderConfig: values };
    case "http-request-method":
      return { Field: c.field, HttpRequestMethodConfig: values };
    case "source-ip":
      return { Field: c.field, SourceIpConfig: values };
    case "http-header":
      return {
        Field: c.field,
        HttpHeaderConfig: { HttpHeaderName: c.headerName, Values: { member: c.values } },
      };
    case "query-string":
      return {
        Field: c.field,
        QueryStringConfig: {
          Values: { member: (c.queryValues ?? []).map((kv) => ({ Key: kv.key, Value: kv.value })) },
        },
      };
  }
}
