import type { Command } from "commander";
import { usageError } from "../../../lib/cli-error.js";
import { callNimbus, type EndpointFlags, failurePath, wantsJson, withEndpoint } from "../nimbus-api.js";

interface RedriveFlags extends EndpointFlags {
  all?: boolean;
  function?: string;
}

/**
 * `nimbus async failures redrive <id>` or `--all [--function f]`: queues failed events again as
 * fresh events (new request id, new age, all retries); each leaves the failure store.
 */
export function registerFailuresRedrive(failures: Command): void {
  withEndpoint(
    failures
      .command("redrive [id]")
      .description("Queue a failed event again as a fresh event (or every one with --all)")
      .option("--all", "redrive every failed event (of --function, if given) (default: off)")
      .option("--function <name>", "with --all: only the events of this function (default: every function)"),
    "nimbus async failures redrive --all --function my-function",
  ).action(async (id: string | undefined, flags: RedriveFlags) => {
    if ((id === undefined) === !flags.all) throw usageError("give either a failure id or --all");
    if (flags.function && !flags.all) throw usageError("--function goes with --all");
    const path = flags.all
      ? `/_nimbus/async/failures/redrive${flags.function ? `?function=${encodeURIComponent(flags.function)}` : ""}`
      : failurePath(id ?? "", "/redrive");
    const result = (await callNimbus(flags, "POST", path)) as {
      redriven: { id: string; requestId: string }[];
      skipped: { id: string; error: string }[];
    };
    if (wantsJson(flags)) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    for (const r of result.redriven) process.stdout.write(`Redriven ${r.id} as request ${r.requestId}\n`);
    for (const s of result.skipped) process.stdout.write(`Skipped ${s.id}: ${s.error}\n`);
    process.stdout.write(`${result.redriven.length} redriven, ${result.skipped.length} skipped.\n`);
  });
}
