import { type FunctionConfiguration, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import type { Command } from "commander";
import { withClients } from "../../lib/clients.js";
import { endpointOption, type ServerFlags } from "../../lib/endpoint.js";
import { isJson, outputOption, printJson, println, table } from "../../lib/output.js";

/** `nimbus functions list`. */
export function registerFunctionsCommands(program: Command): void {
  const functions = program.command("functions").description("Functions on the server");
  functions
    .command("list")
    .description("List functions: runtime, memory, timeout, last modified")
    .addOption(endpointOption())
    .addOption(outputOption())
    .addHelpText("after", "\nExample:\n  nimbus functions list --output json")
    .action(async (flags: ServerFlags) => {
      const all = await withClients(flags, async (clients) => {
        const out: FunctionConfiguration[] = [];
        let marker: string | undefined;
        do {
          const page = await clients.lambda.send(new ListFunctionsCommand({ Marker: marker }));
          out.push(...(page.Functions ?? []));
          marker = page.NextMarker;
        } while (marker);
        return out;
      });
      const rows = all.map((f) => ({
        functionName: f.FunctionName ?? "",
        runtime: f.Runtime ?? f.PackageType ?? "",
        handler: f.Handler,
        memoryMb: f.MemorySize,
        timeoutSeconds: f.Timeout,
        lastModified: f.LastModified,
        functionArn: f.FunctionArn,
      }));
      if (isJson(flags)) return printJson({ functions: rows });
      if (rows.length === 0) return println("No functions.");
      println(
        table(
          ["Name", "Runtime", "Memory", "Timeout", "LastModified"],
          rows.map((r) => [
            r.functionName,
            r.runtime,
            `${r.memoryMb ?? ""} MB`,
            `${r.timeoutSeconds ?? ""} s`,
            r.lastModified ?? "",
          ]),
        ),
      );
    });
}
