import type { Command } from "commander";
import { callNimbus, type EndpointFlags, failurePath, wantsJson, withEndpoint } from "../nimbus-api.js";

/** `nimbus async failures delete <id>`: forgets one failed event. */
export function registerFailuresDelete(failures: Command): void {
  withEndpoint(
    failures.command("delete <id>").description("Forget one failed event"),
    "nimbus async failures delete <id>  # an id that `nimbus async failures list` printed",
  ).action(async (id: string, flags: EndpointFlags) => {
    await callNimbus(flags, "DELETE", failurePath(id));
    if (wantsJson(flags)) process.stdout.write(`${JSON.stringify({ deleted: id })}\n`);
    else process.stdout.write(`Deleted ${id}\n`);
  });
}
