import type { Command } from "commander";
import { callNimbus, type EndpointFlags, failurePath, withEndpoint } from "../nimbus-api.js";

/** `nimbus async failures show <id>`: one failed event with its payload, error and deliveries. */
export function registerFailuresShow(failures: Command): void {
  withEndpoint(
    failures
      .command("show <id>")
      .description("Show one failed event (as JSON): payload, last error, deliveries"),
    "nimbus async failures show <id>    # an id that `nimbus async failures list` printed",
  ).action(async (id: string, flags: EndpointFlags) => {
    const failure = await callNimbus(flags, "GET", failurePath(id));
    process.stdout.write(`${JSON.stringify(failure, null, 2)}\n`);
  });
}
