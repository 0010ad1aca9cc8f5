import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeQueueStoreContract } from "../queue-store.contract.js";
import { SqliteQueueStore } from "./sqlite-queue-store.js";

describeQueueStoreContract("SqliteQueueStore", async () => {
  const dir = await mkdtemp(join(tmpdir(), "nimbus-queue-store-"));
  const path = join(dir, "queues.db");
  let store = new SqliteQueueStore(path);
  return {
    get store() {
      return store;
    },
    async reopen() {
      await store.close();
      store = new SqliteQueueStore(path);
      return store;
    },
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
