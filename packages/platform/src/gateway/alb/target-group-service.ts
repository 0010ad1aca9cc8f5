import type { AccountScope } from "../../core/arn.js";
import type { Clock } from "../../core/clock.js";
import type { ElbState } from "./elb-state.js";
import { albError } from "./errors.js";
import {
  type LoadBalancerRecord,
  MULTI_VALUE_HEADERS,
  newElbId,
  parseElbArn,
  TARGET_GROUP_KIND,
  type TargetGroupRecord,
  targetGroupArn,
} from "./model.js";

export interface TargetGroupInput {
  name: string | undefined;
  targetType: string | undefined;
  /** Members Lambda target groups must not have (Protocol, Port, VpcId, ...), by wire name. */
  refusedMembers: string[];
  healthCheckEnabled?: boolean;
  healthCheckPath?: string;
  healthCheckIntervalSeconds?: number;
  healthCheckTimeoutSeconds?: number;
  healthyThresholdCount?: number;
  unhealthyThresholdCount?: number;
  matcher?: string;
}

export const NAME_PATTERN = /^(?!-)[A-Za-z0-9-]{1,32}(?<!-)$/;
const LAMBDA_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9_$-]+)?$/;

/** Lambda target groups: their settings, attributes and the one registered function. */
export class TargetGroupService {
  constructor(
    private readonly state: ElbState,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
  ) {}

  arn(tg: TargetGroupRecord): string {
    return targetGroupArn(this.scope, tg);
  }

  /** CreateTargetGroup: TargetType lambda only; the same name with the same type answers the existing group. */
  create(input: TargetGroupInput): Promise<TargetGroupRecord> {
    const name = input.name ?? "";
    if (!NAME_PATTERN.test(name))
      throw albError.validation(
        "Target group name must be 1-32 alphanumeric characters or hyphens, and must not begin or end with a hyphen",
      );
    if (input.targetType !== "lambda")
      throw albError.unsupported(
        `TargetType '${input.targetType ?? "instance"}' (Nimbus serves only 'lambda')`,
      );
    const refused = input.refusedMembers[0];
    if (refused !== undefined)
      throw albError.validation(`${refused} cannot be specified for target groups with target type 'lambda'`);
    if (input.healthCheckEnabled === true)
      throw albError.unsupported("HealthCheckEnabled=true (Lambda health checks)");
    return this.state.change(() => {
      const existing = this.state.targetGroup(name);
      if (existing) return { value: existing };
      const tg: TargetGroupRecord = {
        name,
        id: newElbId(),
        createdAt: this.clock.now(),
        healthCheckEnabled: false,
        healthCheckPath: input.healthCheckPath ?? "/",
        healthCheckIntervalSeconds: input.healthCheckIntervalSeconds ?? 35,
        healthCheckTimeoutSeconds: input.healthCheckTimeoutSeconds ?? 30,
        healthyThresholdCount: input.healthyThresholdCount ?? 5,
        unhealthyThresholdCount: input.unhealthyThresholdCount ?? 2,
        matcher: input.matcher ?? "200",
        attributes: { [MULTI_VALUE_HEADERS]: "false" },
      };
      return { puts: [{ kind: TARGET_GROUP_KIND, value: tg }], value: tg };
    });
  }

  /** The group an ARN names, or undefined. */
  find(arn: string): TargetGroupRecord | undefined {
    const parsed = parseElbArn(this.scope, arn);
    if (parsed?.resource !== "targetgroup") return undefined;
    const tg = this.state.targetGroup(parsed.parts[0] ?? "");
    return tg && tg.id === parsed.parts[1] ? tg : undefined;
  }

  /** The group an ARN names; TargetGroupNotFound otherwise. */
  async get(arn: string | undefined): Promise<TargetGroupRecord> {
    if (!arn) throw albError.validation("TargetGroupArn must be specified");
    await this.state.load();
    const tg = this.find(arn);
    if (!tg) throw albError.targetGroupNotFound();
    return tg;
  }

  /** DescribeTargetGroups: all, or those named by ARN or name, or those a load balancer uses. */
  async describe(filter: {
    arns: string[];
    names: string[];
    loadBalancer?: LoadBalancerRecord;
  }): Promise<TargetGroupRecord[]> {
    await this.state.load();
    if (filter.arns.length > 0) return Promise.all(filter.arns.map((arn) => this.get(arn)));
    if (filter.names.length > 0)
      return filter.names.map((name) => {
        const tg = this.state.targetGroup(name);
        if (!tg) throw albError.targetGroupNotFound();
        return tg;
      });
    const all = this.state.targetGroups().sort((a, b) => a.name.localeCompare(b.name));
    const lb = filter.loadBalancer;
    if (!lb) return all;
    return all.filter((tg) => this.usedBy(tg, lb));
  }

  /** The load balancers whose listeners or rules forward to the group. */
  loadBalancersOf(tg: TargetGroupRecord): LoadBalancerRecord[] {
    return this.state.loadBalancers().filter((lb) => this.usedBy(tg, lb));
  }

  private usedBy(tg: TargetGroupRecord, lb: LoadBalancerRecord): boolean {
    const arn = this.arn(tg);
    return lb.listeners.some((l) =>
      [l.defaultActions, ...l.rules.map((r) => r.actions)].some((actions) =>
        actions.some((a) => a.type === "forward" && a.targetGroups.some((g) => g.arn === arn)),
      ),
    );
  }

  /** DeleteTargetGroup: ResourceInUse while a listener or rule forwards to it. */
  async delete(arn: string | undefined): Promise<void> {
    const tg = await this.get(arn);
    await this.state.change(() => {
      if (this.loadBalancersOf(tg).length > 0)
        throw albError.resourceInUse(
          `Target group '${this.arn(tg)}' is currently in use by a listener or a rule`,
        );
      return { deletes: [{ kind: TARGET_GROUP_KIND, name: tg.name }], value: undefined };
    });
  }

  /** RegisterTargets: one function ARN (again the same one is a no-op). */
  async register(arn: string | undefined, targets: { id?: string; port?: string }[]): Promise<void> {
    const tg = await this.get(arn);
    const ids = this.targetIds(targets);
    const id = ids[0] as string;
    if (ids.length > 1 || (tg.target !== undefined && tg.target !== id)) throw albError.tooManyTargets();
    await this.update(tg, (copy) => {
      copy.target = id;
    });
  }

  /** DeregisterTargets: InvalidTarget when the function is not the registered one. */
  async deregister(arn: string | undefined, targets: { id?: string; port?: string }[]): Promise<void> {
    const tg = await this.get(arn);
    for (const id of this.targetIds(targets))
      if (tg.target !== id) throw albError.invalidTarget(`The following targets are not registered: '${id}'`);
    await this.update(tg, (copy) => {
      delete copy.target;
    });
  }

  /** ModifyTargetGroupAttributes: Lambda groups have `lambda.multi_value_headers.enabled` only. */
  async modifyAttributes(
    arn: string | undefined,
    attributes: Record<string, string>,
  ): Promise<TargetGroupRecord> {
    const tg = await this.get(arn);
    for (const [key, value] of Object.entries(attributes)) {
      if (key !== MULTI_VALUE_HEADERS)
        throw albError.validation(`Target group attribute key '${key}' is not recognized`);
      if (value !== "true" && value !== "false")
        throw albError.validation(`'${value}' must be one of the following values: true, false`);
    }
    return this.update(tg, (copy) => {
      Object.assign(copy.attributes, attributes);
    });
  }

  private targetIds(targets: { id?: string; port?: string }[]): string[] {
    if (targets.length === 0) throw albError.validation("Targets must contain at least one target");
    return targets.map((t) => {
      if (!t.id || !LAMBDA_ARN.test(t.id))
        throw albError.invalidTarget(`The target '${t.id ?? ""}' is not a Lambda function ARN`);
      if (t.port !== undefined) throw albError.validation("A port cannot be specified for a Lambda target");
      return t.id;
    });
  }

  private update(tg: TargetGroupRecord, edit: (copy: TargetGroupRecord) => void): Promise<TargetGroupRecord> {
    return this.state.change(() => {
      const current = this.state.targetGroup(tg.name);
      if (!current || current.id !== tg.id) throw albError.targetGroupNotFound();
      const copy = structuredClone(current);
      edit(copy);
      return { puts: [{ kind: TARGET_GROUP_KIND, value: copy }], value: copy };
    });
  }
}
