import type { Command } from "commander";
import { CliError, usageError } from "../lib/cli-error.js";
import { withClients } from "../lib/clients.js";
import { defaultStackName } from "../lib/deploy-stack.js";
import { endpointOption } from "../lib/endpoint.js";
import { isJson, outputOption, printJson, println, progress } from "../lib/output.js";
import { deleteStackAndWait, describeStack } from "../lib/stack-state.js";
import { resolveTemplatePath } from "../lib/template-path.js";
import { eventLine } from "./stacks/render.js";

interface DeleteFlags {
  stackName?: string;
  template?: string;
  yes?: boolean;
  endpoint?: string;
  output?: string;
}

/** `nimbus delete`: DeleteStack and wait. */
export function registerDeleteCommand(program: Command): void {
  program
    .command("delete")
    .description("Delete a stack and every resource it created, and wait until it is gone")
    .option(
      "--stack-name <name>",
      "the stack (default: the name `nimbus deploy` gives the template's folder)",
    )
    .option(
      "-t, --template <file>",
      "only to derive the default stack name (default: template.yaml in the current folder)",
    )
    .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .addOption(endpointOption())
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Exit codes: 0 deleted (or there was no such stack), 1 the deletion failed, 2 bad input.

Examples:
  nimbus delete --stack-name shop --yes
  nimbus delete            # the stack of ./template.yaml, after a y/N question`,
    )
    .action(async (flags: DeleteFlags) => {
      const stackName = flags.stackName ?? defaultStackName(resolveTemplatePath(flags.template));
      await withClients({ endpoint: flags.endpoint }, async (clients) => {
        const stack = await describeStack(clients, stackName);
        if (!stack) {
          if (isJson(flags)) printJson({ stackName, status: "DOES_NOT_EXIST" });
          else println(`Stack ${stackName} does not exist; nothing to delete.`);
          return;
        }
        if (!flags.yes) {
          if (!process.stdin.isTTY)
            throw usageError("refusing to delete without --yes (stdin is not a terminal)");
          if (!(await confirm(`Delete stack ${stackName} and all its resources? [y/N] `))) {
            throw new CliError("not deleted", 1);
          }
        }
        progress(`Deleting stack ${stackName}`);
        await deleteStackAndWait(clients, stackName, progress, (event) => progress(eventLine(event)));
        if (isJson(flags)) printJson({ stackName, stackId: stack.StackId, status: "DELETE_COMPLETE" });
        else println(`Stack ${stackName} deleted.`);
      });
    });
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
