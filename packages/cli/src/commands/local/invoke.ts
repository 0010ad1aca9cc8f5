import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { startServer } from "@nimbus/platform";
import type { Command } from "commander";
import { CliError, SilentFailure, usageError } from "../../lib/cli-error.js";
import { NimbusClients } from "../../lib/clients.js";
import { deployStack } from "../../lib/deploy-stack.js";
import { functionClosure, templateFunctions } from "../../lib/function-closure.js";
import { isJson, outputOption, parsePairs, printJson, progress } from "../../lib/output.js";
import { readTemplateFile } from "../../lib/template-file.js";
import { resolveTemplatePath } from "../../lib/template-path.js";
import { readEvent } from "../invoke.js";

interface LocalInvokeFlags {
  event?: string;
  template?: string;
  parameterOverrides?: string[];
  output?: string;
}

const LOCAL_STACK = "nimbus-local-invoke";

/** `nimbus local invoke <fn>`: one function of the template, on an embedded server, once. */
export function registerLocalCommands(program: Command): void {
  const local = program.command("local").description("Run a template's functions without a running server");
  local
    .command("invoke [function]")
    .description(
      "Invoke one function of the template once on an embedded Nimbus (no server needed): print its result and its log",
    )
    .option("-e, --event <file>", "the event: a JSON file, or - for stdin (default: {})")
    .option(
      "-t, --template <file>",
      "the template (default: template.yaml, .yml or .json in the current folder)",
    )
    .option(
      "--parameter-overrides <Key=Value...>",
      "template parameter values (default: the template's defaults)",
    )
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
<function> is the function's logical id; it may be left out when the template has one function.
Only the function and the resources it refers to are deployed (its Events are not wired). The
embedded server uses a temporary data folder, removed afterwards. The result goes to stdout,
progress and the function's log to stderr.

Exit codes: 0 the function returned, 1 it raised an error (its error payload is still printed)
or the deploy failed, 2 bad input.

Examples:
  nimbus local invoke HelloFunction -e events/event.json
  nimbus generate-event sqs --body '{"job":1}' | nimbus local invoke WorkerFunction -e -`,
    )
    .action(async (fn: string | undefined, flags: LocalInvokeFlags) => {
      const templatePath = resolveTemplatePath(flags.template);
      const template = await readTemplateFile(templatePath);
      const functions = templateFunctions(template);
      let logicalId = fn;
      if (!logicalId) {
        if (functions.length !== 1) {
          throw usageError(`name the function to invoke: ${functions.join(", ") || "the template has none"}`);
        }
        logicalId = functions[0] as string;
      }
      const reduced = functionClosure(template, logicalId);
      const parameters = parsePairs(flags.parameterOverrides, "--parameter-overrides");
      const payload = await readEvent(flags.event);

      const dataDir = await mkdtemp(join(tmpdir(), "nimbus-local-"));
      progress(`Starting an embedded Nimbus (data in ${dataDir})`);
      const server = await startServer({
        config: {
          server: { host: "127.0.0.1", port: 0, dataDir },
          log: { level: "silent" },
          sandbox: { prestart: { initial: 0 } },
        },
      });
      const clients = new NimbusClients({ endpoint: server.url });
      // Ctrl-C: stop the embedded server's environments and remove its folder before leaving.
      const interrupted = () => {
        clients.close();
        server
          .close({ graceMs: 0 })
          .then(() => rm(dataDir, { recursive: true, force: true }))
          .then(
            () => process.exit(130),
            () => process.exit(130),
          );
      };
      process.once("SIGINT", interrupted);
      try {
        progress(`Deploying ${logicalId} and what it refers to`);
        const result = await deployStack({
          templatePath,
          template: reduced,
          stackName: LOCAL_STACK,
          parameters,
          clients,
          onProgress: () => {},
        });
        if (!result.ok) {
          const why = result.failures.map((f) => `${f.logicalId}: ${f.reason ?? f.status}`).join("; ");
          throw new CliError(`deploying ${logicalId} failed: ${why || result.reason || result.status}`);
        }
        const resources = await clients.cloudFormation.send(
          new DescribeStackResourcesCommand({ StackName: LOCAL_STACK, LogicalResourceId: logicalId }),
        );
        const functionName = resources.StackResources?.[0]?.PhysicalResourceId;
        if (!functionName) throw new CliError(`the stack did not create ${logicalId}`);
        progress(`Invoking ${logicalId} (${functionName})`);
        const out = await clients.lambda.send(
          new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(payload), LogType: "Tail" }),
        );
        const log = await fullLog(clients, functionName, out.LogResult);
        const text = Buffer.from(out.Payload ?? new Uint8Array()).toString("utf8");
        if (isJson(flags)) {
          printJson({
            functionName: logicalId,
            statusCode: out.StatusCode,
            functionError: out.FunctionError,
            payload: parseMaybeJson(text),
            log,
          });
        } else {
          process.stderr.write(log.endsWith("\n") || log === "" ? log : `${log}\n`);
          process.stdout.write(text.endsWith("\n") || text === "" ? text : `${text}\n`);
        }
        if (out.FunctionError) throw new SilentFailure();
      } finally {
        process.off("SIGINT", interrupted);
        clients.close();
        await server.close({ graceMs: 2000 });
        await rm(dataDir, { recursive: true, force: true });
      }
    });
}

/**
 * The invocation's whole log (START to REPORT) from the log group, once the log sink has
 * written the REPORT line; the Tail (last 4 KB) when it does not arrive within 3 s.
 */
async function fullLog(
  clients: NimbusClients,
  functionName: string,
  tail: string | undefined,
): Promise<string> {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    try {
      const page = await clients.logs.send(
        new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${functionName}` }),
      );
      const lines = (page.events ?? []).map((e) => (e.message ?? "").replace(/\n$/, ""));
      if (lines.some((l) => l.startsWith("REPORT "))) return `${lines.join("\n")}\n`;
    } catch (error) {
      if ((error as Error).name !== "ResourceNotFoundException") break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return tail ? Buffer.from(tail, "base64").toString("utf8") : "";
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
