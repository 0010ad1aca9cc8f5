import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import type { ByteRange, ObjectStore, StoredObjectBytes, WriteOptions } from "../object-store.js";

/**
 * Object bytes as files under `<root>/data/<2 hex>/<id>`. A write streams into
 * `<root>/tmp/<id>`, fsyncs it, renames it into place and fsyncs the directory, so a completed
 * write survives a kill -9 and a half-written one never appears under its id.
 */
export class FsObjectStore implements ObjectStore {
  private readonly ready: Promise<void>;

  constructor(private readonly root: string) {
    // Leftover temp files are writes that never completed (a crash mid-upload).
    this.ready = rm(join(root, "tmp"), { recursive: true, force: true }).then(async () => {
      await mkdir(join(root, "tmp"), { recursive: true });
      await mkdir(join(root, "data"), { recursive: true });
    });
  }

  async write(
    source: Readable | AsyncIterable<Buffer>,
    options: WriteOptions = {},
  ): Promise<StoredObjectBytes> {
    await this.ready;
    const id = randomUUID().replace(/-/g, "");
    const temp = join(this.root, "tmp", id);
    const md5 = createHash("md5");
    const sha256 = options.sha256 ? createHash("sha256") : undefined;
    let sizeBytes = 0;
    let crc = 0;
    // Large writes per call: fewer drain waits on big objects.
    const out = createWriteStream(temp, { highWaterMark: 1 << 20 });
    // Errors surface through write/end below; this listener keeps a write failing after
    // destroy (the client went away) from becoming an unhandled 'error' event.
    let failure: Error | undefined;
    out.on("error", (error) => {
      failure ??= error;
    });
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        md5.update(chunk);
        sha256?.update(chunk);
        if (options.crc32) crc = crc32(chunk, crc);
        sizeBytes += chunk.length;
        if (failure) throw failure;
        if (!out.write(chunk)) await waitDrain(out);
      }
      if (failure) throw failure;
      await new Promise<void>((resolve, reject) => {
        out.once("error", reject);
        out.end(resolve);
      });
      await this.commit(temp, id);
    } catch (error) {
      out.destroy();
      await rm(temp, { force: true });
      throw error;
    }
    return {
      id,
      sizeBytes,
      md5Hex: md5.digest("hex"),
      sha256Hex: sha256?.digest("hex"),
      crc32: options.crc32 ? crc : undefined,
    };
  }

  async concat(ids: readonly string[]): Promise<StoredObjectBytes> {
    const paths = ids.map((id) => this.path(id));
    async function* all(): AsyncIterable<Buffer> {
      for (const path of paths) yield* createReadStream(path, { highWaterMark: 1 << 20 });
    }
    return this.write(all());
  }

  async open(id: string, range?: ByteRange): Promise<Readable | undefined> {
    if (!validId(id)) return undefined;
    const path = this.path(id);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return undefined;
    }
    // Small objects should not pay for a 1 MiB read buffer each.
    const length = range ? range.end - range.start + 1 : size;
    return createReadStream(path, {
      highWaterMark: Math.max(16 * 1024, Math.min(1 << 20, length)),
      ...(range ? { start: range.start, end: range.end } : {}),
    });
  }

  async delete(id: string): Promise<void> {
    if (!validId(id)) return;
    await rm(this.path(id), { force: true });
  }

  async list(): Promise<string[]> {
    await this.ready;
    const ids: string[] = [];
    for (const dir of await readdir(join(this.root, "data"))) {
      ids.push(...(await readdir(join(this.root, "data", dir))));
    }
    return ids;
  }

  async close(): Promise<void> {
    await this.ready;
  }

  private path(id: string): string {
    return join(this.root, "data", id.slice(0, 2), id);
  }

  private async commit(temp: string, id: string): Promise<void> {
    const file = await open(temp, "r+");
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    const dir = join(this.root, "data", id.slice(0, 2));
    await mkdir(dir, { recursive: true });
    await rename(temp, this.path(id));
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function validId(id: string): boolean {
  return /^[0-9a-f]{32}$/.test(id);
}

function waitDrain(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      out.off("drain", onDrain);
      reject(error);
    };
    const onDrain = () => {
      out.off("error", onError);
      resolve();
    };
    out.once("drain", onDrain);
    out.once("error", onError);
  });
}
