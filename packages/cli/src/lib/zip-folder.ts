import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ZipFile } from "yazl";

/** Every entry's timestamp: fixed, so the same files always give the same archive and hash. */
const FIXED_MTIME = new Date("1980-01-01T00:00:00Z");

/**
 * Zips a folder deterministically: entries sorted by path, fixed timestamps, the files' modes
 * kept (an executable `bootstrap` stays executable), symbolic links followed (as
 * `aws cloudformation package` does). Only files are stored, as the AWS CLI stores them.
 * `.nimbus/` and `.git/` folders are left out.
 */
export async function zipFolder(dir: string): Promise<Buffer> {
  const files = await listFiles(dir, "");
  const zip = new ZipFile();
  for (const file of files) {
    const full = join(dir, file);
    const info = await stat(full);
    zip.addBuffer(await readFile(full), file, { mtime: FIXED_MTIME, mode: info.mode, compress: true });
  }
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    zip.outputStream.on("data", (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
  });
  zip.end();
  return done;
}

const SKIPPED_FOLDERS = new Set([".nimbus", ".git"]);

/** Relative POSIX paths of every file under `dir`, sorted by code point. */
async function listFiles(root: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(join(root, prefix), { withFileTypes: true });
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(join(root, rel)).catch(() => undefined);
      isDir = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    // Nimbus's own data folder (`nimbus dev` keeps it beside the template) and version control
    // metadata are never function code.
    if (isDir && SKIPPED_FOLDERS.has(entry.name)) continue;
    if (isDir) out.push(...(await listFiles(root, rel)));
    else if (isFile) out.push(rel);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
