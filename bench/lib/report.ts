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

/**
 * Repetitions of the throughput comparisons (BENCH_REPEATS, default 3): this kind of machine's
 * speed drifts from minute to minute, so one run per contender can be off by half.
 */
export const repeats = Math.max(1, Number(process.env.BENCH_REPEATS ?? "3"));

/** The item with the median `key` (the lower middle one for an even count). */
export function medianBy<T>(items: T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new Error("medianBy of nothing");
  return middle;
}

/** `0.21-0.27`: the range of `values` with `digits` decimals (one value: just it). */
export function range(values: number[], digits: number): string {
  const low = fmt(Math.min(...values), digits);
  const high = fmt(Math.max(...values), digits);
  return low === high ? low : `${low}-${high}`;
}
