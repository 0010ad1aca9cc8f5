import type { DeploymentRecord, DeploymentStore, LifecycleEventName } from "./deployment-store.js";
import { codeDeployError, DEPLOYMENT_ERRORS } from "./errors.js";

/** Deployment records: reads, and read-modify-writes one at a time per deployment. */
export class DeploymentRecords {
  private readonly writes = new Map<string, Promise<unknown>>();

  constructor(private readonly store: DeploymentStore) {}

  async mustGet(id: string): Promise<DeploymentRecord> {
    const record = await this.store.get("deployment", id);
    if (!record)
      throw codeDeployError(
        DEPLOYMENT_ERRORS.notFound,
        "DeploymentDoesNotExistException",
        `Deployment ${id} does not exist.`,
      );
    return record;
  }

  /** Read-modify-write of a deployment record, one at a time per deployment. */
  update(id: string, change: (record: DeploymentRecord) => void): Promise<DeploymentRecord> {
    const previous = this.writes.get(id) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        const record = await this.mustGet(id);
        change(record);
        await this.store.put("deployment", id, record);
        return record;
      });
    this.writes.set(id, next);
    void next
      .finally(() => {
        if (this.writes.get(id) === next) this.writes.delete(id);
      })
      .catch(() => {});
    return next;
  }
}

/** Sets a lifecycle event's status (and its start / end times). */
export function lifecycleEvent(
  record: DeploymentRecord,
  name: LifecycleEventName,
  status: "InProgress" | "Succeeded" | "Failed" | "Skipped",
  now: number,
  message?: string,
): void {
  const entry = record.lifecycle.find((e) => e.name === name);
  if (!entry) return;
  entry.status = status;
  if (status === "InProgress" || entry.startedAt === undefined) entry.startedAt = now;
  if (status !== "InProgress") entry.endedAt = now;
  if (message !== undefined) entry.message = message;
}

export function isFinal(status: string): boolean {
  return status === "Succeeded" || status === "Failed" || status === "Stopped";
}
