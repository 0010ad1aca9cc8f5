import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import yazl from "yazl";
import { FsBlobStore } from "../../storage/fs/fs-blob-store.js";
import { CodeStore } from "../code-store.js";
import { assembleOpt, optFolderName, optRootBeside } from "./opt-assembly.js";

let dir: string;
let code: CodeStore;
let root: string;

type Entry = string | { symlink: string };

async function layer(files: Record<string, Entry>): Promise<string> {
  const archive = new yazl.ZipFile();
  for (const [name, entry] of Object.entries(files)) {
    if (typeof entry === "string") archive.addBuffer(Buffer.from(entry), name, { mode: 0o100644 });
    else archive.addBuffer(Buffer.from(entry.symlink), name, { mode: 0o120777 });
  }
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return (await code.ingest(Buffer.concat(chunks))).codeKey;
}

const text = (path: string) => readFile(path, "utf8");

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nimbus-opt-"));
  code = new CodeStore(join(dir, "code"), new FsBlobStore(join(dir, "blobs")), {
    maxZipBytes: 52_428_800,
    maxUnzippedBytes: 262_144_000,
  });
  root = join(dir, "opt");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("assembleOpt", () => {
  it("lives beside the code store, in a folder named by the ordered layer list", async () => {
    expect(optRootBeside(code)).toBe(join(dir, "opt"));
    const a = await layer({ "a.txt": "a" });
    const b = await layer({ "b.txt": "b" });
    const merged = await assembleOpt(code, [a, b]);
    expect(merged).toBe(join(dir, "opt", optFolderName([a, b])));
    expect(optFolderName([a, b])).not.toBe(optFolderName([b, a]));
    expect(optFolderName([a, b])).toMatch(/^[0-9a-f]{64}$/);
  });

  it("unpacks the layers in order, later layers overwriting earlier files", async () => {
    const a = await layer({ "nodejs/node_modules/m/index.js": "A", "python/a.py": "a" });
    const b = await layer({ "nodejs/node_modules/m/index.js": "B", "python/b.py": "b" });
    const ab = await assembleOpt(code, [a, b], root);
    expect(await text(join(ab, "nodejs/node_modules/m/index.js"))).toBe("B");
    expect(await text(join(ab, "python/a.py"))).toBe("a");
    expect(await text(join(ab, "python/b.py"))).toBe("b");
    const ba = await assembleOpt(code, [b, a], root);
    expect(ba).not.toBe(ab);
    expect(await text(join(ba, "nodejs/node_modules/m/index.js"))).toBe("A");
  });

  it("hard-links the unpacked layer files instead of copying them", async () => {
    const a = await layer({ "lib/x.so": "binary" });
    const merged = await assembleOpt(code, [a], root);
    const linked = await stat(join(merged, "lib/x.so"));
    const source = await stat(join(code.codeDir(a), "lib/x.so"));
    expect(linked.ino).toBe(source.ino);
    expect(linked.nlink).toBeGreaterThanOrEqual(2);
  });

  it("lets a later layer replace a file with a folder and a folder with a file", async () => {
    const a = await layer({ thing: "file", "dir/inner.txt": "inner" });
    const b = await layer({ "thing/inside.txt": "now a folder", dir: "now a file" });
    const merged = await assembleOpt(code, [a, b], root);
    expect(await text(join(merged, "thing/inside.txt"))).toBe("now a folder");
    expect(await text(join(merged, "dir"))).toBe("now a file");
  });

  it("keeps symlinks as symlinks", async () => {
    const a = await layer({ "lib/libx.so.1": "so", "lib/libx.so": { symlink: "libx.so.1" } });
    const merged = await assembleOpt(code, [a], root);
    expect((await lstat(join(merged, "lib/libx.so"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(merged, "lib/libx.so"))).toBe("libx.so.1");
    expect(await text(join(merged, "lib/libx.so"))).toBe("so");
  });

  it("reuses a merged folder that exists instead of building it again", async () => {
    const a = await layer({ "a.txt": "a" });
    const first = await assembleOpt(code, [a], root);
    await writeFile(join(first, "marker"), "kept");
    const second = await assembleOpt(code, [a], root);
    expect(second).toBe(first);
    expect(await text(join(second, "marker"))).toBe("kept");
  });

  it("builds one complete folder when cold starts assemble the same layers at once", async () => {
    const a = await layer({ "a.txt": "a", "deep/er/file.txt": "x" });
    const b = await layer({ "b.txt": "b" });
    const results = await Promise.all([1, 2, 3, 4].map(() => assembleOpt(code, [a, b], root)));
    expect(new Set(results).size).toBe(1);
    expect((await readdir(root)).sort()).toEqual([optFolderName([a, b]), "package.json"].sort());
    expect(await text(join(results[0] ?? "", "deep/er/file.txt"))).toBe("x");
  });

  it("unpacks a layer again from its stored archive when its folder went missing", async () => {
    const a = await layer({ "a.txt": "a" });
    await rm(code.codeDir(a), { recursive: true, force: true });
    await rm(`${code.codeDir(a)}.size`, { force: true });
    const merged = await assembleOpt(code, [a], root);
    expect(await text(join(merged, "a.txt"))).toBe("a");
  });

  it("puts a module-type boundary package.json above the merged folders", async () => {
    const a = await layer({ "a.txt": "a" });
    await assembleOpt(code, [a], root);
    expect(JSON.parse(await text(join(root, "package.json")))).toMatchObject({ private: true });
    expect(JSON.parse(await text(join(root, "package.json")))).not.toHaveProperty("type");
  });

  it("makes its folders readable by other users, whatever the umask", async () => {
    const previous = process.umask(0o077);
    try {
      const a = await layer({ "nodejs/node_modules/m/index.js": "A" });
      const merged = await assembleOpt(code, [a], root);
      for (const folder of [merged, join(merged, "nodejs"), join(merged, "nodejs/node_modules/m")]) {
        expect((await stat(folder)).mode & 0o777).toBe(0o755);
      }
    } finally {
      process.umask(previous);
    }
  });
});
