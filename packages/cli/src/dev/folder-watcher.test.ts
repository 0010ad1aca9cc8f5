import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChangeBatch, FolderWatcher } from "./folder-watcher.js";

let dir: string;
let watcher: FolderWatcher | undefined;
const batches: ChangeBatch[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nimbus-watch-"));
  batches.length = 0;
});

afterEach(async () => {
  watcher?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Waits until a batch holds `path` (the test's timeout bounds it). */
async function seen(path: string): Promise<void> {
  while (!batches.some((b) => b.paths.has(path))) await new Promise((r) => setTimeout(r, 10));
}

describe("FolderWatcher", () => {
  it("hands over changed files in subfolders and ignores node_modules, .git and the data directory", async () => {
    const code = join(dir, "code");
    await mkdir(join(code, "lib"), { recursive: true });
    await mkdir(join(code, "node_modules", "dep"), { recursive: true });
    await mkdir(join(code, "data"), { recursive: true });
    watcher = new FolderWatcher([{ dir: code, recursive: true }], {
      dataDir: join(code, "data"),
      onBatch: (b) => batches.push(b),
    });
    await writeFile(join(code, "node_modules", "dep", "index.js"), "1");
    await writeFile(join(code, "data", "nimbus.db"), "1");
    await writeFile(join(code, "lib", "util.js"), "1");
    await seen(join(code, "lib", "util.js"));
    const all = batches.flatMap((b) => [...b.paths]);
    expect(all.some((p) => p.includes("node_modules") || p.includes(`${join(code, "data")}`))).toBe(false);
  });

  it("watches a folder again after it was removed and created anew", async () => {
    const out = join(dir, "dist");
    await mkdir(out);
    watcher = new FolderWatcher([{ dir: out, recursive: true }], { onBatch: (b) => batches.push(b) });
    await rm(out, { recursive: true });
    await seen(out);
    batches.length = 0;
    await mkdir(out);
    await writeFile(join(out, "index.js"), "rebuilt");
    // Watched again: the whole folder is reported changed (what happened while it was away).
    await seen(out);
    batches.length = 0;
    await writeFile(join(out, "index.js"), "edited");
    await seen(join(out, "index.js"));
  });

  it("waits for a folder that does not exist yet", async () => {
    const later = join(dir, "later");
    watcher = new FolderWatcher([{ dir: later, recursive: true }], { onBatch: (b) => batches.push(b) });
    await mkdir(later);
    await seen(later);
    await writeFile(join(later, "a.js"), "1");
    await seen(join(later, "a.js"));
  });
});
