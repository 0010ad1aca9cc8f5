import { existsSync, type FSWatcher, watch } from "node:fs";
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

const MISSING_POLL_MS = 250;

/**
 * Watches folders with `fs.watch` (recursive where asked; Node 20 supports it on Linux) and hands
 * over debounced batches of changed absolute paths, ignoring node_modules, .git, .nimbus and the
 * data directory. An event without a file name stands for the whole root folder. A folder that
 * does not exist (yet, or any more) is waited for and watched once it appears.
 */
export class FolderWatcher {
  private readonly watchers = new Map<WatchRoot, FSWatcher>();
  private readonly waiting = new Map<WatchRoot, NodeJS.Timeout>();
  private pending: ChangeBatch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly debounceMs: number;

  constructor(
    roots: WatchRoot[],
    private readonly options: FolderWatcherOptions,
  ) {
    this.debounceMs = options.debounceMs ?? 50;
    for (const root of roots) this.watchRoot(root);
  }

  /** How many folders are watched (or waited for, when they do not exist). */
  get size(): number {
    return this.watchers.size + this.waiting.size;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    for (const wait of this.waiting.values()) clearInterval(wait);
    this.waiting.clear();
  }

  private watchRoot(root: WatchRoot): void {
    if (!existsSync(root.dir)) {
      this.waitFor(root);
      return;
    }
    try {
      const watcher = watch(root.dir, { recursive: root.recursive }, (_event, filename) => {
        const path = filename ? join(root.dir, filename.toString()) : root.dir;
        if (path === root.dir && !existsSync(root.dir)) {
          // The folder itself went away (a build tool cleaning its output): a watch on it sees
          // nothing more, so wait for it to come back and watch it anew.
          this.unwatch(root);
          this.waitFor(root);
        }
        if (isIgnored(path, root.dir, this.options.dataDir)) return;
        this.add(path);
      });
      watcher.on("error", (error) => {
        this.unwatch(root);
        if (existsSync(root.dir)) this.options.onError?.(error, root);
        this.waitFor(root);
      });
      this.watchers.set(root, watcher);
    } catch (error) {
      this.options.onError?.(error as Error, root);
    }
  }

  private unwatch(root: WatchRoot): void {
    this.watchers.get(root)?.close();
    this.watchers.delete(root);
  }

  /** Checks every 250 ms for a missing folder; once there, watches it and reports it changed. */
  private waitFor(root: WatchRoot): void {
    if (this.closed || this.waiting.has(root)) return;
    const wait = setInterval(() => {
      if (!existsSync(root.dir)) return;
      clearInterval(wait);
      this.waiting.delete(root);
      this.watchRoot(root);
      this.add(root.dir);
    }, MISSING_POLL_MS);
    this.waiting.set(root, wait);
  }

  private add(path: string): void {
    if (this.closed) return;
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
