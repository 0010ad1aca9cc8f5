import type { Command } from "commander";
import { endpointOption } from "../../lib/endpoint.js";
import { outputOption } from "../../lib/output.js";
import { listStacks, registerStacksList } from "./list.js";
import { registerStacksShow } from "./show.js";

const common = (c: Command) => c.addOption(endpointOption()).addOption(outputOption());

/** `nimbus stacks [list|show <name>]`. */
export function registerStacksCommands(program: Command): void {
  const stacks = common(
    program
      .command("stacks")
      .description("List stacks with their status (`nimbus stacks show <name>` for one stack)")
      .addHelpText("after", "\nExamples:\n  nimbus stacks\n  nimbus stacks show shop"),
  )
    // `nimbus stacks show x --endpoint u`: the subcommand's own options, not the parent's.
    .enablePositionalOptions()
    .action(listStacks);
  registerStacksList(stacks, common);
  registerStacksShow(stacks, common);
}
