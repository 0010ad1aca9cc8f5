import type { Command } from "commander";
import { callNimbus, type EndpointFlags, failurePath, withEndpoint } from "../nimbus-api.js";

/** `nimbus async failures delete <id>`: forgets one failed event. */
export function registerFailuresDelete(failures: Command): void {
  withEndpoint(failures.command("delete <id>").description("Forget one failed event")).action(
    async (id: string, flags: EndpointFlags) => {
      await callNimbus(flags, "DELETE", failurePath(id));
      process.stdout.write(`Deleted ${id}\n`);
    },
  );
}
