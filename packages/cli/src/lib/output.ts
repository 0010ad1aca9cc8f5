import { Option } from "commander";
import { usageError } from "./cli-error.js";

export type OutputFormat = "text" | "json";

/** `--output text|json` (default text); JSON goes to stdout alone, progress to stderr. */
export function outputOption(): Option {
  return new Option("-o, --output <format>", "output format: text for people, json for scripts")
    .choices(["text", "json"])
    .default("text");
}

export function isJson(flags: { output?: string }): boolean {
  return flags.output === "json";
}

/** Prints a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a line on stdout. */
export function println(line = ""): void {
  process.stdout.write(`${line}\n`);
}

/** Prints a progress line on stderr (so `--output json` keeps stdout clean). */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Formats rows as a left-aligned table with a header line. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Parses `K=V` pairs (repeatable flags, or several in one argument separated by spaces). */
export function parsePairs(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values ?? []) {
    for (const pair of value.split(/\s+/).filter(Boolean)) {
      // The AWS CLI's long form, which `sam deploy` also takes.
      const long = /^ParameterKey=([^,]+),ParameterValue=(.*)$/.exec(pair);
      if (long) {
        out[long[1] as string] = long[2] as string;
        continue;
      }
      const eq = pair.indexOf("=");
      if (eq <= 0) throw usageError(`${flag}: expected Key=Value, got "${pair}"`);
      out[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return out;
}

/** Parses a `--since` value: `10m`, `2h`, `30s`, `1d` ago, or an ISO date. Epoch ms. */
export function parseSince(value: string, now: number): number {
  const m = /^(\d+)\s*(s|m|h|d|w)$/.exec(value.trim());
  if (m) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as "s"];
    return now - Number(m[1]) * unit;
  }
  const date = Date.parse(value);
  if (Number.isNaN(date)) throw usageError(`--since: expected 10m, 1h, 2d or an ISO date, got "${value}"`);
  return date;
}
