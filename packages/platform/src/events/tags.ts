import type { MetadataStore } from "../storage/metadata-store.js";

/** Tags of event buses, rules and schedule groups, one document per resource ARN. */
export const TAGS_KIND = "events-tags";

/** Reads a wire tag list (`[{Key, Value}]`); undefined when the shape or AWS's limits are broken. */
export function readTagList(raw: unknown): Record<string, string> | undefined {
  if (!Array.isArray(raw) || raw.length > 50) return undefined;
  const tags: Record<string, string> = {};
  for (const item of raw) {
    const { Key, Value } = (item ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof Key !== "string" || typeof Value !== "string") return undefined;
    if (Key.length < 1 || Key.length > 128 || Value.length > 256 || Key.startsWith("aws:")) return undefined;
    tags[Key] = Value;
  }
  return tags;
}

export function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Stores and merges tags; callers check that the resource exists. */
export class TagStore {
  constructor(private readonly store: MetadataStore) {}

  async get(arn: string): Promise<Record<string, string>> {
    return (await this.store.get<Record<string, string>>(TAGS_KIND, arn))?.value ?? {};
  }

  /** Adds or replaces the given keys (at most 50 in all). False when the result would exceed 50. */
  async tag(arn: string, tags: Record<string, string>): Promise<boolean> {
    const doc = await this.store.get<Record<string, string>>(TAGS_KIND, arn);
    const merged = { ...(doc?.value ?? {}), ...tags };
    if (Object.keys(merged).length > 50) return false;
    await this.store.write([
      { op: "put", kind: TAGS_KIND, key: arn, value: merged, expectRevision: doc?.revision ?? "absent" },
    ]);
    return true;
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    const doc = await this.store.get<Record<string, string>>(TAGS_KIND, arn);
    if (!doc) return;
    const left = Object.fromEntries(Object.entries(doc.value).filter(([k]) => !keys.includes(k)));
    await this.store.write([
      { op: "put", kind: TAGS_KIND, key: arn, value: left, expectRevision: doc.revision },
    ]);
  }

  /** Forgets a deleted resource's tags. */
  async drop(arn: string): Promise<void> {
    await this.store.write([{ op: "delete", kind: TAGS_KIND, key: arn }]);
  }
}
