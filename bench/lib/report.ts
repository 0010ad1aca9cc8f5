import { execFileSync } from "node:child_process";
import { cpus, totalmem } from "node:os";

/** Machine, Node version and commit, for the head of docs/benchmarks.md. */
export function environmentTable(): string {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"]).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain"]).toString().trim() !== "";
    if (dirty) commit += " (with uncommitted changes)";
  } catch {}
  const cpu = cpus();
  return [
    "| | |",
    "|---|---|",
    `| Machine | ${cpu.length} x ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB |`,
    `| Node | ${process.version} |`,
    `| Commit | ${commit} |`,
    `| Date | ${new Date().toISOString()} |`,
  ].join("\n");
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
