import { isPlatformError } from "../../core/errors.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import { workflowError } from "../errors.js";
import { parseMachineTarget } from "./names.js";
import type { StateMachineService } from "./state-machine-service.js";

/** Tags of one state machine: an `sfn-tags` document keyed by the machine's ARN, keys in order. */
export const TAGS_KIND = "sfn-tags";

/** Step Functions' quota: 50 tags per resource. */
export const MAX_TAGS = 50;

export type TagMap = Record<string, string>;

/** Activity ARNs are well formed but name nothing: Nimbus has no activities. */
const ACTIVITY_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:activity:[^:]+$/;

/** `current` with `added` on top (a key given again takes the new value); TooManyTags above 50. */
export function mergeTags(arn: string, current: TagMap, added: TagMap): TagMap {
  const merged = { ...current, ...added };
  if (Object.keys(merged).length > MAX_TAGS) throw workflowError.tooManyTags(arn);
  return merged;
}

/** `current` without `keys`; keys it does not have are ignored, as on AWS. */
export function withoutTags(current: TagMap, keys: readonly string[]): TagMap {
  const drop = new Set(keys);
  return Object.fromEntries(Object.entries(current).filter(([key]) => !drop.has(key)));
}

/**
 * TagResource / UntagResource / ListTagsForResource over state machines. The tags of a machine
 * created with `tags` are written with the machine (StateMachineService.create); they are deleted
 * with it (MachineTargets.deleteMachine).
 */
export class TagService {
  constructor(
    private readonly store: MetadataStore,
    private readonly machines: StateMachineService,
  ) {}

  async list(arn: string): Promise<TagMap> {
    await this.requireTaggable(arn);
    return (await this.store.get<TagMap>(TAGS_KIND, arn))?.value ?? {};
  }

  async tag(arn: string, tags: TagMap): Promise<void> {
    await this.requireTaggable(arn);
    await this.change(arn, (current) => mergeTags(arn, current, tags));
  }

  async untag(arn: string, keys: readonly string[]): Promise<void> {
    await this.requireTaggable(arn);
    await this.change(arn, (current) => withoutTags(current, keys));
  }

  /**
   * A state machine ARN that exists. Activity ARNs are ResourceNotFound (Nimbus has none);
   * version and alias ARNs, execution ARNs and anything else are InvalidArn. AWS documents
   * TagResource for "state machines and activities" only; whether it answers InvalidArn or
   * ResourceNotFound for a version or alias ARN is not documented.
   */
  private async requireTaggable(arn: string): Promise<void> {
    if (ACTIVITY_ARN.test(arn)) throw workflowError.resourceNotFound(arn);
    const target = parseMachineTarget(arn);
    if (target.kind !== "machine") throw workflowError.invalidArn(`Invalid Arn: '${arn}'`);
    if (!(await this.machines.find(arn))) throw workflowError.resourceNotFound(arn);
  }

  /** Read-modify-write with the document's revision, retried when another change won the race. */
  private async change(arn: string, apply: (current: TagMap) => TagMap): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const doc = await this.store.get<TagMap>(TAGS_KIND, arn);
      const next = apply(doc?.value ?? {});
      if (!doc && Object.keys(next).length === 0) break;
      try {
        await this.store.write([
          Object.keys(next).length === 0 && doc
            ? { op: "delete", kind: TAGS_KIND, key: arn, expectRevision: doc.revision }
            : {
                op: "put",
                kind: TAGS_KIND,
                key: arn,
                value: next,
                expectRevision: doc?.revision ?? "absent",
              },
        ]);
        break;
      } catch (error) {
        if (!isPlatformError(error) || error.code !== "ERR_STORAGE_CONFLICT" || attempt >= 4) throw error;
      }
    }
    // A DeleteStateMachine that ran while this change was being written leaves no tags behind.
    if (!(await this.machines.find(arn)))
      await this.store.write([{ op: "delete", kind: TAGS_KIND, key: arn }]);
  }
}
