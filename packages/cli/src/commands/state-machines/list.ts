import { ListStateMachinesCommand, type StateMachineListItem } from "@aws-sdk/client-sfn";
import type { Command } from "commander";
import { withClients } from "../../lib/clients.js";
import { endpointOption, type ServerFlags } from "../../lib/endpoint.js";
import { isJson, outputOption, printJson, println, table } from "../../lib/output.js";

/** `nimbus state-machines list`. */
export function registerStateMachinesCommands(program: Command): void {
  const machines = program
    .command("state-machines")
    .description("State machines (Step Functions) on the server");
  machines
    .command("list")
    .description("List state machines with their type and ARN")
    .addOption(endpointOption())
    .addOption(outputOption())
    .addHelpText("after", "\nExample:\n  nimbus state-machines list --output json")
    .action(async (flags: ServerFlags) => {
      const all = await withClients(flags, async (clients) => {
        const out: StateMachineListItem[] = [];
        let nextToken: string | undefined;
        do {
          const page = await clients.sfn.send(new ListStateMachinesCommand({ nextToken }));
          out.push(...(page.stateMachines ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
        return out;
      });
      const rows = all.map((m) => ({
        name: m.name ?? "",
        type: m.type ?? "",
        createdAt: m.creationDate?.toISOString(),
        stateMachineArn: m.stateMachineArn ?? "",
      }));
      if (isJson(flags)) return printJson({ stateMachines: rows });
      if (rows.length === 0) return println("No state machines.");
      println(
        table(
          ["Name", "Type", "Created", "ARN"],
          rows.map((r) => [r.name, r.type, r.createdAt ?? "", r.stateMachineArn]),
        ),
      );
    });
}
