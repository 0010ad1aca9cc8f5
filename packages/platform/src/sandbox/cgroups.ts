import { closeSync, existsSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Per-environment control group: memory and process limits, peak memory and OOM kills. */
export interface EnvironmentCgroup {
  /** `cgroup.procs` files the sandbox's first process must join (one per v1 hierarchy). */
  procsFiles: string[];
  /** Read in place (a pseudo-file read of microseconds), so reports need no extra turn. */
  peakMemoryBytes(): number | undefined;
  oomKills(): Promise<number>;
  /** Changes the memory limit (a pre-started environment gets its function's size) and restarts the peak. */
  setMemoryLimit(bytes: number): Promise<void>;
  remove(): Promise<void>;
}

export interface CgroupManager {
  readonly version: 1 | 2;
  create(id: string, limits: { memoryBytes: number; maxProcesses: number }): Promise<EnvironmentCgroup>;
  close(): Promise<void>;
}

/**
 * Finds a writable cgroup hierarchy with memory and pids control under this process's own
 * cgroup (v2 unified, or the v1 memory + pids hierarchies), or returns a reason it cannot.
 */
export async function detectCgroups(
  pid: number = process.pid,
): Promise<CgroupManager | { unavailable: string }> {
  let own: string;
  try {
    own = await readFile("/proc/self/cgroup", "utf8");
  } catch {
    return { unavailable: "/proc/self/cgroup is not readable (not Linux?)" };
  }
  const lines = own
    .trim()
    .split("\n")
    .map((l) => l.split(":"));
  const v1 = (controller: string) => lines.find((l) => (l[1] ?? "").split(",").includes(controller))?.[2];
  const memPath = v1("memory");
  const pidsPath = v1("pids");
  if (
    memPath !== undefined &&
    pidsPath !== undefined &&
    existsSync("/sys/fs/cgroup/memory/memory.limit_in_bytes")
  ) {
    const memory = join("/sys/fs/cgroup/memory", memPath, `nimbus-${pid}`);
    const pids = join("/sys/fs/cgroup/pids", pidsPath, `nimbus-${pid}`);
    try {
      await mkdir(memory, { recursive: true });
      await mkdir(pids, { recursive: true });
    } catch (error) {
      return { unavailable: `cannot create cgroups (v1): ${(error as Error).message}` };
    }
    return new V1Cgroups(memory, pids);
  }
  const unified = lines.find((l) => l[0] === "0" && l[1] === "")?.[2];
  if (unified !== undefined && existsSync("/sys/fs/cgroup/cgroup.controllers")) {
    const parent = join("/sys/fs/cgroup", unified, `nimbus-${pid}`);
    try {
      await mkdir(parent, { recursive: true });
      await writeFile(join(parent, "cgroup.subtree_control"), "+memory +pids");
    } catch (error) {
      return { unavailable: `cannot create cgroups (v2): ${(error as Error).message}` };
    }
    return new V2Cgroups(parent);
  }
  return { unavailable: "no cgroup hierarchy with the memory and pids controllers is mounted" };
}

/**
 * Reads a number from a kernel pseudo-file (cgroupfs, procfs) through a descriptor kept open.
 * Such reads never touch a disk and take microseconds, so they run inline on the invoke path
 * instead of costing four thread-pool round trips (open, stat, read, close) per invocation.
 */
export class PseudoFileReader {
  private fd: number | undefined;
  private readonly buffer = Buffer.alloc(4096);

  constructor(private readonly path: string) {}

  read(): string | undefined {
    try {
      this.fd ??= openSync(this.path, "r");
      const n = readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
      return this.buffer.toString("utf8", 0, n);
    } catch {
      this.close();
      return undefined;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Writes a cgroup file; `optional` ones (swap, peak reset) may be missing on a host. */
function writeQuietly(path: string, value: string, optional: boolean): void {
  try {
    writeFileSync(path, value);
  } catch (error) {
    if (!optional) throw error;
  }
}

function numberOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

async function readKey(path: string, key: string): Promise<number> {
  try {
    const line = (await readFile(path, "utf8")).split("\n").find((l) => l.startsWith(`${key} `));
    return line ? Number(line.split(" ")[1]) : 0;
  } catch {
    return 0;
  }
}

class V1Cgroups implements CgroupManager {
  readonly version = 1;
  constructor(
    private readonly memoryRoot: string,
    private readonly pidsRoot: string,
  ) {}

  async create(
    id: string,
    limits: { memoryBytes: number; maxProcesses: number },
  ): Promise<EnvironmentCgroup> {
    const memory = join(this.memoryRoot, id);
    const pids = join(this.pidsRoot, id);
    await mkdir(memory);
    await mkdir(pids);
    await writeFile(join(memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
    // With swap present, also cap memory+swap so the limit cannot be dodged by swapping.
    await writeFile(join(memory, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes)).catch(() => {});
    await writeFile(join(pids, "pids.max"), String(limits.maxProcesses));
    const peak = new PseudoFileReader(join(memory, "memory.max_usage_in_bytes"));
    return {
      procsFiles: [join(memory, "cgroup.procs"), join(pids, "cgroup.procs")],
      peakMemoryBytes: () => numberOf(peak.read()),
      oomKills: () => readKey(join(memory, "memory.oom_control"), "oom_kill"),
      setMemoryLimit: async (bytes) => {
        // cgroupfs writes are in-kernel and take microseconds; done inline (as PseudoFileReader
        // reads are) they cost ~0.3 ms instead of several thread-pool round trips on a cold start.
        // With swap accounting the memsw limit must stay >= the memory limit: order the writes.
        const limit = join(memory, "memory.limit_in_bytes");
        const memsw = join(memory, "memory.memsw.limit_in_bytes");
        const current = Number(readFileSync(limit, "utf8").trim());
        const order = bytes < current ? [limit, memsw] : [memsw, limit];
        for (const file of order) writeQuietly(file, String(bytes), file === memsw);
        writeQuietly(join(memory, "memory.max_usage_in_bytes"), "0", true);
      },
      remove: async () => {
        peak.close();
        await rmdir(memory).catch(() => {});
        await rmdir(pids).catch(() => {});
      },
    };
  }

  async close(): Promise<void> {
    await rmdir(this.memoryRoot).catch(() => {});
    await rmdir(this.pidsRoot).catch(() => {});
  }
}

class V2Cgroups implements CgroupManager {
  readonly version = 2;
  constructor(private readonly root: string) {}

  async create(
    id: string,
    limits: { memoryBytes: number; maxProcesses: number },
  ): Promise<EnvironmentCgroup> {
    const dir = join(this.root, id);
    await mkdir(dir);
    await writeFile(join(dir, "memory.max"), String(limits.memoryBytes));
    await writeFile(join(dir, "memory.swap.max"), "0").catch(() => {});
    await writeFile(join(dir, "pids.max"), String(limits.maxProcesses));
    const peak = new PseudoFileReader(join(dir, "memory.peak"));
    return {
      procsFiles: [join(dir, "cgroup.procs")],
      peakMemoryBytes: () => numberOf(peak.read()),
      oomKills: () => readKey(join(dir, "memory.events"), "oom_kill"),
      setMemoryLimit: async (bytes) => {
        writeQuietly(join(dir, "memory.max"), String(bytes), false);
        writeQuietly(join(dir, "memory.peak"), "0", true);
      },
      remove: async () => {
        peak.close();
        await rmdir(dir).catch(() => {});
      },
    };
  }

  async close(): Promise<void> {
    await rmdir(this.root).catch(() => {});
  }
}

/**
 * argv prefix that moves the process into the cgroups before exec'ing the real command, so
 * the limits hold from the first instruction. The paths come in an environment variable.
 */
export const CGROUP_ENTER_SCRIPT =
  'IFS=:; for f in $NIMBUS_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; unset NIMBUS_CGROUP_PROCS; exec "$@"';
