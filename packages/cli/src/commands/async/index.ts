import type { Command } from "commander";
import { registerFailuresDelete } from "./failures/delete.js";
import { registerFailuresList } from "./failures/list.js";
import { registerFailuresRedrive } from "./failures/redrive.js";
import { registerFailuresShow } from "./failures/show.js";

/** `nimbus async failures list|show|redrive|delete`: the failure store of a running server. */
export function registerAsyncCommands(program: Command): void {
  const asyncCommand = program
    .command("async")
    .description("Asynchronous invocation on a running server (docs/async-invocation.md)");
  const failures = asyncCommand
    .command("failures")
    .description("Failed asynchronous events: list, show, redrive, delete");
  registerFailuresList(failures);
  registerFailuresShow(failures);
  registerFailuresRedrive(failures);
  registerFailuresDelete(failures);
}
