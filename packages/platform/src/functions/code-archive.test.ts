import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { constants, crc32, createDeflateRaw, deflateRawSync } from "node:zlib";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import yazl from "yazl";
import { PlatformError } from "../core/errors.js";
import {
  CODE_ARCHIVE_ERRORS,
  CodeArchiveError,
  type ExtractLimits,
  extractArchive,
  INVALID_ZIP_MESSAGE,
  inspectArchive,
} from "./code-archive.js";

const LIMITS: ExtractLimits = { maxUnzippedBytes: 262_144_000, maxEntries: 10_000 };
const MB = 1024 * 1024;

/** Builds an archive with yazl, the way well-behaved tools do. */
async function yazlZip(build: (zip: yazl.ZipFile) => void): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  build(zip);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

interface RawEntry {
  /** Written byte for byte, so names yazl would refuse can be tested. */
  name: string;
  data?: Buffer;
  /** Unix mode including the file type bits (0o120777 for a symlink). */
  mode?: number;
  /** Deflated bytes to store instead of `data` (method 8). */
  deflated?: Buffer;
  uncompressedSize?: number;
  crc?: number;
  method?: number;
  flags?: number;
}

/** Writes a zip by hand: one local header + data per entry, a central directory, an EOCD. */
function rawZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const data = entry.data ?? Buffer.alloc(0);
    const body = entry.deflated ?? data;
    const method = entry.method ?? (entry.deflated === undefined ? 0 : 8);
    const crc = entry.crc ?? crc32(data);
    const size = entry.uncompressedSize ?? data.length;
    const flags = (entry.flags ?? 0) | 0x800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(directory.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, eocd]);
}

/** Raw-deflates `totalBytes` of zeros without ever holding them; returns the data and its CRC. */
async function deflatedZeros(totalBytes: number): Promise<{ deflated: Buffer; crc: number }> {
  const block = Buffer.alloc(MB);
  let crc = 0;
  async function* zeros() {
    for (let written = 0; written < totalBytes; written += MB) {
      const chunk = block.subarray(0, Math.min(MB, totalBytes - written));
      crc = crc32(chunk, crc);
      yield chunk;
    }
  }
  const chunks: Buffer[] = [];
  const deflate = createDeflateRaw({ level: constants.Z_BEST_COMPRESSION });
  const output = Readable.from(zeros()).pipe(deflate);
  for await (const chunk of output as AsyncIterable<Buffer>) chunks.push(chunk);
  return { deflated: Buffer.concat(chunks), crc };
}

async function expectArchiveError(promise: Promise<unknown>, code: string): Promise<CodeArchiveError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CodeArchiveError);
  expect((error as CodeArchiveError).code).toBe(code);
  return error as CodeArchiveError;
}

let work: string;
let dest: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), "nimbus-code-archive-"));
  dest = path.join(work, "root", "dest");
  await mkdir(dest, { recursive: true });
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("inspectArchive", () => {
  it("reports base64 and hex SHA-256 of the zip bytes and their size", async () => {
    const zip = await yazlZip((z) => z.addBuffer(Buffer.from("hi"), "index.js"));
    const expected = createHash("sha256").update(zip).digest();
    expect(inspectArchive(zip)).toEqual({
      sha256Base64: expected.toString("base64"),
      sha256Hex: expected.toString("hex"),
      sizeBytes: zip.length,
    });
  });

  it("matches the well-known digest of empty input", () => {
    expect(inspectArchive(Buffer.alloc(0)).sha256Base64).toBe("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  });
});

describe("extractArchive", () => {
  it("extracts files and reports real unzipped bytes and file count", async () => {
    const zip = await yazlZip((z) => {
      z.addBuffer(Buffer.from("exports.handler = async () => 1;\n"), "index.js");
      z.addBuffer(Buffer.alloc(10_000, "x"), "data.txt", { compress: false });
    });
    const result = await extractArchive(zip, dest, LIMITS);
    expect(result).toEqual({ unzippedBytes: 33 + 10_000, files: 2 });
    expect(await readFile(path.join(dest, "index.js"), "utf8")).toBe("exports.handler = async () => 1;\n");
    expect((await readFile(path.join(dest, "data.txt"))).length).toBe(10_000);
  });

  it("creates nested directories, with or without directory entries", async () => {
    const zip = await yazlZip((z) => {
      z.addEmptyDirectory("empty/dir");
      z.addEmptyDirectory("lib");
      z.addBuffer(Buffer.from("deep"), "lib/a/b/c/deep.js");
      z.addBuffer(Buffer.from("implied"), "node_modules/pkg/index.js");
    });
    const result = await extractArchive(zip, dest, LIMITS);
    expect(result.files).toBe(2);
    expect((await stat(path.join(dest, "empty", "dir"))).isDirectory()).toBe(true);
    expect(await readFile(path.join(dest, "lib/a/b/c/deep.js"), "utf8")).toBe("deep");
    expect((await stat(path.join(dest, "lib/a/b"))).mode & 0o777).toBe(0o755);
    expect(await readFile(path.join(dest, "node_modules/pkg/index.js"), "utf8")).toBe("implied");
  });

  it("keeps the executable bit of a bootstrap script and drops setuid and world-write", async () => {
    const zip = await yazlZip((z) => {
      z.addBuffer(Buffer.from("#!/bin/sh\necho hi\n"), "bootstrap", { mode: 0o100755 });
      z.addBuffer(Buffer.from("x"), "bin/tool", { mode: 0o104777 });
      z.addBuffer(Buffer.from("y"), "readme.txt", { mode: 0o100666 });
    });
    await extractArchive(zip, dest, LIMITS);
    expect((await stat(path.join(dest, "bootstrap"))).mode & 0o7777).toBe(0o755);
    expect((await stat(path.join(dest, "bin/tool"))).mode & 0o7777).toBe(0o755);
    expect((await stat(path.join(dest, "readme.txt"))).mode & 0o7777).toBe(0o644);
  });

  it("accepts a zip file path as well as a buffer", async () => {
    const zip = await yazlZip((z) => z.addBuffer(Buffer.from("from disk"), "f.txt"));
    const zipPath = path.join(work, "code.zip");
    await writeFile(zipPath, zip);
    expect(await extractArchive(zipPath, dest, LIMITS)).toEqual({ unzippedBytes: 9, files: 1 });
    expect(await readFile(path.join(dest, "f.txt"), "utf8")).toBe("from disk");
  });

  it("creates the destination directory when it is missing", async () => {
    const zip = await yazlZip((z) => z.addBuffer(Buffer.from("x"), "f.txt"));
    const fresh = path.join(work, "not", "yet");
    await extractArchive(zip, fresh, LIMITS);
    expect(await readFile(path.join(fresh, "f.txt"), "utf8")).toBe("x");
  });

  it("lets a later duplicate entry replace an earlier one", async () => {
    const zip = rawZip([
      { name: "f.txt", data: Buffer.from("first") },
      { name: "f.txt", data: Buffer.from("second") },
    ]);
    await extractArchive(zip, dest, LIMITS);
    expect(await readFile(path.join(dest, "f.txt"), "utf8")).toBe("second");
  });

  describe("paths", () => {
    const escapes = [
      ["parent traversal", "../evil.txt"],
      ["traversal after a folder", "lib/../../evil.txt"],
      ["backslash traversal", "..\\evil.txt"],
      ["mixed separators", "lib\\..\\..\\evil.txt"],
      ["absolute path", "/tmp/evil.txt"],
      ["drive letter with slash", "C:/evil.txt"],
      ["drive letter with backslash", "C:\\evil.txt"],
      ["drive-relative path", "c:evil.txt"],
      ["UNC path", "\\\\server\\share\\evil.txt"],
    ] as const;

    for (const [label, name] of escapes) {
      it(`rejects an entry with a ${label} (${name}) and writes nothing`, async () => {
        const zip = rawZip([
          { name: "ok.txt", data: Buffer.from("fine") },
          { name, data: Buffer.from("pwned") },
        ]);
        const error = await expectArchiveError(
          extractArchive(zip, dest, LIMITS),
          CODE_ARCHIVE_ERRORS.pathEscape,
        );
        expect(error.message).toContain("Could not unzip uploaded file");
        expect(await readdir(dest)).toEqual([]);
        expect(await readdir(path.join(work, "root"))).toEqual(["dest"]);
        expect(await readdir(work)).toEqual(["root"]);
      });
    }

    it("treats in-name backslashes as folder separators", async () => {
      await extractArchive(rawZip([{ name: "lib\\util.js", data: Buffer.from("u") }]), dest, LIMITS);
      expect(await readFile(path.join(dest, "lib", "util.js"), "utf8")).toBe("u");
    });

    it("rejects a file whose name is also used as a folder", async () => {
      const zip = rawZip([
        { name: "a", data: Buffer.from("file") },
        { name: "a/b", data: Buffer.from("child") },
      ]);
      await expectArchiveError(extractArchive(zip, dest, LIMITS), CODE_ARCHIVE_ERRORS.invalidZip);
      expect(await readdir(dest)).toEqual([]);
    });
  });

  describe("symlinks", () => {
    const link = (name: string, target: string): RawEntry => ({
      name,
      data: Buffer.from(target),
      mode: 0o120777,
    });

    it("recreates a symlink that points inside the root", async () => {
      const zip = await yazlZip((z) => {
        z.addBuffer(Buffer.from("ELF"), "lib/libfoo.so.1");
        z.addBuffer(Buffer.from("libfoo.so.1"), "lib/libfoo.so", { mode: 0o120777 });
        z.addBuffer(Buffer.from("../lib/libfoo.so.1"), "bin/foo", { mode: 0o120777 });
      });
      expect((await extractArchive(zip, dest, LIMITS)).files).toBe(3);
      expect((await lstat(path.join(dest, "lib/libfoo.so"))).isSymbolicLink()).toBe(true);
      expect(await readlink(path.join(dest, "lib/libfoo.so"))).toBe("libfoo.so.1");
      expect(await readFile(path.join(dest, "bin/foo"), "utf8")).toBe("ELF");
    });

    it("accepts a symlink created before its target exists", async () => {
      const zip = rawZip([link("current", "v2"), { name: "v2/app.js", data: Buffer.from("v2") }]);
      await extractArchive(zip, dest, LIMITS);
      expect(await readFile(path.join(dest, "current", "app.js"), "utf8")).toBe("v2");
    });

    const outside = [
      ["a relative target above the root", link("escape", "../../../etc/passwd")],
      ["a nested link climbing out", link("a/b/escape", "../../../root-sibling")],
      ["an absolute target", link("passwd", "/etc/passwd")],
      ["a drive-letter target", link("win", "C:\\Windows")],
    ] as const;

    for (const [label, entry] of outside) {
      it(`rejects a symlink with ${label}`, async () => {
        await expectArchiveError(
          extractArchive(rawZip([entry]), dest, LIMITS),
          CODE_ARCHIVE_ERRORS.pathEscape,
        );
        expect(await readdir(dest)).toEqual([]);
      });
    }

    it("rejects a chain of links that only escapes when followed (a -> ., b -> a/..)", async () => {
      const zip = rawZip([link("a", "."), link("b", "a/..")]);
      await expectArchiveError(extractArchive(zip, dest, LIMITS), CODE_ARCHIVE_ERRORS.pathEscape);
      expect(await readdir(dest)).toEqual([]);
    });

    it("rejects such a chain even when the escaping link comes first", async () => {
      const zip = rawZip([link("b", "a/.."), link("a", ".")]);
      await expectArchiveError(extractArchive(zip, dest, LIMITS), CODE_ARCHIVE_ERRORS.pathEscape);
    });

    it("refuses to write a file through a symlinked folder", async () => {
      const zip = rawZip([
        { name: "real/keep.txt", data: Buffer.from("k") },
        link("via", "real"),
        { name: "via/written.txt", data: Buffer.from("w") },
      ]);
      await expectArchiveError(extractArchive(zip, dest, LIMITS), CODE_ARCHIVE_ERRORS.pathEscape);
      expect(await readdir(dest)).toEqual([]);
    });

    it("replaces, and does not follow, a symlink when a later entry has the same name", async () => {
      const zip = rawZip([
        { name: "target.txt", data: Buffer.from("t") },
        link("name.txt", "target.txt"),
        { name: "name.txt", data: Buffer.from("plain file") },
      ]);
      await extractArchive(zip, dest, LIMITS);
      expect((await lstat(path.join(dest, "name.txt"))).isFile()).toBe(true);
      expect(await readFile(path.join(dest, "target.txt"), "utf8")).toBe("t");
    });
  });

  describe("size limits", () => {
    let bomb: Buffer;
    beforeAll(async () => {
      // 300 MB of zeros: about 300 KB compressed.
      bomb = await yazlZip((z) => {
        async function* zeros() {
          const block = Buffer.alloc(MB);
          for (let i = 0; i < 300; i++) yield block;
        }
        z.addReadStream(Readable.from(zeros()), "zeros.bin", { size: 300 * MB });
      });
    }, 60_000);

    it("rejects a 300 MB zip bomb against a 1 MB limit and removes what it wrote", async () => {
      expect(bomb.length).toBeLessThan(2 * MB);
      const error = await expectArchiveError(
        extractArchive(bomb, dest, { maxUnzippedBytes: MB, maxEntries: 10 }),
        CODE_ARCHIVE_ERRORS.tooLarge,
      );
      expect(error.message).toBe(`Unzipped size must be smaller than ${MB} bytes`);
      expect(await readdir(dest)).toEqual([]);
    });

    it("stops inflating at the limit rather than after the whole entry", async () => {
      // The deflate stream is cut in half: inflating it to the end fails as corrupt data, so a
      // size error proves extraction stopped at the limit before reaching the cut.
      const { deflated, crc } = await deflatedZeros(64 * MB);
      const cut = deflated.subarray(0, Math.floor(deflated.length / 2));
      const zip = rawZip([{ name: "zeros.bin", deflated: cut, crc, uncompressedSize: 64 * MB }]);
      await expectArchiveError(
        extractArchive(zip, dest, { maxUnzippedBytes: MB, maxEntries: 10 }),
        CODE_ARCHIVE_ERRORS.tooLarge,
      );
      await expectArchiveError(extractArchive(zip, dest, LIMITS), CODE_ARCHIVE_ERRORS.invalidZip);
    });

    it("counts real inflated bytes when headers understate the size", async () => {
      const { deflated, crc } = await deflatedZeros(32 * MB);
      const zip = rawZip([{ name: "liar.bin", deflated, crc, uncompressedSize: 10 }]);
      await expectArchiveError(
        extractArchive(zip, dest, { maxUnzippedBytes: MB, maxEntries: 10 }),
        CODE_ARCHIVE_ERRORS.tooLarge,
      );
      expect(await readdir(dest)).toEqual([]);
    });

    it("rejects an entry whose real size differs from its header within the limit", async () => {
      const data = Buffer.alloc(100, 1);
      const zip = rawZip([
        { name: "liar.bin", deflated: deflateRawSync(data), crc: crc32(data), uncompressedSize: 10 },
      ]);
      await expectArchiveError(extractArchive(zip, dest, LIMITS), CODE_ARCHIVE_ERRORS.invalidZip);
    });

    it("sums bytes across entries and accepts exactly the limit", async () => {
      const zip = await yazlZip((z) => {
        for (let i = 0; i < 4; i++) z.addBuffer(Buffer.alloc(1000, i), `part-${i}.bin`);
      });
      expect(await extractArchive(zip, dest, { maxUnzippedBytes: 4000, maxEntries: 10 })).toEqual({
        unzippedBytes: 4000,
        files: 4,
      });
      await rm(dest, { recursive: true });
      await expectArchiveError(
        extractArchive(zip, dest, { maxUnzippedBytes: 3999, maxEntries: 10 }),
        CODE_ARCHIVE_ERRORS.tooLarge,
      );
    });

    it("rejects an archive with more entries than allowed", async () => {
      const zip = await yazlZip((z) => {
        for (let i = 0; i < 5; i++) z.addBuffer(Buffer.from("x"), `f${i}.txt`);
      });
      await expectArchiveError(
        extractArchive(zip, dest, { ...LIMITS, maxEntries: 4 }),
        CODE_ARCHIVE_ERRORS.tooLarge,
      );
      expect((await extractArchive(zip, dest, { ...LIMITS, maxEntries: 5 })).files).toBe(5);
    });
  });

  describe("corrupt input", () => {
    it("rejects bytes that are not a zip with the AWS message", async () => {
      const error = await expectArchiveError(
        extractArchive(Buffer.from("definitely not a zip file"), dest, LIMITS),
        CODE_ARCHIVE_ERRORS.invalidZip,
      );
      expect(error.message).toBe(INVALID_ZIP_MESSAGE);
      expect(error).toBeInstanceOf(PlatformError);
      expect(error.kind).toBe("user");
      expect(error.status).toBe(400);
      expect(error.awsName).toBe("InvalidParameterValueException");
      expect(error.cause).toBeInstanceOf(Error);
    });

    it("rejects an empty upload", async () => {
      await expectArchiveError(extractArchive(Buffer.alloc(0), dest, LIMITS), CODE_ARCHIVE_ERRORS.invalidZip);
    });

    it("rejects a truncated zip", async () => {
      const zip = await yazlZip((z) => {
        z.addBuffer(Buffer.alloc(50_000, "a"), "a.txt");
        z.addBuffer(Buffer.alloc(50_000, "b"), "b.txt");
      });
      for (const length of [zip.length - 10, Math.floor(zip.length / 2), 30]) {
        await expectArchiveError(
          extractArchive(zip.subarray(0, length), dest, LIMITS),
          CODE_ARCHIVE_ERRORS.invalidZip,
        );
        expect(await readdir(dest)).toEqual([]);
      }
    });

    it("rejects entry data that fails its CRC-32", async () => {
      const zip = rawZip([{ name: "f.txt", data: Buffer.from("hello"), crc: 12345 }]);
      await expectArchiveError(extractArchive(zip, dest, LIMITS), CODE_ARCHIVE_ERRORS.invalidZip);
    });

    it("rejects corrupt deflate data", async () => {
      const zip = rawZip([
        { name: "f.txt", deflated: Buffer.from([0xff, 0xff, 0xff, 0xff]), crc: 0, uncompressedSize: 4 },
      ]);
      await expectArchiveError(extractArchive(zip, dest, LIMITS), CODE_ARCHIVE_ERRORS.invalidZip);
    });

    it("rejects encrypted entries and unknown compression methods", async () => {
      const encrypted = rawZip([{ name: "f.txt", data: Buffer.from("secret"), flags: 0x1 }]);
      await expectArchiveError(extractArchive(encrypted, dest, LIMITS), CODE_ARCHIVE_ERRORS.invalidZip);
      const bzip2 = rawZip([{ name: "f.txt", data: Buffer.from("data"), method: 12 }]);
      await expectArchiveError(extractArchive(bzip2, dest, LIMITS), CODE_ARCHIVE_ERRORS.invalidZip);
    });

    it("removes only what it created when the destination already held files", async () => {
      await writeFile(path.join(dest, "keep.txt"), "mine");
      const zip = rawZip([
        { name: "new/a.txt", data: Buffer.from("a") },
        { name: "../evil", data: Buffer.from("b") },
      ]);
      await expectArchiveError(extractArchive(zip, dest, LIMITS), CODE_ARCHIVE_ERRORS.pathEscape);
      expect(await readdir(dest)).toEqual(["keep.txt"]);
    });
  });
});
