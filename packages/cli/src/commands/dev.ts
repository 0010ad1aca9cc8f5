import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { startOrAttach } from "../dev/dev-server.js";
import { type DevOutput, DevSession } from "../dev/dev-session.js";
import { usageError } from "../lib/cli-error.js";
import { NimbusClients } from "../lib/clients.js";
import { defaultStackName } from "../lib/deploy-stack.js";
import { endpointOption, resolveEndpoint } from "../lib/endpoint.js";
import { parsePairs } from "../lib/output.js";
import { resolveTemplatePath } from "../lib/template-path.js";

interface DevFlags {
  template?: string;
  stackName?: string;
  parameterOverrides?: string[];
  endpoint?: string;
  port?: string;
  dataDir?: string;
  logs: boolean;
}

const out: DevOutput = {
  line: (text) => process.stdout.write(`${text}\n`),
  progress: (text) => process.stderr.write(`${text}\n`),
  error: (text) => process.stderr.write(`${text}\n`),
};

/** `nimbus dev`: start or attach to a server, deploy, watch and reload, stream logs. */
export function registerDevCommand(program: Command): void {
  program
    .command("dev")
    .description(
      "The developer loop: start (or attach to) Nimbus, deploy the template, reload changed function code in place, redeploy on template changes, stream the functions' logs",
    )
    .option(
      "-t, --template <file>",
      "the template (default: template.yaml, .yml or .json in the current folder)",
    )
    .option("--stack-name <name>", "the stack (default: the template folder's name, sanitized)")
    .option(
      "--parameter-overrides <Key=Value...>",
      "template parameter values (default: the template's defaults)",
    )
    .addOption(endpointOption())
    .option(
      "-p, --port <port>",
      "port of the server to attach to or start (0: always start one on a free port; default: the endpoint's)",
    )
    .option(
      "-d, --data-dir <dir>",
      "data directory of a server started by dev (default: .nimbus beside the template)",
    )
    .option("--no-logs", "do not stream the functions' logs (default: stream them)")
    .addHelpText(
      "after",
      `
If a server answers <endpoint>/_nimbus/health, dev uses it; otherwise it starts one in this
process (on the endpoint's host and port) and stops it on Ctrl-C. The first line on stdout is
"endpoint: <url>" (with --port 0, the port picked).

A change in a function's code folder (CodeUri) is zipped and sent with UpdateFunctionCode to
that function alone ("reloaded <LogicalId> in N ms"); the next request runs the new code. A
change of the template, a layer, a definition file, or the code of a function with
AutoPublishAlias redeploys the stack. node_modules, .git and .nimbus are not watched. Errors are
printed and dev keeps watching. Log lines print as "[LogicalId] message".

Exit codes: 0 stopped by Ctrl-C (SIGINT) or SIGTERM, 1 the server could not start, 2 bad input.

Examples:
  nimbus dev
  nimbus dev -t app/template.yaml --stack-name shop --parameter-overrides Stage=dev
  nimbus dev --port 0 --no-logs`,
    )
    .action(async (flags: DevFlags) => {
      const templatePath = resolveTemplatePath(flags.template);
      const stackName = flags.stackName ?? defaultStackName(templatePath);
      const parameters = parsePairs(flags.parameterOverrides, "--parameter-overrides");
      let port: number | undefined;
      if (flags.port !== undefined) {
        port = Number(flags.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw usageError(`--port: expected a port number (0-65535), got "${flags.port}"`);
        }
      }
      const dataDir = resolve(flags.dataDir ?? join(dirname(templatePath), ".nimbus"));
      const server = await startOrAttach({
        endpoint: resolveEndpoint(flags),
        port,
        dataDir,
      });
      out.line(`endpoint: ${server.endpoint}`);
      if (server.embedded) {
        out.progress(
          `Started Nimbus in this process (data dir ${server.dataDir ?? dataDir}); Ctrl-C stops it`,
        );
        for (const warning of server.warnings) out.error(`  WARNING: ${warning}`);
      } else {
        out.progress(`Attached to the Nimbus server at ${server.endpoint}`);
        if (flags.dataDir) out.progress("  (--data-dir applies only to a server dev starts; not used)");
      }

      const clients = new NimbusClients({ endpoint: server.endpoint });
      const session = new DevSession({
        clients,
        templatePath,
        stackName,
        parameters,
        logs: flags.logs,
        dataDir: server.embedded ? (server.dataDir ?? dataDir) : undefined,
        out,
      });
      let stopping = false;
      const stopped = new Promise<string>((resolveStop) => {
        const stop = (signal: string) => {
          if (stopping) {
            out.error("Forced exit.");
            process.exit(1);
          }
          stopping = true;
          resolveStop(signal);
        };
        process.on("SIGINT", () => stop("SIGINT"));
        process.on("SIGTERM", () => stop("SIGTERM"));
      });
      // Ctrl-C during the first deploy stops too: the loop is abandoned where it is.
      const started = session.start().then(
        () => out.progress("Watching for changes; Ctrl-C to stop."),
        (error: unknown) => out.error(`error: ${String(error)}`),
      );
      const signal = await stopped;
      out.progress(`Received ${signal}; stopping...`);
      await session.close();
      await started;
      clients.close();
      await server.close();
      out.progress(server.embedded ? "Nimbus stopped." : "Stopped (the server keeps running).");
      process.exit(0);
    });
}
