import { createHash, randomBytes } from "node:crypto";
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CodeStore } from "../code-store.js";

const BOUNDARY_PACKAGE_JSON = `${JSON.stringify({ private: true, description: "Module-type boundary for merged layer folders" })}\n`;

/** `<dataDir>/opt`: the merged layer folders live beside the CodeStore's `<dataDir>/code`. */
export function optRootBeside(code: CodeStore): string {
  return join(dirname(dirname(code.codeDir("_"))), "opt");
}

/**
 * The folder a function sees as /opt: its layers unpacked in order, later layers overwriting
 * earlier files (as Lambda extracts them). Each layer is unpacked once by the CodeStore; the
 * merged tree hard-links those files (copying where linking fails) into
 * `<rootDir>/<sha256 of the ordered layer codeKeys>`, built in a temp folder and renamed into
 * place, so it is complete whenever it exists and is shared by every function with the same
 * ordered layers.
 */
export async function assembleOpt(
  code: CodeStore,
  codeKeys: readonly string[],
  rootDir: string = optRootBeside(code),
): Promise<string> {
  const target = join(rootDir, optFolderName(codeKeys));
  if (await exists(target)) return target;
  await mkdir(rootDir, { recursive: true });
  // As for unpacked code: Node resolves a module's type from the nearest package.json up the
  // tree; in /opt there is none above the layers, so give the host folder the same boundary.
  await writeFile(join(rootDir, "package.json"), BOUNDARY_PACKAGE_JSON);
  const temp = join(rootDir, `.tmp-${randomBytes(8).toString("hex")}`);
  try {
    await mkdir(temp);
    await chmod(temp, 0o755); // not left to the umask: the sandbox may read as another user
    for (const key of codeKeys) await mergeInto(await code.ensureUnpacked(key), temp);
    await rename(temp, target).catch((error: NodeJS.ErrnoException) => {
      // Another cold start assembled the same layers first: theirs is identical.
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
    return target;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Folder name of a merged tree: hex SHA-256 of the ordered layer codeKeys. */
export function optFolderName(codeKeys: readonly string[]): string {
  return createHash("sha256").update(codeKeys.join("\n")).digest("hex");
}

/** Copies the tree `src` over `dest`: an entry of `src` replaces whatever `dest` has at its path. */
/**
 * Hard-links (or copies) every file of `src` into `dest`, replacing what is there; folders are
 * created as needed. Used for layers and to give a pre-started environment its code.
 */
export async function mergeInto(src: string, dest: string): Promise<void> {
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const from = join(src, entry.name);
    const to = join(dest, entry.name);
    const existing = await lstat(to).catch(() => undefined);
    if (entry.isDirectory()) {
      if (existing?.isDirectory() !== true) {
        if (existing) await rm(to, { recursive: true, force: true });
        await mkdir(to);
        await chmod(to, 0o755);
      }
      await mergeInto(from, to);
      continue;
    }
    if (existing) await rm(to, { recursive: true, force: true });
    if (entry.isSymbolicLink()) await symlink(await readlink(from), to);
    else if (entry.isFile()) await linkOrCopy(from, to);
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    // Another file system, a link limit, or a file system without hard links.
    await copyFile(from, to);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
