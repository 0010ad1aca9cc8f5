import { spawn } from "node:child_process";
import type { CgroupManager, EnvironmentCgroup } from "./cgroups.js";
import { CGROUP_ENTER_SCRIPT, PseudoFileReader } from "./cgroups.js";
import { lowerPriority } from "./priority.js";
import type { SandboxProcess, SandboxSpec } from "./sandbox-driver.js";

/**
 * Starts `argv` (host paths) in a new process group, inside a fresh cgroup when a manager is
 * given, and returns the handle both drivers share.
 */
export async function spawnSandboxed(
  spec: SandboxSpec,
  argv: string[],
  env: Record<string, string>,
  cgroups: CgroupManager | undefined,
  cleanup: () => Promise<void>,
  cwd?: string,
): Promise<SandboxProcess> {
  let cgroup: EnvironmentCgroup | undefined;
  let command = argv;
  let fullEnv = env;
  if (cgroups) {
    cgroup = await cgroups.create(spec.environmentId, {
      memoryBytes: spec.memoryMb * 1024 * 1024,
      maxProcesses: spec.maxProcesses,
    });
    command = ["/bin/sh", "-c", CGROUP_ENTER_SCRIPT, "nimbus-sandbox", ...argv];
    fullEnv = { ...env, NIMBUS_CGROUP_PROCS: cgroup.procsFiles.join(":") };
  }
  const [file, ...args] = command;
  if (file === undefined) throw new Error("empty argv");
  const child = spawn(file, args, {
    env: fullEnv,
    stdio: spec.framedChannel ? ["ignore", "pipe", "pipe", "pipe"] : ["ignore", "pipe", "pipe"],
    detached: true,
    ...(cwd === undefined ? {} : { cwd }),
  });
  const killGroup = () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };
  let disposed = false;
  const status = child.pid === undefined ? undefined : new PseudoFileReader(`/proc/${child.pid}/status`);
  return {
    child,
    peakMemoryBytes: () => (cgroup ? cgroup.peakMemoryBytes() : procPeak(status)),
    setMemoryLimit: async (memoryMb) => {
      await cgroup?.setMemoryLimit(memoryMb * 1024 * 1024);
    },
    deprioritize: () => {
      if (child.pid !== undefined && spec.nice) lowerPriority(child.pid, spec.nice);
    },
    wasOomKilled: async () => (cgroup ? (await cgroup.oomKills()) > 0 : false),
    kill: killGroup,
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      killGroup();
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => child.once("exit", () => resolve()));
      }
      status?.close();
      await cgroup?.remove();
      await cleanup();
    },
  };
}

/** Peak resident memory of one process (VmHWM), for environments without a cgroup. */
function procPeak(status: PseudoFileReader | undefined): number | undefined {
  const line = status
    ?.read()
    ?.split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  return line ? Number(line.replace(/\D+/g, "")) * 1024 : undefined;
}
