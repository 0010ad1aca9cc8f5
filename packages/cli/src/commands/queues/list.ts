import { GetQueueAttributesCommand, ListQueuesCommand } from "@aws-sdk/client-sqs";
import type { Command } from "commander";
import { withClients } from "../../lib/clients.js";
import { endpointOption, type ServerFlags } from "../../lib/endpoint.js";
import { isJson, outputOption, printJson, println, table } from "../../lib/output.js";

/** `nimbus queues list`. */
export function registerQueuesCommands(program: Command): void {
  const queues = program.command("queues").description("Queues on the server");
  queues
    .command("list")
    .description("List queues with their URL and approximate message counts")
    .addOption(endpointOption())
    .addOption(outputOption())
    .addHelpText("after", "\nExample:\n  nimbus queues list --output json")
    .action(async (flags: ServerFlags) => {
      const rows = await withClients(flags, async (clients) => {
        const urls: string[] = [];
        let nextToken: string | undefined;
        do {
          const page = await clients.sqs.send(
            new ListQueuesCommand({ NextToken: nextToken, MaxResults: 1000 }),
          );
          urls.push(...(page.QueueUrls ?? []));
          nextToken = page.NextToken;
        } while (nextToken);
        const out = [];
        for (const url of urls.sort()) {
          const attrs = await clients.sqs
            .send(
              new GetQueueAttributesCommand({
                QueueUrl: url,
                AttributeNames: [
                  "ApproximateNumberOfMessages",
                  "ApproximateNumberOfMessagesNotVisible",
                  "QueueArn",
                ],
              }),
            )
            .then((r) => r.Attributes ?? {})
            .catch(() => ({}) as Record<string, string>);
          out.push({
            queueName: url.split("/").pop() ?? url,
            queueUrl: url,
            queueArn: attrs.QueueArn,
            messages: numberOrUndefined(attrs.ApproximateNumberOfMessages),
            inFlight: numberOrUndefined(attrs.ApproximateNumberOfMessagesNotVisible),
          });
        }
        return out;
      });
      if (isJson(flags)) return printJson({ queues: rows });
      if (rows.length === 0) return println("No queues.");
      println(
        table(
          ["Name", "Messages", "InFlight", "URL"],
          rows.map((r) => [r.queueName, String(r.messages ?? "?"), String(r.inFlight ?? "?"), r.queueUrl]),
        ),
      );
    });
}

function numberOrUndefined(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
