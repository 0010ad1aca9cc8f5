import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { Logger } from "pino";
import type { AccountScope } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import type { Targets } from "../core/targets.js";
import { FsObjectStore } from "../storage/fs/fs-object-store.js";
import { SqliteObjectIndex } from "../storage/sqlite/sqlite-object-index.js";
import { MultipartService } from "./multipart-service.js";
import { NotificationDelivery } from "./notification-delivery.js";
import { testEvent } from "./notification-events.js";
import { ObjectService } from "./object-service.js";
import { S3Api } from "./s3-api.js";

export interface ObjectsDeps {
  /** `<dataDir>/objects`: the key index (`index.db`) and the bytes (`data/`). */
  dir: string;
  targets: Targets;
  clock: Clock;
  scope: AccountScope;
  logger: Logger;
  /** Throws when the function of a notification destination does not exist. */
  functionExists: (arn: string) => Promise<void>;
}

export interface Objects {
  /** The S3 API, for the front door's streaming service. */
  api: S3Api;
  health(): { buckets: number; pendingNotifications: number };
  /** Waits for the start-up cleanup, then delivers notifications left pending. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Buckets (S3): the key index in SQLite, bytes on disk, notifications through Targets. */
export function createObjects(deps: ObjectsDeps): Objects {
  const index = new SqliteObjectIndex(join(deps.dir, "index.db"));
  const store = new FsObjectStore(deps.dir);
  const delivery = new NotificationDelivery(index, deps.targets, deps.clock, deps.logger);
  const objects = new ObjectService(index, store, deps.clock, () => delivery.kick());
  const multipart = new MultipartService(objects, deps.clock);
  const ownerId = `nimbus${deps.scope.accountId}`;
  // Bytes no row refers to are writes a crash interrupted before their commit. Deleted before
  // any request is served (requests wait), so no upload in flight can be mistaken for garbage.
  const ready = (async () => {
    const referenced = index.referencedBlobs();
    for (const id of await store.list()) if (!referenced.has(id)) await store.delete(id);
  })();
  const api = new S3Api({
    ready,
    objects,
    multipart,
    clock: deps.clock,
    ownerId,
    bucket: {
      objects,
      ownerId,
      defaultRegion: deps.scope.region,
      newId: randomUUID,
      testEvent: (bucket) =>
        testEvent(bucket, {
          requestId: randomUUID(),
          hostId: "nimbus",
          sourceIp: undefined,
          principalId: ownerId,
          region: deps.scope.region,
          time: deps.clock.now(),
        }),
      // S3 validates queue and topic destinations by sending them the test event.
      validateDestination: async (kind, arn, event) => {
        if (kind === "lambda") await deps.functionExists(arn);
        else await deps.targets.deliver(arn, { body: event });
      },
    },
  });
  return {
    api,
    health: () => ({ buckets: index.listBuckets().length, pendingNotifications: delivery.pending() }),
    async start() {
      await ready;
      delivery.kick();
    },
    async close() {
      await delivery.close();
      await store.close();
      index.close();
    },
  };
}
