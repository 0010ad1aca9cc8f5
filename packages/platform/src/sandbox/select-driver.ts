import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { BubblewrapDriver } from "./bubblewrap-driver.js";
import { detectCgroups } from "./cgroups.js";
import { ProcessDriver } from "./process-driver.js";
import type { SandboxDriver } from "./sandbox-driver.js";

const run = promisify(execFile);

export interface DriverSelection {
  driver: SandboxDriver;
  /** Everything the operator must know about missing isolation, for the banner and health. */
  warnings: string[];
}

/**
 * Picks the sandbox driver: bubblewrap when it is installed and works here (or when asked
 * for), else plain processes; cgroups for memory and process limits when the host grants them.
 */
export async function selectDriver(options: {
  isolation: "auto" | "bubblewrap" | "process";
  bwrapPath: string;
  scratchDir: string;
}): Promise<DriverSelection> {
  const warnings: string[] = [];
  const cgroups = await detectCgroups();
  const manager = "unavailable" in cgroups ? undefined : cgroups;
  if ("unavailable" in cgroups)
    warnings.push(`memory and process limits are NOT enforced: ${cgroups.unavailable}`);
  if (options.isolation !== "process") {
    const probe = await probeBubblewrap(options.bwrapPath);
    if (probe === true) {
      return {
        driver: new BubblewrapDriver(options.bwrapPath, manager, await writeSandboxEtc(options.scratchDir)),
        warnings,
      };
    }
    if (options.isolation === "bubblewrap")
      throw new Error(`bubblewrap isolation was requested but does not work here: ${probe}`);
    warnings.push(
      `functions run WITHOUT isolation (plain processes): ${probe}; install bubblewrap (apt-get install bubblewrap) to isolate them`,
    );
  } else {
    warnings.push(
      "functions run WITHOUT isolation (plain processes), as configured (sandbox.isolation = process)",
    );
  }
  return { driver: new ProcessDriver(options.scratchDir, manager), warnings };
}

/**
 * /etc/passwd and /etc/group for inside the sandbox: the function's user (uid 993, as AWS's
 * sbx_user1051) with /tmp as home, so os.homedir() and getpwuid work as on Lambda.
 */
async function writeSandboxEtc(scratchDir: string): Promise<{ passwd: string; group: string }> {
  const dir = join(scratchDir, "etc");
  await mkdir(dir, { recursive: true });
  const passwd = join(dir, "passwd");
  const group = join(dir, "group");
  await writeFile(
    passwd,
    "root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:993:990::/tmp:/sbin/nologin\n",
  );
  await writeFile(group, "root:x:0:\nsbx_user1051:x:990:\n");
  return { passwd, group };
}

async function probeBubblewrap(bwrapPath: string): Promise<true | string> {
  try {
    await run(
      bwrapPath,
      [
        "--unshare-user",
        "--unshare-pid",
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--",
        "/bin/sh",
        "-c",
        "exit 0",
      ],
      { timeout: 5000 },
    );
    return true;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    return e.code === "ENOENT"
      ? `${bwrapPath} is not installed`
      : `${bwrapPath} cannot create namespaces here (${(e.stderr ?? e.message).trim()})`;
  }
}
