import { startServer } from "@nimbus/platform";
import { type Command, Option } from "commander";
import { loadServerOptions, type ServerFlags } from "../config-loader.js";

/** `nimbus server`: starts every service on one port and runs until SIGINT/SIGTERM. */
export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("Start Nimbus: every service on one port, with embedded storage in the data directory.")
    .option("-p, --port <port>", "port to listen on, 0 picks a free one (default 4566)", undefined)
    .option("--host <host>", "address to listen on (default 127.0.0.1)", undefined)
    .option("-d, --data-dir <dir>", "where metadata (SQLite), code and logs are kept (default .nimbus)")
    .option(
      "-c, --config <file>",
      "JSON config file (default: none; sections: server, account, auth, functions, sandbox, workflows, async, sources, events, gateway, stacks, log; see docs/configuration.md)",
    )
    .option("--auth", "accept only configured access keys and verify SigV4 signatures")
    .option(
      "--auth-key <id:secret...>",
      "an accepted access key (repeatable); implies --auth (default: none)",
    )
    .option("--region <region>", "region used in ARNs (default us-east-1)")
    .option(
      "--prestart <n>",
      "pre-started runtime environments kept per runtime to start with (0 turns the pool off; default 1)",
    )
    .option(
      "--async-retry-delay-scale <factor>",
      "multiply the retry delays of asynchronous invocations (about 1 and 2 minutes) by this factor (default 1; 0.001 for tests)",
    )
    .addOption(
      new Option(
        "--isolation <mode>",
        "sandbox isolation (default auto: bubblewrap when installed, else processes)",
      ).choices(["auto", "bubblewrap", "process"]),
    )
    .addOption(
      new Option("--log-level <level>", "server log level (default info)").choices([
        "trace",
        "debug",
        "info",
        "warn",
        "error",
        "silent",
      ]),
    )
    .addHelpText(
      "after",
      `
Environment: NIMBUS_PORT, NIMBUS_HOST, NIMBUS_DATA_DIR, NIMBUS_REGION, NIMBUS_AUTH=true,
NIMBUS_AUTH_KEYS=id:secret[,id:secret], NIMBUS_ISOLATION, NIMBUS_PRESTART, NIMBUS_LOG_LEVEL,
NIMBUS_ASYNC_RETRY_DELAY_SCALE.
Precedence: defaults < --config file < environment < flags.

Example:
  nimbus server --port 4566 --data-dir ./.nimbus
  aws --endpoint-url http://127.0.0.1:4566 lambda list-functions`,
    )
    .action(async (flags: ServerFlags) => {
      const options = await loadServerOptions(flags, process.env);
      const server = await startServer({ config: options });
      const health = server.health() as { warnings: string[]; sandbox: { driver: string } };
      process.stdout.write(`Nimbus ${String(server.health().version)} listening on ${server.url}\n`);
      process.stdout.write(
        `  data dir: ${server.config.server.dataDir}   sandbox: ${health.sandbox.driver}\n`,
      );
      for (const warning of health.warnings) process.stderr.write(`  WARNING: ${warning}\n`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          process.stderr.write("Forced exit.\n");
          process.exit(1);
        }
        stopping = true;
        process.stdout.write(`Received ${signal}; finishing running invocations and shutting down...\n`);
        server.close().then(
          () => {
            process.stdout.write("Nimbus stopped.\n");
            process.exit(0);
          },
          (error: unknown) => {
            process.stderr.write(`Shutdown failed: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.on("SIGINT", () => stop("SIGINT"));
      process.on("SIGTERM", () => stop("SIGTERM"));
    });
}
