import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { setPriority } from "node:os";

/**
 * Lowers function processes below the platform's CPU priority (`sandbox.functionNice`, off by
 * default), so a function that spins cannot starve the request path, and a runtime woken with an
 * invoke does not preempt the server in the middle of the requests it is dispatching (on a 2-core
 * machine at 10 connections: 0.15 preemptions of the server per request instead of 0.45). The
 * price is tail latency when the CPUs are saturated: at 50 connections p99 went from 50-70 ms to
 * 125-250 ms, with throughput within noise, hence off by default.
 *
 * Both knobs are set, for every process of the environment: the process's nice value, and, where
 * the kernel groups processes by session (`sched_autogroup_enabled`; each environment is its own
 * session, so only the group's nice value counts there), its autogroup's. Raising a nice value
 * needs no privilege. Best effort: a process that is gone or a kernel without autogroups is skipped.
 */
export function lowerPriority(rootPid: number, nice: number): void {
  if (nice <= 0) return;
  const ownSession = sessionOf(process.pid);
  for (const pid of processTree(rootPid)) {
    try {
      setPriority(pid, nice);
    } catch {
      // Gone, or not ours.
    }
    // Never the platform's own group: only processes in a session of their own.
    if (ownSession === undefined || sessionOf(pid) === ownSession) continue;
    try {
      writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    } catch {
      // No autogroups on this kernel, or the process is gone.
    }
  }
}

/** `pid` and its descendants (Linux: /proc/<pid>/task/<tid>/children). */
function processTree(rootPid: number): number[] {
  const out: number[] = [];
  const stack = [rootPid];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    out.push(pid);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ")) {
          if (child.trim() !== "") stack.push(Number(child));
        }
      } catch {
        // The task ended.
      }
    }
  }
  return out;
}

/** The session id of `pid` (field 6 of /proc/<pid>/stat), or undefined when unreadable. */
function sessionOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const sid = Number(fields[3]);
    return Number.isFinite(sid) ? sid : undefined;
  } catch {
    return undefined;
  }
}
