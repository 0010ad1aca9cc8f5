import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeObjectStoreContract } from "../object-store.contract.js";
import { FsObjectStore } from "./fs-object-store.js";

describeObjectStoreContract("FsObjectStore", async () => {
  const dir = await mkdtemp(join(tmpdir(), "nimbus-object-contract-"));
  let store = new FsObjectStore(dir);
  return {
    store,
    async reopen() {
      await store.close();
      store = new FsObjectStore(dir);
      return store;
    },
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
