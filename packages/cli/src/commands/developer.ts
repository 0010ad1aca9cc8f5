import type { Command } from "commander";
import { registerApisCommands } from "./apis/list.js";
import { registerDeleteCommand } from "./delete.js";
import { registerDeployCommand } from "./deploy.js";
import { registerFunctionsCommands } from "./functions/list.js";
import { registerGenerateEventCommand } from "./generate-event.js";
import { registerInitCommand } from "./init.js";
import { registerInvokeCommand } from "./invoke.js";
import { registerLocalCommands } from "./local/invoke.js";
import { registerLogsCommand } from "./logs.js";
import { registerQueuesCommands } from "./queues/list.js";
import { registerStacksCommands } from "./stacks/index.js";
import { registerStateMachinesCommands } from "./state-machines/list.js";

/** The developer loop's commands (issue 8 section 4; docs/cli.md). */
export function registerDeveloperCommands(program: Command): void {
  registerDeployCommand(program);
  registerDeleteCommand(program);
  registerStacksCommands(program);
  registerInvokeCommand(program);
  registerLogsCommand(program);
  registerFunctionsCommands(program);
  registerQueuesCommands(program);
  registerApisCommands(program);
  registerStateMachinesCommands(program);
  registerGenerateEventCommand(program);
  registerInitCommand(program);
  registerLocalCommands(program);
}
