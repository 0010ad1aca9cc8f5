import { NIMBUS_VERSION } from "@nimbus/platform";
import { Command } from "commander";
import { registerAsyncCommands } from "./commands/async/index.js";
import { registerDeploymentsCommands } from "./commands/deployments.js";
import { registerDevCommand } from "./commands/dev.js";
import { registerDeveloperCommands } from "./commands/developer.js";
import { registerServerCommand } from "./commands/server.js";
import { runCli } from "./lib/run-cli.js";

/** The whole command tree (test/e2e/cli-help.e2e.test.ts walks it). */
export const program = new Command()
  .name("nimbus")
  .description("Nimbus: a self-hosted serverless platform that speaks AWS's wire protocols.")
  .version(NIMBUS_VERSION)
  .showHelpAfterError()
  // A command's options belong to it: `nimbus stacks show x -o json` is show's -o, not stacks'.
  .enablePositionalOptions()
  // Usage errors exit 2, failed operations 1 (runCli; docs/cli.md). Set before any command is added.
  .exitOverride();

registerServerCommand(program);
registerAsyncCommands(program);
registerDeploymentsCommands(program);
registerDeveloperCommands(program);
registerDevCommand(program);

// The SDK's notice that its 2027 releases need Node 22 is not the user's concern on every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// A test that only inspects the tree imports this module with NIMBUS_CLI_NO_RUN=1.
if (process.env.NIMBUS_CLI_NO_RUN !== "1") await runCli(program);
