import { createHash } from "node:crypto";
import {
  chmod,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  realpath,
  rm,
  symlink,
  unlink,
} from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import yauzl from "yauzl";
import { PlatformError } from "../core/errors.js";

/** Codes of the errors raised while validating or unpacking a function's zip archive. */
export const CODE_ARCHIVE_ERRORS = {
  invalidZip: "ERR_FUNCTIONS_INVALID_ZIP",
  pathEscape: "ERR_FUNCTIONS_ZIP_PATH_ESCAPE",
  tooLarge: "ERR_FUNCTIONS_ZIP_TOO_LARGE",
} as const;

export type CodeArchiveErrorCode = (typeof CODE_ARCHIVE_ERRORS)[keyof typeof CODE_ARCHIVE_ERRORS];

/** The message AWS answers for an archive it cannot read. */
export const INVALID_ZIP_MESSAGE =
  "Could not unzip uploaded file. Please check your file, then try to upload again.";

/**
 * A zip archive that is unreadable, unsafe or too large. Always the uploader's fault, so `user`,
 * 400 and `InvalidParameterValueException`; the technical detail is in `cause`.
 */
export class CodeArchiveError extends PlatformError {
  declare readonly code: CodeArchiveErrorCode;

  constructor(code: CodeArchiveErrorCode, message: string, detail?: string) {
    super({
      code,
      message,
      kind: "user",
      status: 400,
      awsName: "InvalidParameterValueException",
      ...(detail === undefined ? {} : { cause: new Error(detail) }),
    });
    this.name = "CodeArchiveError";
  }
}

export interface ArchiveDigest {
  /** Base64 SHA-256 of the zip bytes: what AWS reports as `CodeSha256`. */
  sha256Base64: string;
  sha256Hex: string;
  sizeBytes: number;
}

export interface ExtractLimits {
  /** Real inflated bytes allowed across all entries (AWS: 262144000). */
  maxUnzippedBytes: number;
  maxEntries: number;
}

export interface ExtractResult {
  unzippedBytes: number;
  /** Regular files and symlinks written (directories not counted). */
  files: number;
}

/** Hashes a zip archive the way AWS reports it in `CodeSha256` / `CodeSize`. */
export function inspectArchive(zip: Buffer): ArchiveDigest {
  const digest = createHash("sha256").update(zip).digest();
  return {
    sha256Base64: digest.toString("base64"),
    sha256Hex: digest.toString("hex"),
    sizeBytes: zip.length,
  };
}

/** Longest symlink target accepted (PATH_MAX); symlink data is read into memory. */
const MAX_SYMLINK_TARGET_BYTES = 4096;
/** Symlinks followed while checking one link, as the kernel's ELOOP limit. */
const MAX_SYMLINK_HOPS = 40;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** Errors from our own disk or the zip file's path: not the uploader's fault, passed on unchanged. */
const IO_ERROR_CODES = new Set([
  "ENOENT",
  "EACCES",
  "EPERM",
  "ENOSPC",
  "EDQUOT",
  "EROFS",
  "EIO",
  "EMFILE",
  "ENFILE",
  "ENOMEM",
  "EBADF",
  "EBUSY",
]);

/**
 * Unpacks a function's zip archive into `destDir` (created if missing; meant to be a fresh
 * temp dir), streaming entry by entry. Entries may not leave the root, directly or through a
 * symlink; inflated bytes are counted as they stream, so lying headers and zip bombs stop at
 * the limit. The unix executable bit is kept (files become 0755 or 0644). On failure everything
 * this call created in `destDir` is removed and a {@link CodeArchiveError} is thrown; errors of
 * our own disk (ENOSPC, EACCES, ...) are passed on unchanged.
 */
export async function extractArchive(
  zip: Buffer | string,
  destDir: string,
  limits: ExtractLimits,
): Promise<ExtractResult> {
  await mkdir(destDir, { recursive: true });
  const root = await realpath(destDir);
  const existing = new Set(await readdir(root));
  let zipfile: yauzl.ZipFile | undefined;
  try {
    zipfile = await openZip(zip);
    return await new Extraction(zipfile, root, limits).run();
  } catch (error) {
    await removeCreated(root, existing);
    throw classify(error);
  } finally {
    zipfile?.close();
  }
}

async function openZip(zip: Buffer | string): Promise<yauzl.ZipFile> {
  // decodeStrings off: we decode and validate names ourselves, so a bad name is reported as a
  // path escape rather than as a generic yauzl error. Sizes are checked by our own meter.
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false };
  return typeof zip === "string" ? yauzl.openPromise(zip, options) : yauzl.fromBufferPromise(zip, options);
}

class Extraction {
  private readonly budget: Budget;
  private readonly knownDirs = new Set<string>();
  private readonly symlinks: string[][] = [];
  private files = 0;
  private entries = 0;

  constructor(
    private readonly zipfile: yauzl.ZipFile,
    private readonly root: string,
    private readonly limits: ExtractLimits,
  ) {
    this.budget = { used: 0, max: limits.maxUnzippedBytes };
  }

  async run(): Promise<ExtractResult> {
    if (this.zipfile.entryCount > this.limits.maxEntries) throw tooManyEntries(this.limits.maxEntries);
    for await (const entry of this.zipfile.eachEntry()) {
      this.entries += 1;
      if (this.entries > this.limits.maxEntries) throw tooManyEntries(this.limits.maxEntries);
      await this.extractEntry(entry);
    }
    for (const link of this.symlinks) {
      if (!(await staysInside(this.root, link))) {
        throw pathEscape(`symlink ${link.join("/")} resolves outside the archive root`);
      }
    }
    return { unzippedBytes: this.budget.used, files: this.files };
  }

  private async extractEntry(entry: yauzl.Entry): Promise<void> {
    const name = yauzl.getFileNameLowLevel(
      entry.generalPurposeBitFlag,
      entry.fileNameRaw,
      entry.extraFields,
      false,
    );
    const segments = safeSegments(name);
    const mode = entry.externalFileAttributes >>> 16;
    const type = mode & S_IFMT;
    const isDir = name.endsWith("/") || type === S_IFDIR;
    if (isDir) {
      await this.ensureDir(segments);
      return;
    }
    if (segments.length === 0) throw invalidZip(`entry ${JSON.stringify(name)} has no file name`);
    if (entry.isEncrypted()) throw invalidZip(`entry ${name} is encrypted`);
    if (!entry.canDecodeFileData()) {
      throw invalidZip(`entry ${name} uses unsupported compression method ${entry.compressionMethod}`);
    }
    await this.ensureDir(segments.slice(0, -1));
    const target = path.join(this.root, ...segments);
    await clearFileSlot(target, name);
    const meter = new EntryMeter(this.budget);
    if (type === S_IFLNK) {
      const source = await this.zipfile.openReadStreamPromise(entry);
      const linkTarget = await readSymlinkTarget(source, meter, name);
      checkEntrySize(entry, meter, name);
      checkSymlinkTarget(segments, linkTarget, name);
      await symlink(linkTarget, target);
      this.symlinks.push(segments);
    } else {
      // Only the executable bit survives: no setuid, no group/world write.
      const fileMode = mode & 0o111 ? 0o755 : 0o644;
      const handle = await open(target, "wx", fileMode);
      let source: Readable;
      try {
        await handle.chmod(fileMode); // open's mode is subject to the umask
        source = await this.zipfile.openReadStreamPromise(entry);
      } catch (error) {
        await handle.close();
        throw error;
      }
      await pipeline(source, meter, handle.createWriteStream());
      checkEntrySize(entry, meter, name);
    }
    this.files += 1;
  }

  /** Creates `segments` under the root, refusing to walk through a symlink or a file. */
  private async ensureDir(segments: string[]): Promise<void> {
    for (let i = 1; i <= segments.length; i++) {
      const rel = segments.slice(0, i).join("/");
      if (this.knownDirs.has(rel)) continue;
      const abs = path.join(this.root, ...segments.slice(0, i));
      const stats = await lstat(abs).catch((error: unknown) => {
        if (errorCode(error) === "ENOENT") return undefined;
        throw error;
      });
      if (stats === undefined) {
        await mkdir(abs);
        await chmod(abs, 0o755); // not left to the umask: the sandbox may read as another user
      } else if (stats.isSymbolicLink()) throw pathEscape(`entry path ${rel} goes through a symlink`);
      else if (!stats.isDirectory()) throw invalidZip(`entry path ${rel} is both a file and a directory`);
      this.knownDirs.add(rel);
    }
  }
}

interface Budget {
  used: number;
  max: number;
}

/** Counts real inflated bytes (per entry and against the shared budget) and their CRC-32. */
class EntryMeter extends Transform {
  bytes = 0;
  crc = 0;

  constructor(private readonly budget: Budget) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.budget.used += chunk.length;
    if (this.budget.used > this.budget.max) {
      callback(tooLarge(this.budget.max));
      return;
    }
    this.crc = crc32(chunk, this.crc);
    callback(null, chunk);
  }
}

/**
 * Splits an entry name into safe path segments. Backslashes count as separators (some Windows
 * tools write them), so `..\\x` is caught like `../x`.
 */
function safeSegments(name: string): string[] {
  const normalized = name.replace(/\\/g, "/");
  if (normalized.includes("\0")) throw invalidZip(`entry name ${JSON.stringify(name)} contains a NUL byte`);
  if (normalized.startsWith("/") || /^[a-zA-Z]:/.test(normalized)) {
    throw pathEscape(`entry ${JSON.stringify(name)} is an absolute path`);
  }
  const segments = normalized.split("/").filter((part) => part !== "" && part !== ".");
  if (segments.includes("..")) throw pathEscape(`entry ${JSON.stringify(name)} leaves the archive root`);
  return segments;
}

/** Makes room for a file or symlink entry: a duplicate entry replaces the earlier one. */
async function clearFileSlot(target: string, name: string): Promise<void> {
  const stats = await lstat(target).catch((error: unknown) => {
    if (errorCode(error) === "ENOENT") return undefined;
    throw error;
  });
  if (stats === undefined) return;
  if (stats.isDirectory()) throw invalidZip(`entry ${name} is both a file and a directory`);
  await unlink(target);
}

async function readSymlinkTarget(source: Readable, meter: EntryMeter, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  await pipeline(source, meter, async (stream: AsyncIterable<Buffer>) => {
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > MAX_SYMLINK_TARGET_BYTES) throw invalidZip(`symlink ${name} has an overlong target`);
      chunks.push(chunk);
    }
  });
  const target = Buffer.concat(chunks).toString("utf8");
  if (target === "" || target.includes("\0")) throw invalidZip(`symlink ${name} has an invalid target`);
  return target;
}

/** Lexical check of a symlink target: relative, and inside the root from the link's folder. */
function checkSymlinkTarget(linkSegments: string[], target: string, name: string): void {
  if (target.startsWith("/") || target.includes("\\") || /^[a-zA-Z]:/.test(target)) {
    throw pathEscape(`symlink ${name} points to an absolute path`);
  }
  const resolved = path.posix.normalize(path.posix.join(...linkSegments.slice(0, -1), target));
  if (resolved === ".." || resolved.startsWith("../")) {
    throw pathEscape(`symlink ${name} points outside the archive root`);
  }
}

/**
 * Resolves a symlink on disk the way the kernel would, following every link in the chain, and
 * tells whether it stays inside the root. Run after all entries exist, so links created later in
 * the archive (`a -> .` then `b -> a/..`) are seen. Missing components resolve lexically.
 */
async function staysInside(root: string, link: string[]): Promise<boolean> {
  let resolved: string[] = [];
  let pending = [...link];
  let hops = 0;
  while (pending.length > 0) {
    const [part, ...rest] = pending;
    pending = rest;
    if (part === undefined || part === "" || part === ".") continue;
    if (part === "..") {
      if (resolved.length === 0) return false;
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    const abs = path.join(root, ...candidate);
    const stats = await lstat(abs).catch(() => undefined);
    if (stats?.isSymbolicLink()) {
      hops += 1;
      if (hops > MAX_SYMLINK_HOPS) return false;
      const target = await readlink(abs);
      if (target.startsWith("/")) return false;
      pending = [...target.split("/"), ...pending];
    } else {
      resolved = candidate;
    }
  }
  return true;
}

function checkEntrySize(entry: yauzl.Entry, meter: EntryMeter, name: string): void {
  if (meter.bytes !== entry.uncompressedSize) {
    throw invalidZip(`entry ${name} inflated to ${meter.bytes} bytes, header says ${entry.uncompressedSize}`);
  }
  if (meter.crc !== entry.crc32) throw invalidZip(`entry ${name} fails its CRC-32 check`);
}

async function removeCreated(root: string, existing: Set<string>): Promise<void> {
  const names = await readdir(root).catch(() => []);
  for (const name of names) {
    if (!existing.has(name)) await rm(path.join(root, name), { recursive: true, force: true });
  }
}

/** Turns whatever failed into the error the caller gets. */
function classify(error: unknown): unknown {
  if (error instanceof CodeArchiveError) return error;
  const code = errorCode(error);
  if (code !== undefined && IO_ERROR_CODES.has(code)) return error;
  // Programming errors stay what they are; everything else came from parsing the archive
  // (yauzl, zlib, buffer reads) or from entries that clash on disk (EEXIST, ENOTDIR, ...).
  if (error instanceof TypeError || error instanceof ReferenceError) return error;
  return invalidZip(error instanceof Error ? error.message : String(error));
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function invalidZip(detail: string): CodeArchiveError {
  return new CodeArchiveError(CODE_ARCHIVE_ERRORS.invalidZip, INVALID_ZIP_MESSAGE, detail);
}

function pathEscape(detail: string): CodeArchiveError {
  return new CodeArchiveError(
    CODE_ARCHIVE_ERRORS.pathEscape,
    `Could not unzip uploaded file: ${detail}. Entries must stay inside the archive.`,
    detail,
  );
}

function tooLarge(maxBytes: number): CodeArchiveError {
  return new CodeArchiveError(
    CODE_ARCHIVE_ERRORS.tooLarge,
    `Unzipped size must be smaller than ${maxBytes} bytes`,
    `more than ${maxBytes} bytes inflated`,
  );
}

function tooManyEntries(maxEntries: number): CodeArchiveError {
  return new CodeArchiveError(
    CODE_ARCHIVE_ERRORS.tooLarge,
    `Zip file must contain at most ${maxEntries} entries`,
    `more than ${maxEntries} entries`,
  );
}
