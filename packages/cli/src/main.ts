import { NIMBUS_VERSION } from "@nimbus/platform";
import { Command } from "commander";
import { registerAsyncCommands } from "./commands/async/index.js";
import { registerDeveloperCommands } from "./commands/developer.js";
import { registerServerCommand } from "./commands/server.js";
import { runCli } from "./lib/run-cli.js";

const program = new Command()
  .name("nimbus")
  .description("Nimbus: a self-hosted serverless platform that speaks AWS's wire protocols.")
  .version(NIMBUS_VERSION)
  .showHelpAfterError()
  // Usage errors exit 2, failed operations 1 (runCli; docs/cli.md). Set before any command is added.
  .exitOverride();

registerServerCommand(program);
registerAsyncCommands(program);
registerDeveloperCommands(program);

await runCli(program);
