import { type FSWatcher, watch } from "node:fs";
import { join } from "node:path";
import { isIgnored, type WatchRoot } from "./code-map.js";

/** Changed paths gathered during one quiet period, and when the first of them was seen. */
export interface ChangeBatch {
  paths: Set<string>;
  /** `performance.now()` of the first event of the batch (the "save"). */
  firstAt: number;
}

export interface FolderWatcherOptions {
  /** Quiet time after the last event before the batch is handed over (editors write in bursts). */
  debounceMs?: number;
  /** Changes inside this folder (the server's data directory) are ignored. */
  dataDir?: string | undefined;
  onBatch: (batch: ChangeBatch) => void;
  onError?: (error: Error, root: WatchRoot) => void;
}

/**
 * Watches folders with `fs.watch` (recursive where asked; Node 20 supports it on Linux) and hands
 * over debounced batches of changed absolute paths, ignoring node_modules, .git, .nimbus and the
 * data directory. An event without a file name stands for the whole root folder.
 */
export class FolderWatcher {
  private readonly watchers: FSWatcher[] = [];
  private pending: ChangeBatch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly debounceMs: number;

  constructor(
    roots: WatchRoot[],
    private readonly options: FolderWatcherOptions,
  ) {
    this.debounceMs = options.debounceMs ?? 50;
    for (const root of roots) {
      try {
        const watcher = watch(root.dir, { recursive: root.recursive }, (_event, filename) => {
          const path = filename ? join(root.dir, filename.toString()) : root.dir;
          if (isIgnored(path, root.dir, options.dataDir)) return;
          this.add(path);
        });
        watcher.on("error", (error) => options.onError?.(error, root));
        this.watchers.push(watcher);
      } catch (error) {
        options.onError?.(error as Error, root);
      }
    }
  }

  /** How many folders are watched. */
  get size(): number {
    return this.watchers.length;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }

  private add(path: string): void {
    this.pending ??= { paths: new Set(), firstAt: performance.now() };
    this.pending.paths.add(path);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const batch = this.pending;
      this.pending = undefined;
      if (batch) this.options.onBatch(batch);
    }, this.debounceMs);
  }
}
