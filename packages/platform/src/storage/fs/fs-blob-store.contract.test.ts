import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeBlobStoreContract } from "../blob-store.contract.js";
import { FsBlobStore } from "./fs-blob-store.js";

describeBlobStoreContract("FsBlobStore", async () => {
  const dir = await mkdtemp(join(tmpdir(), "nimbus-blob-contract-"));
  let store = new FsBlobStore(dir);
  return {
    store,
    async reopen() {
      await store.close();
      store = new FsBlobStore(dir);
      return store;
    },
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
