import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { ElbState } from "./elb-state.js";
import { albError } from "./errors.js";
import {
  type ListenerRecord,
  LOAD_BALANCER_KIND,
  type LoadBalancerRecord,
  listenerArn,
  loadBalancerArn,
  newElbId,
  parseElbArn,
  type RuleAction,
  type RuleCondition,
  type RuleRecord,
  ruleArn,
} from "./model.js";
import { NAME_PATTERN, type TargetGroupService } from "./target-group-service.js";

export interface LoadBalancerInput {
  name: string | undefined;
  type: string | undefined;
  scheme: string | undefined;
  ipAddressType: string | undefined;
  subnets: string[];
  securityGroups: string[];
}

/** A listener or rule found by ARN, with the load balancer that holds it. */
interface Located {
  lb: LoadBalancerRecord;
  listener: ListenerRecord;
  rule?: RuleRecord;
}

/** Application load balancers, their listeners and rules (one document per load balancer). */
export class LoadBalancerService {
  constructor(
    private readonly state: ElbState,
    private readonly targetGroups: TargetGroupService,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
  ) {}

  arn(lb: LoadBalancerRecord): string {
    return loadBalancerArn(this.scope, lb);
  }

  listenerArn(lb: LoadBalancerRecord, listener: ListenerRecord): string {
    return listenerArn(this.scope, lb, listener.listenerId);
  }

  ruleArn(lb: LoadBalancerRecord, listener: ListenerRecord, ruleId: string): string {
    return ruleArn(this.scope, lb, listener.listenerId, ruleId);
  }

  /** CreateLoadBalancer (Type application). The same name with the same settings answers the existing one. */
  create(input: LoadBalancerInput): Promise<LoadBalancerRecord> {
    const name = input.name ?? "";
    if (!NAME_PATTERN.test(name) || name.startsWith("internal-"))
      throw albError.validation(
        "Load balancer name must be 1-32 alphanumeric characters or hyphens, must not begin or end with a hyphen, and must not begin with 'internal-'",
      );
    if (input.type !== undefined && input.type !== "application")
      throw albError.unsupported(`Load balancer Type '${input.type}' (Nimbus serves only 'application')`);
    const scheme = input.scheme ?? "internet-facing";
    if (scheme !== "internet-facing" && scheme !== "internal")
      throw albError.validation(`Scheme '${scheme}' must be 'internet-facing' or 'internal'`);
    // Nimbus has no VPC, but an ALB needs subnets in two zones on AWS: templates stay portable.
    if (new Set(input.subnets).size < 2)
      throw albError.validation("At least two subnets in two different Availability Zones must be specified");
    const ipAddressType = input.ipAddressType ?? "ipv4";
    if (!["ipv4", "dualstack", "dualstack-without-public-ipv4"].includes(ipAddressType))
      throw albError.validation(`IpAddressType '${ipAddressType}' is not valid`);
    return this.state.change(() => {
      const existing = this.state.loadBalancer(name);
      if (existing) {
        const same =
          existing.scheme === scheme &&
          existing.subnets.join() === input.subnets.join() &&
          existing.securityGroups.join() === input.securityGroups.join();
        if (!same) throw albError.duplicateLoadBalancer();
        return { value: existing };
      }
      const lb: LoadBalancerRecord = {
        name,
        id: newElbId(),
        scheme,
        ipAddressType,
        subnets: input.subnets,
        securityGroups: input.securityGroups,
        createdAt: this.clock.now(),
        listeners: [],
      };
      return { puts: [{ kind: LOAD_BALANCER_KIND, value: lb }], value: lb };
    });
  }

  /** The load balancer an ARN names; LoadBalancerNotFound otherwise. */
  async get(arn: string | undefined): Promise<LoadBalancerRecord> {
    if (!arn) throw albError.validation("LoadBalancerArn must be specified");
    await this.state.load();
    const parsed = parseElbArn(this.scope, arn);
    const lb =
      parsed?.resource === "loadbalancer" ? this.state.loadBalancer(parsed.parts[0] ?? "") : undefined;
    if (!lb || lb.id !== parsed?.parts[1] || parsed.parts.length !== 2) throw albError.loadBalancerNotFound();
    return lb;
  }

  /** DescribeLoadBalancers: all (by name), or those named by ARN or name. */
  async describe(arns: string[], names: string[]): Promise<LoadBalancerRecord[]> {
    await this.state.load();
    if (arns.length > 0) return Promise.all(arns.map((arn) => this.get(arn)));
    if (names.length > 0)
      return names.map((name) => {
        const lb = this.state.loadBalancer(name);
        if (!lb) throw albError.loadBalancerNotFound();
        return lb;
      });
    return this.state.loadBalancers().sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The load balancer by name (the data plane's lookup; call `state.load` first). */
  byName(name: string): LoadBalancerRecord | undefined {
    return this.state.loadBalancer(name);
  }

  /** The load balancer whose name is `name` in any case (DNS names are lower-case). */
  byNameInsensitive(name: string): LoadBalancerRecord | undefined {
    const lower = name.toLowerCase();
    return this.state.loadBalancers().find((lb) => lb.name.toLowerCase() === lower);
  }

  /** DeleteLoadBalancer, with its listeners and rules. A missing one succeeds, as on AWS. */
  async delete(arn: string | undefined): Promise<void> {
    let lb: LoadBalancerRecord;
    try {
      lb = await this.get(arn);
    } catch (error) {
      if ((error as { awsName?: string }).awsName === "LoadBalancerNotFound") return;
      throw error;
    }
    await this.state.change(() => ({
      deletes: [{ kind: LOAD_BALANCER_KIND, name: lb.name }],
      value: undefined,
    }));
  }

  /** CreateListener (HTTP). DuplicateListener when the port is taken. */
  async createListener(
    lbArn: string | undefined,
    input: { port: number; protocol: string | undefined; defaultActions: RuleAction[] },
  ): Promise<{ lb: LoadBalancerRecord; listener: ListenerRecord }> {
    const lb = await this.get(lbArn);
    const protocol = input.protocol ?? "HTTP";
    if (protocol === "HTTPS") throw albError.unsupported("Protocol HTTPS (certificates)");
    if (protocol !== "HTTP")
      throw albError.validation(`Protocol '${protocol}' is not valid for an application load balancer`);
    if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535)
      throw albError.validation("Port must be between 1 and 65535");
    await this.checkActions(input.defaultActions);
    return this.edit(lb, (copy) => {
      if (copy.listeners.some((l) => l.port === input.port)) throw albError.duplicateListener();
      const listener: ListenerRecord = {
        listenerId: newElbId(),
        defaultRuleId: newElbId(),
        port: input.port,
        protocol: "HTTP",
        defaultActions: input.defaultActions,
        rules: [],
      };
      copy.listeners.push(listener);
      return { lb: copy, listener };
    });
  }

  /** ModifyListener: a new port (DuplicateListener when taken) and/or default actions. */
  async modifyListener(
    arn: string | undefined,
    input: { port?: number; protocol?: string; defaultActions?: RuleAction[] },
  ): Promise<{ lb: LoadBalancerRecord; listener: ListenerRecord }> {
    const { lb, listener } = await this.locate(arn, "listener");
    if (input.protocol === "HTTPS") throw albError.unsupported("Protocol HTTPS (certificates)");
    if (input.protocol !== undefined && input.protocol !== "HTTP")
      throw albError.validation(`Protocol '${input.protocol}' is not valid for an application load balancer`);
    const port = input.port;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
      throw albError.validation("Port must be between 1 and 65535");
    if (input.defaultActions) await this.checkActions(input.defaultActions);
    return this.edit(lb, (copy) => {
      const target = this.listenerIn(copy, listener.listenerId);
      if (port !== undefined && port !== target.port) {
        if (copy.listeners.some((l) => l.port === port)) throw albError.duplicateListener();
        target.port = port;
      }
      if (input.defaultActions) target.defaultActions = input.defaultActions;
      return { lb: copy, listener: target };
    });
  }

  /** The listener (and rule) an ARN names; ListenerNotFound / RuleNotFound otherwise. */
  async locate(arn: string | undefined, kind: "listener" | "listener-rule"): Promise<Located> {
    const notFound = kind === "listener" ? albError.listenerNotFound : albError.ruleNotFound;
    if (!arn)
      throw albError.validation(`${kind === "listener" ? "ListenerArn" : "RuleArn"} must be specified`);
    await this.state.load();
    const parsed = parseElbArn(this.scope, arn);
    if (parsed?.resource !== kind) throw notFound();
    const [name, id, listenerId, ruleId] = parsed.parts;
    const lb = this.state.loadBalancer(name ?? "");
    const listener = lb?.id === id ? lb?.listeners.find((l) => l.listenerId === listenerId) : undefined;
    if (!lb || !listener) throw notFound();
    if (kind === "listener") return { lb, listener };
    if (ruleId === listener.defaultRuleId) return { lb, listener };
    const rule = listener.rules.find((r) => r.ruleId === ruleId);
    if (!rule) throw notFound();
    return { lb, listener, rule };
  }

  /** DeleteListener, with its rules. */
  async deleteListener(arn: string | undefined): Promise<void> {
    const { lb, listener } = await this.locate(arn, "listener");
    await this.edit(lb, (copy) => {
      copy.listeners = copy.listeners.filter((l) => l.listenerId !== listener.listenerId);
    });
  }

  /** CreateRule: PriorityInUse when the listener has a rule of that priority. */
  async createRule(
    listenerArnValue: string | undefined,
    input: { priority: number; conditions: RuleCondition[]; actions: RuleAction[] },
  ): Promise<Located & { rule: RuleRecord }> {
    const { lb, listener } = await this.locate(listenerArnValue, "listener");
    if (input.conditions.length === 0) throw albError.validation("A rule must have at least one condition");
    await this.checkActions(input.actions);
    const rule: RuleRecord = { ruleId: newElbId(), ...input };
    const copy = await this.edit(lb, (draft) => {
      const target = this.listenerIn(draft, listener.listenerId);
      if (target.rules.some((r) => r.priority === input.priority))
        throw albError.priorityInUse(input.priority);
      if (target.rules.length >= 100)
        throw albError.validation("TooManyRules: a listener can have at most 100 rules");
      target.rules.push(rule);
      return draft;
    });
    return { lb: copy, listener: this.listenerIn(copy, listener.listenerId), rule };
  }

  /** ModifyRule: new conditions and/or actions; the default rule takes actions only. */
  async modifyRule(
    arn: string | undefined,
    input: { conditions?: RuleCondition[]; actions?: RuleAction[] },
  ): Promise<Located> {
    const { lb, listener, rule } = await this.locate(arn, "listener-rule");
    if (!rule && input.conditions !== undefined)
      throw albError.operationNotPermitted("The conditions of a default rule cannot be modified");
    if (input.conditions !== undefined && input.conditions.length === 0)
      throw albError.validation("A rule must have at least one condition");
    if (input.actions) await this.checkActions(input.actions);
    const copy = await this.edit(lb, (draft) => {
      const target = this.listenerIn(draft, listener.listenerId);
      if (!rule) {
        if (input.actions) target.defaultActions = input.actions;
        return draft;
      }
      const found = target.rules.find((r) => r.ruleId === rule.ruleId);
      if (!found) throw albError.ruleNotFound();
      if (input.conditions) found.conditions = input.conditions;
      if (input.actions) found.actions = input.actions;
      return draft;
    });
    const updated = this.listenerIn(copy, listener.listenerId);
    const updatedRule = rule ? updated.rules.find((r) => r.ruleId === rule.ruleId) : undefined;
    return { lb: copy, listener: updated, ...(updatedRule ? { rule: updatedRule } : {}) };
  }

  /** DeleteRule: the default rule cannot be deleted. */
  async deleteRule(arn: string | undefined): Promise<void> {
    const { lb, listener, rule } = await this.locate(arn, "listener-rule");
    if (!rule) throw albError.operationNotPermitted("A default rule cannot be deleted");
    await this.edit(lb, (draft) => {
      const target = this.listenerIn(draft, listener.listenerId);
      target.rules = target.rules.filter((r) => r.ruleId !== rule.ruleId);
    });
  }

  /** SetRulePriorities: all changes of one listener at once, checked for clashes after the change. */
  async setPriorities(changes: { arn: string | undefined; priority: number }[]): Promise<Located[]> {
    if (changes.length === 0) throw albError.validation("RulePriorities must contain at least one rule");
    const located = await Promise.all(changes.map((c) => this.locate(c.arn, "listener-rule")));
    const first = located[0] as Located;
    for (const l of located) {
      if (!l.rule) throw albError.operationNotPermitted("The priority of a default rule cannot be changed");
      if (l.lb.name !== first.lb.name || l.listener.listenerId !== first.listener.listenerId)
        throw albError.validation("The rules must all belong to the same listener");
    }
    const copy = await this.edit(first.lb, (draft) => {
      const target = this.listenerIn(draft, first.listener.listenerId);
      changes.forEach((change, i) => {
        const rule = target.rules.find((r) => r.ruleId === located[i]?.rule?.ruleId);
        if (!rule) throw albError.ruleNotFound();
        rule.priority = change.priority;
      });
      const seen = new Set<number>();
      for (const rule of target.rules) {
        if (seen.has(rule.priority)) throw albError.priorityInUse(rule.priority);
        seen.add(rule.priority);
      }
      return draft;
    });
    const listener = this.listenerIn(copy, first.listener.listenerId);
    return located.map((l) => ({
      lb: copy,
      listener,
      rule: listener.rules.find((r) => r.ruleId === l.rule?.ruleId) as RuleRecord,
    }));
  }

  /** Forward actions must name existing target groups. */
  private async checkActions(actions: RuleAction[]): Promise<void> {
    for (const action of actions)
      if (action.type === "forward") for (const g of action.targetGroups) await this.targetGroups.get(g.arn);
  }

  private listenerIn(lb: LoadBalancerRecord, listenerId: string): ListenerRecord {
    const listener = lb.listeners.find((l) => l.listenerId === listenerId);
    if (!listener) throw albError.listenerNotFound();
    return listener;
  }

  /** Applies `edit` to a copy of the stored load balancer and writes it (in the state's order). */
  private edit<T>(lb: LoadBalancerRecord, edit: (copy: LoadBalancerRecord) => T): Promise<T> {
    return this.state.change(() => {
      const current = this.state.loadBalancer(lb.name);
      if (!current || current.id !== lb.id) throw albError.loadBalancerNotFound();
      const copy = structuredClone(current);
      const value = edit(copy);
      return { puts: [{ kind: LOAD_BALANCER_KIND, value: copy }], value };
    });
  }
}
