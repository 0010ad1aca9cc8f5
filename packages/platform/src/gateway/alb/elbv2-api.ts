import type { QueryOperation, QueryParams, QueryService, XmlValue } from "../../aws/query-protocol.js";
import { albError } from "./errors.js";
import type { LoadBalancerService } from "./load-balancer-service.js";
import {
  type ListenerRecord,
  type LoadBalancerRecord,
  MULTI_VALUE_HEADERS,
  type RuleAction,
  type Tags,
} from "./model.js";
import { readTags, type TagService } from "./tags.js";
import type { TargetGroupService } from "./target-group-service.js";
import { readActions, readConditions, readPriority } from "./wire-read.js";
import { listenerRulesXml, listenerXml, loadBalancerXml, ruleXml, targetGroupXml } from "./wire-write.js";

export const ELBV2_XML_NAMESPACE = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

/**
 * The ELBv2 API subset (awsQuery, version 2015-12-01) for application load balancers with
 * Lambda targets: wire names in, XML result values out. Members Nimbus cannot apply
 * (certificates, subnet mappings, transforms) are refused by name.
 */
export function createElbv2Api(
  lbs: LoadBalancerService,
  tgs: TargetGroupService,
  tags: TagService,
): QueryService {
  /** Tags given on a Create operation, stored once the resource exists. */
  const tagNew = async (arn: string, given: Tags) => {
    if (Object.keys(given).length > 0) await tags.update(arn, (t) => Object.assign(t, given));
  };
  const operations: Record<string, QueryOperation> = {
    CreateLoadBalancer: async (p) => {
      refuse(p, ["SubnetMappings", "CustomerOwnedIpv4Pool", "EnablePrefixForIpv6SourceNat", "IpamPools"]);
      const given = readTags(p);
      const lb = await lbs.create({
        name: p.get("Name"),
        type: p.get("Type"),
        scheme: p.get("Scheme"),
        ipAddressType: p.get("IpAddressType"),
        subnets: p.list("Subnets"),
        securityGroups: p.list("SecurityGroups"),
      });
      await tagNew(lbs.arn(lb), given);
      return { LoadBalancers: { member: [loadBalancerXml(lbs, lb)] } };
    },
    DescribeLoadBalancers: async (p) => {
      const page = paginate(p, await lbs.describe(p.list("LoadBalancerArns"), p.list("Names")));
      return {
        LoadBalancers: { member: page.items.map((lb) => loadBalancerXml(lbs, lb)) },
        NextMarker: page.next,
      };
    },
    DeleteLoadBalancer: async (p) => {
      await lbs.delete(p.get("LoadBalancerArn"));
      return {};
    },
    CreateTargetGroup: async (p) => {
      const given = readTags(p);
      const tg = await tgs.create({
        name: p.get("Name"),
        targetType: p.get("TargetType"),
        refusedMembers: [
          "Protocol",
          "ProtocolVersion",
          "Port",
          "VpcId",
          "HealthCheckProtocol",
          "HealthCheckPort",
        ].filter((name) => p.has(name)),
        ...optional("healthCheckEnabled", p.get("HealthCheckEnabled"), (v) => v === "true"),
        ...optional("healthCheckPath", p.get("HealthCheckPath"), (v) => v),
        ...optional("healthCheckIntervalSeconds", p.get("HealthCheckIntervalSeconds"), Number),
        ...optional("healthCheckTimeoutSeconds", p.get("HealthCheckTimeoutSeconds"), Number),
        ...optional("healthyThresholdCount", p.get("HealthyThresholdCount"), Number),
        ...optional("unhealthyThresholdCount", p.get("UnhealthyThresholdCount"), Number),
        ...optional("matcher", p.get("Matcher.HttpCode"), (v) => v),
      });
      await tagNew(tgs.arn(tg), given);
      return { TargetGroups: { member: [targetGroupXml(tgs, lbs, tg)] } };
    },
    DescribeTargetGroups: async (p) => {
      const lbArn = p.get("LoadBalancerArn");
      const found = await tgs.describe({
        arns: p.list("TargetGroupArns"),
        names: p.list("Names"),
        ...(lbArn !== undefined ? { loadBalancer: await lbs.get(lbArn) } : {}),
      });
      const page = paginate(p, found);
      return {
        TargetGroups: { member: page.items.map((tg) => targetGroupXml(tgs, lbs, tg)) },
        NextMarker: page.next,
      };
    },
    DeleteTargetGroup: async (p) => {
      await tgs.delete(p.get("TargetGroupArn"));
      return {};
    },
    DescribeTargetGroupAttributes: async (p) => ({
      Attributes: attributesXml((await tgs.get(p.get("TargetGroupArn"))).attributes),
    }),
    ModifyTargetGroupAttributes: async (p) => {
      const attributes: Record<string, string> = {};
      for (const a of p.structList("Attributes")) {
        const key = a.get("Key");
        if (key === undefined) throw albError.validation("An attribute Key must be specified");
        attributes[key] = a.get("Value") ?? "";
      }
      if (Object.keys(attributes).length === 0)
        throw albError.validation("Attributes must contain at least one attribute");
      const tg = await tgs.modifyAttributes(p.get("TargetGroupArn"), attributes);
      return { Attributes: attributesXml(tg.attributes) };
    },
    RegisterTargets: async (p) => {
      await tgs.register(p.get("TargetGroupArn"), targetsOf(p));
      return {};
    },
    DeregisterTargets: async (p) => {
      await tgs.deregister(p.get("TargetGroupArn"), targetsOf(p));
      return {};
    },
    DescribeTargetHealth: async (p) => {
      const tg = await tgs.get(p.get("TargetGroupArn"));
      const asked = p.structList("Targets").map((t) => t.get("Id") ?? "");
      const ids = asked.length > 0 ? asked : tg.target !== undefined ? [tg.target] : [];
      const inUse = tgs.loadBalancersOf(tg).length > 0;
      return {
        TargetHealthDescriptions: {
          member: ids.map((id) => ({
            Target: { Id: id },
            TargetHealth:
              id !== tg.target
                ? {
                    State: "unused",
                    Reason: "Target.NotRegistered",
                    Description: "Target is not registered to the target group",
                  }
                : inUse
                  ? {
                      State: "unavailable",
                      Reason: "Target.HealthCheckDisabled",
                      Description: "Health checks are disabled",
                    }
                  : {
                      State: "unused",
                      Reason: "Target.NotInUse",
                      Description: "Target group is not configured to receive traffic from the load balancer",
                    },
          })),
        },
      };
    },
    CreateListener: async (p) => {
      refuse(p, ["Certificates", "SslPolicy", "AlpnPolicy", "MutualAuthentication"]);
      const given = readTags(p);
      const { lb, listener } = await lbs.createListener(p.get("LoadBalancerArn"), {
        port: Number(p.get("Port") ?? Number.NaN),
        protocol: p.get("Protocol"),
        defaultActions: readActions(p, "DefaultActions"),
      });
      await tagNew(lbs.listenerArn(lb, listener), given);
      return { Listeners: { member: [listenerXml(lbs, lb, listener)] } };
    },
    DescribeListeners: async (p) => {
      const arns = p.list("ListenerArns");
      let found: { lb: LoadBalancerRecord; listener: ListenerRecord }[];
      if (arns.length > 0) found = await Promise.all(arns.map((arn) => lbs.locate(arn, "listener")));
      else {
        const lb = await lbs.get(p.get("LoadBalancerArn"));
        found = [...lb.listeners].sort((a, b) => a.port - b.port).map((listener) => ({ lb, listener }));
      }
      const page = paginate(p, found);
      return {
        Listeners: { member: page.items.map((f) => listenerXml(lbs, f.lb, f.listener)) },
        NextMarker: page.next,
      };
    },
    ModifyListener: async (p) => {
      refuse(p, ["Certificates", "SslPolicy", "AlpnPolicy", "MutualAuthentication"]);
      const port = p.get("Port");
      const protocol = p.get("Protocol");
      const { lb, listener } = await lbs.modifyListener(p.get("ListenerArn"), {
        ...(port !== undefined ? { port: Number(port) } : {}),
        ...(protocol !== undefined ? { protocol } : {}),
        ...(p.structList("DefaultActions").length > 0
          ? { defaultActions: readActions(p, "DefaultActions") }
          : {}),
      });
      return { Listeners: { member: [listenerXml(lbs, lb, listener)] } };
    },
    DeleteListener: async (p) => {
      await lbs.deleteListener(p.get("ListenerArn"));
      return {};
    },
    CreateRule: async (p) => {
      refuse(p, ["Transforms"]);
      const given = readTags(p);
      const { lb, listener, rule } = await lbs.createRule(p.get("ListenerArn"), {
        priority: readPriority(p.get("Priority")),
        conditions: readConditions(p),
        actions: readActions(p, "Actions"),
      });
      await tagNew(lbs.ruleArn(lb, listener, rule.ruleId), given);
      return { Rules: { member: [ruleXml(lbs, lb, listener, rule)] } };
    },
    DescribeRules: async (p) => {
      const arns = p.list("RuleArns");
      let rules: XmlValue[];
      if (arns.length > 0) {
        rules = [];
        for (const arn of arns) {
          const { lb, listener, rule } = await lbs.locate(arn, "listener-rule");
          rules.push(ruleXml(lbs, lb, listener, rule ?? defaultRule(listener)));
        }
      } else {
        const { lb, listener } = await lbs.locate(p.get("ListenerArn"), "listener");
        rules = listenerRulesXml(lbs, lb, listener);
      }
      const page = paginate(p, rules);
      return { Rules: { member: page.items }, NextMarker: page.next };
    },
    ModifyRule: async (p) => {
      refuse(p, ["Transforms", "ResetTransforms"]);
      const conditions = p.structList("Conditions").length > 0 ? readConditions(p) : undefined;
      const actions = p.structList("Actions").length > 0 ? readActions(p, "Actions") : undefined;
      const { lb, listener, rule } = await lbs.modifyRule(p.get("RuleArn"), {
        ...(conditions ? { conditions } : {}),
        ...(actions ? { actions } : {}),
      });
      return { Rules: { member: [ruleXml(lbs, lb, listener, rule ?? defaultRule(listener))] } };
    },
    DeleteRule: async (p) => {
      await lbs.deleteRule(p.get("RuleArn"));
      return {};
    },
    AddTags: async (p) => {
      const given = readTags(p);
      if (Object.keys(given).length === 0) throw albError.validation("Tags must contain at least one tag");
      for (const arn of resourceArns(p)) await tags.update(arn, (t) => Object.assign(t, given));
      return {};
    },
    RemoveTags: async (p) => {
      const keys = p.list("TagKeys");
      if (keys.length === 0) throw albError.validation("TagKeys must contain at least one key");
      for (const arn of resourceArns(p))
        await tags.update(arn, (t) => {
          for (const key of keys) delete t[key];
        });
      return {};
    },
    DescribeTags: async (p) => {
      const descriptions: XmlValue[] = [];
      for (const arn of resourceArns(p)) {
        const found = await tags.describe(arn);
        descriptions.push({
          ResourceArn: arn,
          Tags: { member: Object.entries(found).map(([Key, Value]) => ({ Key, Value })) },
        });
      }
      return { TagDescriptions: { member: descriptions } };
    },
    SetRulePriorities: async (p) => {
      const changes = p
        .structList("RulePriorities")
        .map((c) => ({ arn: c.get("RuleArn"), priority: readPriority(c.get("Priority")) }));
      const located = await lbs.setPriorities(changes);
      return {
        Rules: {
          member: located.map((l) => ruleXml(lbs, l.lb, l.listener, l.rule ?? defaultRule(l.listener))),
        },
      };
    },
  };
  return {
    signingName: "elasticloadbalancing",
    version: "2015-12-01",
    xmlNamespace: ELBV2_XML_NAMESPACE,
    operations,
  };
}

function defaultRule(listener: { defaultRuleId: string; defaultActions: RuleAction[] }) {
  return { ruleId: listener.defaultRuleId, conditions: [], actions: listener.defaultActions };
}

/** Members Nimbus cannot apply, refused by name when given. */
function refuse(p: QueryParams, names: string[]): void {
  for (const name of names)
    for (const key of p.fields.keys())
      if (key === name || key.startsWith(`${name}.`)) throw albError.unsupported(name);
}

function optional<K extends string, T>(key: K, value: string | undefined, read: (v: string) => T) {
  if (value === undefined) return {};
  const parsed = read(value);
  if (typeof parsed === "number" && !Number.isInteger(parsed))
    throw albError.validation(`'${value}' is not a valid value for ${key}`);
  return { [key]: parsed } as { [P in K]: T };
}

/** `ResourceArns`: 1-20 ARNs. */
function resourceArns(p: QueryParams): string[] {
  const arns = p.list("ResourceArns");
  if (arns.length === 0 || arns.length > 20)
    throw albError.validation("ResourceArns must contain 1 to 20 ARNs");
  return arns;
}

function targetsOf(p: QueryParams): { id?: string; port?: string }[] {
  return p.structList("Targets").map((t) => {
    const id = t.get("Id");
    const port = t.get("Port");
    return { ...(id !== undefined ? { id } : {}), ...(port !== undefined ? { port } : {}) };
  });
}

function attributesXml(attributes: Record<string, string>): XmlValue {
  const keys = Object.keys(attributes).length > 0 ? attributes : { [MULTI_VALUE_HEADERS]: "false" };
  return { member: Object.entries(keys).map(([Key, Value]) => ({ Key, Value })) };
}

/** `Marker` / `PageSize` paging (the marker is the offset of the next item). */
function paginate<T>(p: QueryParams, items: T[]): { items: T[]; next: string | undefined } {
  const size = Number(p.get("PageSize") ?? "400");
  if (!Number.isInteger(size) || size < 1 || size > 400)
    throw albError.validation("PageSize must be between 1 and 400");
  const marker = p.get("Marker");
  const start = marker === undefined ? 0 : Number(marker);
  if (!Number.isInteger(start) || start < 0) throw albError.validation("The Marker is not valid");
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}
