import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { lowerPriority } from "./priority.js";

const children: { kill(): boolean }[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

/** A process tree like an environment's: a session leader with a child (`sh` -> `sleep`). */
function startTree(detached: boolean): number {
  // Detached: a session of its own, as environments are. Otherwise one process, in ours.
  const child = detached
    ? spawn("/bin/sh", ["-c", "sleep 30 & wait"], { detached, stdio: "ignore" })
    : spawn("sleep", ["30"], { stdio: "ignore" });
  children.push({
    kill: () =>
      detached && child.pid !== undefined ? process.kill(-child.pid, "SIGKILL") : child.kill("SIGKILL"),
  });
  if (child.pid === undefined) throw new Error("spawn failed");
  return child.pid;
}

function descendantOf(pid: number): number | undefined {
  for (let i = 0; i < 200; i++) {
    const task = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    if (task !== "") return Number(task.split(" ")[0]);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  return undefined;
}

const autogroups = existsSync("/proc/self/autogroup");

describe("lowerPriority", () => {
  it("sets the nice value of every process of the tree, and its session's autogroup", () => {
    const root = startTree(true);
    const leaf = descendantOf(root);
    expect(leaf).toBeDefined();
    lowerPriority(root, 10);
    expect(getPriority(root)).toBe(10);
    expect(getPriority(leaf ?? 0)).toBe(10);
    if (autogroups) expect(readFileSync(`/proc/${leaf}/autogroup`, "utf8")).toMatch(/nice 10/);
  });

  it("never touches the platform's own autogroup (a process in the server's session)", () => {
    const before = autogroups ? readFileSync("/proc/self/autogroup", "utf8") : "";
    const root = startTree(false);
    lowerPriority(root, 7);
    expect(getPriority(root)).toBe(7);
    if (autogroups) expect(readFileSync("/proc/self/autogroup", "utf8")).toBe(before);
  });

  it("does nothing at 0 and skips processes that are gone", () => {
    const root = startTree(true);
    lowerPriority(root, 0);
    expect(getPriority(root)).toBe(0);
    expect(() => lowerPriority(2 ** 22 + 12345, 10)).not.toThrow();
  });
});
