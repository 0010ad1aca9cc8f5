import type { Command } from "commander";
import { callNimbus, type EndpointFlags, wantsJson, withEndpoint } from "../nimbus-api.js";

interface ListFlags extends EndpointFlags {
  function?: string;
  limit?: string;
  marker?: string;
}

interface FailureSummary {
  id: string;
  functionName: string;
  qualifier?: string;
  condition: string;
  reason: string;
  attempts: number;
  failedAt: string;
  errorType?: string;
  errorMessage?: string;
}

/** `nimbus async failures list`: failed async events, oldest first. */
export function registerFailuresList(failures: Command): void {
  withEndpoint(
    failures
      .command("list")
      .description("List failed asynchronous events, oldest first")
      .option("--function <name>", "only the events of this function (default: every function)")
      .option("--limit <n>", "at most this many (1-1000, default 50)")
      .option(
        "--marker <marker>",
        "continue after the NextMarker a previous page printed (default: the first page)",
      ),
    "nimbus async failures list --function my-function --limit 10 --output json",
  ).action(async (flags: ListFlags) => {
    const query = new URLSearchParams();
    if (flags.function) query.set("function", flags.function);
    if (flags.limit) query.set("limit", flags.limit);
    if (flags.marker) query.set("marker", flags.marker);
    const qs = query.toString();
    const page = (await callNimbus(flags, "GET", `/_nimbus/async/failures${qs ? `?${qs}` : ""}`)) as {
      failures: FailureSummary[];
      nextMarker?: string;
    };
    if (wantsJson(flags)) {
      process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      return;
    }
    if (page.failures.length === 0) process.stdout.write("No failed events.\n");
    for (const f of page.failures) {
      const fn = f.qualifier ? `${f.functionName}:${f.qualifier}` : f.functionName;
      const error = f.errorType ? `  ${f.errorType}: ${f.errorMessage ?? ""}` : "";
      process.stdout.write(`${f.id}  ${fn}  ${f.reason}  attempts=${f.attempts}  ${f.failedAt}${error}\n`);
    }
    if (page.nextMarker) process.stdout.write(`NextMarker: ${page.nextMarker}\n`);
  });
}
