import { readFile } from "node:fs/promises";
import { InvokeCommand, type LogType } from "@aws-sdk/client-lambda";
import type { Command } from "commander";
import { SilentFailure, usageError } from "../lib/cli-error.js";
import { withClients } from "../lib/clients.js";
import { endpointOption, type ServerFlags } from "../lib/endpoint.js";
import { isJson, outputOption, printJson } from "../lib/output.js";
import { resolveFunctionName } from "../lib/resolve-function.js";

interface InvokeFlags extends ServerFlags {
  event?: string;
  qualifier?: string;
  log?: boolean;
  stackName?: string;
}

/** `nimbus invoke <fn>`: a synchronous Invoke that prints the payload. */
export function registerInvokeCommand(program: Command): void {
  program
    .command("invoke <function>")
    .description("Invoke a function synchronously and print what it returned")
    .option("-e, --event <file>", "the event: a JSON file, or - for stdin (default: {})")
    .option("-q, --qualifier <version-or-alias>", "a version or alias (default: $LATEST)")
    .option("--log", "print the tail of the invocation's log (last 4 KB) to stderr (default: off)")
    .option(
      "--stack-name <name>",
      "<function> is a logical id in this stack (default: <function> is a function name)",
    )
    .addOption(endpointOption())
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Exit codes: 0 the function returned, 1 it raised an error (its error payload is still printed)
or the call failed, 2 bad input.

Examples:
  nimbus invoke my-function --event events/event.json
  echo '{"name":"Ada"}' | nimbus invoke HelloFunction --stack-name hello-app --event - --log
  nimbus invoke my-function --qualifier live --output json`,
    )
    .action(async (fn: string, flags: InvokeFlags) => {
      const payload = await readEvent(flags.event);
      const result = await withClients(flags, async (clients) => {
        const functionName = await resolveFunctionName(clients, fn, flags.stackName);
        const logType: LogType | undefined = flags.log ? "Tail" : undefined;
        const out = await clients.lambda.send(
          new InvokeCommand({
            FunctionName: functionName,
            Qualifier: flags.qualifier,
            Payload: Buffer.from(payload),
            LogType: logType,
          }),
        );
        return { functionName, out };
      });
      const text = Buffer.from(result.out.Payload ?? new Uint8Array()).toString("utf8");
      const log = result.out.LogResult
        ? Buffer.from(result.out.LogResult, "base64").toString("utf8")
        : undefined;
      if (log !== undefined && !isJson(flags)) process.stderr.write(log.endsWith("\n") ? log : `${log}\n`);
      if (isJson(flags)) {
        printJson({
          functionName: result.functionName,
          statusCode: result.out.StatusCode,
          executedVersion: result.out.ExecutedVersion,
          functionError: result.out.FunctionError,
          payload: parseMaybeJson(text),
          ...(log !== undefined ? { log } : {}),
        });
      } else {
        process.stdout.write(text.endsWith("\n") || text === "" ? text : `${text}\n`);
      }
      if (result.out.FunctionError) throw new SilentFailure();
    });
}

/** The event's bytes: a file, stdin (`-`), or `{}`. Must be JSON (Lambda's Invoke requires it). */
export async function readEvent(source: string | undefined): Promise<string> {
  if (source === undefined) return "{}";
  let text: string;
  try {
    text = source === "-" ? await readStdin() : await readFile(source, "utf8");
  } catch (error) {
    throw usageError(
      `cannot read event ${source}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  try {
    JSON.parse(text);
  } catch {
    throw usageError(`event ${source === "-" ? "on stdin" : source} is not valid JSON`);
  }
  return text;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
