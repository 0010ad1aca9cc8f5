import type { MetadataStore, WriteOp } from "../../storage/metadata-store.js";
import {
  LOAD_BALANCER_KIND,
  type LoadBalancerRecord,
  TARGET_GROUP_KIND,
  type TargetGroupRecord,
} from "./model.js";

interface Entry<T> {
  value: T;
  revision: number;
}

/**
 * Load balancers and target groups as the MetadataStore holds them, all kept in memory (an
 * account has few): the data plane reads the maps and never the store. Changes run one at a
 * time and are written (checked against the stored revision) before the maps change, so an
 * acknowledged change is durable and a request after it sees it.
 */
export class ElbState {
  private loaded: Promise<void> | undefined;
  private readonly lbs = new Map<string, Entry<LoadBalancerRecord>>();
  private readonly tgs = new Map<string, Entry<TargetGroupRecord>>();
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: MetadataStore) {}

  /** Reads every document once; later reads come from memory. */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      await this.readAll<LoadBalancerRecord>(LOAD_BALANCER_KIND, this.lbs);
      await this.readAll<TargetGroupRecord>(TARGET_GROUP_KIND, this.tgs);
    })().catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  /** The load balancers, by name (call `load` first). */
  loadBalancers(): LoadBalancerRecord[] {
    return [...this.lbs.values()].map((e) => e.value);
  }

  loadBalancer(name: string): LoadBalancerRecord | undefined {
    return this.lbs.get(name)?.value;
  }

  targetGroups(): TargetGroupRecord[] {
    return [...this.tgs.values()].map((e) => e.value);
  }

  targetGroup(name: string): TargetGroupRecord | undefined {
    return this.tgs.get(name)?.value;
  }

  /**
   * Runs `change` alone (after every earlier change), with the state loaded. It returns the
   * documents to put or delete and its answer; they are written atomically, then applied.
   */
  async change<T>(change: () => { puts?: Put[]; deletes?: Delete[]; value: T }): Promise<T> {
    const run = this.chain.then(async () => {
      await this.load();
      const { puts = [], deletes = [], value } = change();
      const ops: WriteOp[] = [];
      for (const put of puts) {
        const current = this.map(put.kind).get(put.value.name);
        ops.push({
          op: "put",
          kind: put.kind,
          key: put.value.name,
          value: put.value,
          expectRevision: current ? current.revision : "absent",
        });
      }
      for (const del of deletes) {
        const current = this.map(del.kind).get(del.name);
        if (current)
          ops.push({ op: "delete", kind: del.kind, key: del.name, expectRevision: current.revision });
      }
      if (ops.length > 0) await this.store.write(ops);
      for (const put of puts) {
        const map = this.map(put.kind);
        map.set(put.value.name, { value: put.value, revision: (map.get(put.value.name)?.revision ?? 0) + 1 });
      }
      for (const del of deletes) this.map(del.kind).delete(del.name);
      return value;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private map(kind: string): Map<string, Entry<{ name: string }>> {
    return (kind === LOAD_BALANCER_KIND ? this.lbs : this.tgs) as Map<string, Entry<{ name: string }>>;
  }

  private async readAll<T>(kind: string, into: Map<string, Entry<T>>): Promise<void> {
    let after: string | undefined;
    do {
      const page = await this.store.list<T>(kind, after === undefined ? {} : { after });
      for (const item of page.items) into.set(item.key, { value: item.value, revision: item.revision });
      after = page.nextAfter;
    } while (after !== undefined);
  }
}

export type Put =
  | { kind: typeof LOAD_BALANCER_KIND; value: LoadBalancerRecord }
  | { kind: typeof TARGET_GROUP_KIND; value: TargetGroupRecord };
export interface Delete {
  kind: typeof LOAD_BALANCER_KIND | typeof TARGET_GROUP_KIND;
  name: string;
}
