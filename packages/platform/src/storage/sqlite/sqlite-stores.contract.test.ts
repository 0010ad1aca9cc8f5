import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeLogStoreContract } from "../log-store.contract.js";
import { describeMetadataStoreContract } from "../metadata-store.contract.js";
import { SqliteLogStore } from "./sqlite-log-store.js";
import { SqliteMetadataStore } from "./sqlite-metadata-store.js";

/** Opens a store on a fresh file in a temp dir; `reopen` closes it and opens the same file. */
async function onTempFile<S extends { close(): Promise<void> }>(open: (path: string) => S) {
  const dir = await mkdtemp(join(tmpdir(), "nimbus-sqlite-contract-"));
  const path = join(dir, "store.db");
  let store = open(path);
  return {
    get store() {
      return store;
    },
    async reopen() {
      await store.close();
      store = open(path);
      return store;
    },
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeMetadataStoreContract("SqliteMetadataStore", () =>
  onTempFile((path) => new SqliteMetadataStore(path)),
);

describeLogStoreContract("SqliteLogStore", ({ clock }) =>
  onTempFile((path) => new SqliteLogStore(path, clock)),
);
