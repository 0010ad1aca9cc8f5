import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BlobStore } from "../storage/blob-store.js";
import { extractArchive, inspectArchive } from "./code-archive.js";
import { functionsError } from "./errors.js";

const BOUNDARY_PACKAGE_JSON = `${JSON.stringify({ private: true, description: "Module-type boundary for unpacked function code" })}\n`;

export interface IngestedCode {
  /** hex SHA-256: blob key and extracted folder name. */
  codeKey: string;
  /** base64 SHA-256, AWS's CodeSha256. */
  codeSha256: string;
  sizeBytes: number;
  unzippedBytes: number;
}

export interface CodeStoreLimits {
  maxZipBytes: number;
  maxUnzippedBytes: number;
}

/**
 * Code archives: kept whole in the BlobStore (GetFunction serves them back) and unpacked once
 * per content hash into `<dir>/<hex>`, the read-only folder a sandbox mounts at /var/task.
 */
export class CodeStore {
  constructor(
    private readonly dir: string,
    private readonly blobs: BlobStore,
    private readonly limits: CodeStoreLimits,
  ) {}

  /** Validates, unpacks and stores an archive. Nothing is kept when it is refused. */
  async ingest(zip: Buffer): Promise<IngestedCode> {
    if (zip.length > this.limits.maxZipBytes) {
      throw functionsError.tooLarge(
        `Zipped code must be smaller than ${this.limits.maxZipBytes} bytes for direct upload.`,
      );
    }
    const info = inspectArchive(zip);
    const target = this.codeDir(info.sha256Hex);
    let unzippedBytes: number;
    const existing = await sizeMarker(target);
    if (existing !== undefined) {
      unzippedBytes = existing;
    } else {
      unzippedBytes = await this.unpack(zip, target);
    }
    await this.blobs.put(zip);
    return {
      codeKey: info.sha256Hex,
      codeSha256: info.sha256Base64,
      sizeBytes: info.sizeBytes,
      unzippedBytes,
    };
  }

  /** The unpacked folder of `codeKey`, unpacking it again from the blob when it went missing. */
  async ensureUnpacked(codeKey: string): Promise<string> {
    const target = this.codeDir(codeKey);
    if ((await sizeMarker(target)) !== undefined) return target;
    const zip = await this.blobs.get(codeKey);
    if (!zip) throw new Error(`code archive ${codeKey} is missing from the blob store`);
    await this.unpack(zip, target);
    return target;
  }

  codeDir(codeKey: string): string {
    return join(this.dir, codeKey);
  }

  private async unpack(zip: Buffer, target: string): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    // Node resolves a module's type from the nearest package.json up the tree. In /var/task
    // there is none above the code; give unpacked code the same neutral boundary here.
    await writeFile(join(this.dir, "package.json"), BOUNDARY_PACKAGE_JSON, { flag: "w" });
    // A folder without its size marker is what a crash mid-unpack leaves: start over.
    await rm(target, { recursive: true, force: true });
    const temp = join(this.dir, `.tmp-${randomBytes(8).toString("hex")}`);
    try {
      await mkdir(join(temp, "code"), { recursive: true });
      const result = await extractArchive(zip, join(temp, "code"), {
        maxUnzippedBytes: this.limits.maxUnzippedBytes,
        maxEntries: 100_000,
      });
      await rename(join(temp, "code"), target).catch(async (error: NodeJS.ErrnoException) => {
        // Another request unpacked the same archive first: theirs is identical.
        if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      });
      await writeMarker(target, result.unzippedBytes);
      return result.unzippedBytes;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
}

// The unpacked size is kept beside the folder so a restart need not walk it again; the marker
// is written last, so a folder without one is incomplete and is unpacked again.
async function sizeMarker(target: string): Promise<number | undefined> {
  try {
    return Number(await readFile(`${target}.size`, "utf8"));
  } catch {
    return undefined;
  }
}

async function writeMarker(target: string, bytes: number): Promise<void> {
  await writeFile(`${target}.size`, String(bytes));
}
