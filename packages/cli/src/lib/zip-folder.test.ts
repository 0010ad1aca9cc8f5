import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { zipFolder } from "./zip-folder.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "nimbus-zip-"));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

function entries(zip: Buffer): Promise<{ name: string; mode: number }[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error || !file) return reject(error);
      const out: { name: string; mode: number }[] = [];
      file.on("entry", (entry: yauzl.Entry) => {
        out.push({ name: entry.fileName, mode: (entry.externalFileAttributes >>> 16) & 0o7777 });
        file.readEntry();
      });
      file.on("end", () => resolve(out));
      file.readEntry();
    });
  });
}

describe("zipFolder", () => {
  it("leaves out Nimbus's data folder and .git at any depth", async () => {
    const dir = await folder({
      "index.js": "i",
      ".nimbus/nimbus.db": "db",
      ".git/HEAD": "ref",
      "lib/.git/config": "c",
      "lib/util.js": "u",
    });
    expect((await entries(await zipFolder(dir))).map((e) => e.name)).toEqual(["index.js", "lib/util.js"]);
  });

  it("gives the same bytes for the same files, whatever their timestamps and creation order", async () => {
    const a = await folder({ "b.js": "b", "a/x.js": "x", "index.js": "i" });
    const b = await folder({ "index.js": "i", "a/x.js": "x", "b.js": "b" });
    await utimes(join(b, "b.js"), new Date("2001-01-01"), new Date("2001-01-01"));
    expect((await zipFolder(a)).equals(await zipFolder(b))).toBe(true);
  });

  it("stores files only, sorted by path, with their modes", async () => {
    const dir = await folder({ "z.txt": "z", bootstrap: "#!/bin/sh", "lib/a.py": "a" });
    await chmod(join(dir, "bootstrap"), 0o755);
    await chmod(join(dir, "z.txt"), 0o644);
    const list = await entries(await zipFolder(dir));
    expect(list.map((e) => e.name)).toEqual(["bootstrap", "lib/a.py", "z.txt"]);
    expect(list.find((e) => e.name === "bootstrap")?.mode).toBe(0o755);
    expect(list.find((e) => e.name === "z.txt")?.mode).toBe(0o644);
  });

  it("changes when a file changes", async () => {
    const dir = await folder({ "a.js": "1" });
    const before = await zipFolder(dir);
    await writeFile(join(dir, "a.js"), "2");
    expect(before.equals(await zipFolder(dir))).toBe(false);
  });
});
