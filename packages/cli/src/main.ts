import { NIMBUS_VERSION } from "@nimbus/platform";
import { Command } from "commander";
import { registerAsyncCommands } from "./commands/async/index.js";
import { registerServerCommand } from "./commands/server.js";

const program = new Command()
  .name("nimbus")
  .description("Nimbus: a self-hosted serverless platform that speaks AWS's wire protocols.")
  .version(NIMBUS_VERSION)
  .showHelpAfterError();

registerServerCommand(program);
registerAsyncCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`nimbus: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
