import { type FilteredLogEvent, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import type { Command } from "commander";
import { type NimbusClients, withClients } from "../lib/clients.js";
import { endpointOption, type ServerFlags } from "../lib/endpoint.js";
import { isJson, outputOption, parseSince, printJson, println } from "../lib/output.js";
import { resolveFunctionName } from "../lib/resolve-function.js";

interface LogsFlags extends ServerFlags {
  tail?: boolean;
  since: string;
  filter?: string;
  stackName?: string;
}

const TAIL_POLL_MS = 500;

/** `nimbus logs <fn>`: FilterLogEvents on /aws/lambda/<fn>, once or following (--tail). */
export function registerLogsCommand(program: Command): void {
  program
    .command("logs <function>")
    .description("Print a function's log lines (/aws/lambda/<function>); --tail keeps following them")
    .option("--tail", "keep polling (about every 500 ms) for new lines until Ctrl-C (default: off)")
    .option("--since <when>", "start at this age (30s, 10m, 1h, 2d) or ISO time", "10m")
    .option("--filter <pattern>", "a CloudWatch Logs filter pattern (default: every line)")
    .option("--stack-name <name>", "<function> is a logical id in this stack (default: a function name)")
    .addOption(endpointOption())
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
With --output json, a single run prints {"events": [...]}; --tail prints one JSON object per line.

Examples:
  nimbus logs my-function --since 1h
  nimbus logs HelloFunction --stack-name hello-app --tail --filter ERROR`,
    )
    .action(async (fn: string, flags: LogsFlags) => {
      const startTime = parseSince(flags.since, Date.now());
      await withClients(flags, async (clients) => {
        const functionName = await resolveFunctionName(clients, fn, flags.stackName);
        const logGroupName = `/aws/lambda/${functionName}`;
        const json = isJson(flags);
        if (!flags.tail) {
          const events = await fetchEvents(clients, logGroupName, startTime, flags.filter);
          if (json) printJson({ logGroupName, events: events.map(eventJson) });
          else for (const e of events) println(eventText(e));
          return;
        }
        let stopped = false;
        process.once("SIGINT", () => {
          stopped = true;
        });
        const seen = new Set<string>();
        let from = startTime;
        while (!stopped) {
          const events = await fetchEvents(clients, logGroupName, from, flags.filter);
          for (const e of events) {
            if (seen.has(e.eventId ?? "")) continue;
            seen.add(e.eventId ?? "");
            if (json) process.stdout.write(`${JSON.stringify(eventJson(e))}\n`);
            else println(eventText(e));
            // Same-millisecond lines may still arrive: re-read from this timestamp, skip the seen ids.
            from = Math.max(from, e.timestamp ?? from);
          }
          await new Promise((r) => setTimeout(r, TAIL_POLL_MS));
        }
      });
    });
}

async function fetchEvents(
  clients: NimbusClients,
  logGroupName: string,
  startTime: number,
  filterPattern: string | undefined,
): Promise<FilteredLogEvent[]> {
  const out: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await clients.logs.send(
        new FilterLogEventsCommand({ logGroupName, startTime, filterPattern, nextToken }),
      );
      out.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    // No group yet: the function has not logged anything (or has not run).
    if ((error as Error).name === "ResourceNotFoundException") return [];
    throw error;
  }
  return out.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

function eventJson(e: FilteredLogEvent) {
  return {
    timestamp: new Date(e.timestamp ?? 0).toISOString(),
    logStreamName: e.logStreamName,
    message: (e.message ?? "").replace(/\n$/, ""),
    eventId: e.eventId,
  };
}

function eventText(e: FilteredLogEvent): string {
  const stream = (e.logStreamName ?? "").split("]").pop()?.slice(0, 8) ?? "";
  return `${new Date(e.timestamp ?? 0).toISOString()} ${stream} ${(e.message ?? "").replace(/\n$/, "")}`;
}
