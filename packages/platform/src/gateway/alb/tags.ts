import type { QueryParams } from "../../aws/query-protocol.js";
import type { AccountScope } from "../../core/arn.js";
import type { ElbState } from "./elb-state.js";
import { albError } from "./errors.js";
import type { LoadBalancerService } from "./load-balancer-service.js";
import { LOAD_BALANCER_KIND, parseElbArn, TARGET_GROUP_KIND, type Tags } from "./model.js";
import type { TargetGroupService } from "./target-group-service.js";

/** ELBv2 allows 50 tags per resource. */
const MAX_TAGS = 50;

/** `Tags.member.N.Key/Value`, validated (keys 1-128 characters, values up to 256, no `aws:` prefix). */
export function readTags(p: QueryParams): Tags {
  const out: Tags = {};
  for (const tag of p.structList("Tags")) {
    const key = tag.get("Key") ?? "";
    const value = tag.get("Value") ?? "";
    if (key.length < 1 || key.length > 128) throw albError.validation("A tag Key must be 1-128 characters");
    if (key.toLowerCase().startsWith("aws:"))
      throw albError.validation("Tag keys starting with 'aws:' are reserved");
    if (value.length > 256) throw albError.validation("A tag Value can be at most 256 characters");
    if (Object.hasOwn(out, key)) throw albError.duplicateTagKeys(key);
    out[key] = value;
  }
  if (Object.keys(out).length > MAX_TAGS) throw albError.tooManyTags();
  return out;
}

/**
 * Tags of load balancers, listeners, rules and target groups (AddTags, RemoveTags,
 * DescribeTags, and `Tags` on the Create operations). They are stored in the resource's document.
 */
export class TagService {
  constructor(
    private readonly state: ElbState,
    private readonly lbs: LoadBalancerService,
    private readonly tgs: TargetGroupService,
    private readonly scope: AccountScope,
  ) {}

  /** The tags of the resource an ARN names (its not-found error when there is none). */
  async describe(arn: string): Promise<Tags> {
    const kind = parseElbArn(this.scope, arn)?.resource;
    if (kind === "targetgroup") return (await this.tgs.get(arn)).tags ?? {};
    if (kind === "loadbalancer") return (await this.lbs.get(arn)).tags ?? {};
    if (kind === "listener") return (await this.lbs.locate(arn, "listener")).listener.tags ?? {};
    if (kind === "listener-rule") {
      const { listener, rule } = await this.lbs.locate(arn, "listener-rule");
      return (rule ? rule.tags : listener.defaultRuleTags) ?? {};
    }
    throw albError.validation(`'${arn}' is not a valid resource ARN`);
  }

  /** Applies `edit` to the resource's tags and stores them (TooManyTags past 50). */
  async update(arn: string, edit: (tags: Tags) => void): Promise<void> {
    const kind = parseElbArn(this.scope, arn)?.resource;
    const apply = (tags: Tags | undefined): Tags => {
      const next = { ...tags };
      edit(next);
      if (Object.keys(next).length > MAX_TAGS) throw albError.tooManyTags();
      return next;
    };
    if (kind === "targetgroup") {
      const tg = await this.tgs.get(arn);
      await this.state.change(() => {
        const current = this.state.targetGroup(tg.name);
        if (!current || current.id !== tg.id) throw albError.targetGroupNotFound();
        const value = { ...current, tags: apply(current.tags) };
        return { puts: [{ kind: TARGET_GROUP_KIND, value }], value: undefined };
      });
      return;
    }
    let located: Awaited<ReturnType<LoadBalancerService["locate"]>> | undefined;
    if (kind === "listener" || kind === "listener-rule") located = await this.lbs.locate(arn, kind);
    else if (kind !== "loadbalancer") throw albError.validation(`'${arn}' is not a valid resource ARN`);
    const lb = located?.lb ?? (await this.lbs.get(arn));
    await this.state.change(() => {
      const current = this.state.loadBalancer(lb.name);
      if (!current || current.id !== lb.id) throw albError.loadBalancerNotFound();
      const copy = structuredClone(current);
      const listener = located && copy.listeners.find((l) => l.listenerId === located.listener.listenerId);
      if (located && !listener) throw albError.listenerNotFound();
      if (!located) copy.tags = apply(copy.tags);
      else if (listener && kind === "listener") listener.tags = apply(listener.tags);
      else if (listener && !located.rule) listener.defaultRuleTags = apply(listener.defaultRuleTags);
      else if (listener) {
        const rule = listener.rules.find((r) => r.ruleId === located.rule?.ruleId);
        if (!rule) throw albError.ruleNotFound();
        rule.tags = apply(rule.tags);
      }
      return { puts: [{ kind: LOAD_BALANCER_KIND, value: copy }], value: undefined };
    });
  }
}
