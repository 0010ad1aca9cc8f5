import { ListStacksCommand, type StackSummary } from "@aws-sdk/client-cloudformation";
import type { Command } from "commander";
import { withClients } from "../../lib/clients.js";
import type { ServerFlags } from "../../lib/endpoint.js";
import { isJson, printJson, println, table } from "../../lib/output.js";

/** `nimbus stacks` / `nimbus stacks list`: every stack that is not deleted, with its status. */
export async function listStacks(flags: ServerFlags): Promise<void> {
  const stacks = await withClients(flags, async (clients) => {
    const out: StackSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await clients.cloudFormation.send(new ListStacksCommand({ NextToken: nextToken }));
      out.push(...(page.StackSummaries ?? []).filter((s) => s.StackStatus !== "DELETE_COMPLETE"));
      nextToken = page.NextToken;
    } while (nextToken);
    return out;
  });
  const rows = stacks.map((s) => ({
    stackName: s.StackName ?? "",
    status: s.StackStatus ?? "",
    statusReason: s.StackStatusReason,
    createdAt: s.CreationTime?.toISOString(),
    updatedAt: s.LastUpdatedTime?.toISOString(),
    stackId: s.StackId,
  }));
  if (isJson(flags)) return printJson({ stacks: rows });
  if (rows.length === 0) return println("No stacks.");
  println(
    table(
      ["Name", "Status", "Updated"],
      rows.map((r) => [r.stackName, r.status, r.updatedAt ?? r.createdAt ?? ""]),
    ),
  );
}

export function registerStacksList(stacks: Command, common: (c: Command) => Command): void {
  common(
    stacks
      .command("list")
      .description("List the stacks (not deleted ones) with their status")
      .addHelpText("after", "\nExample:\n  nimbus stacks list --output json"),
  ).action(listStacks);
}
