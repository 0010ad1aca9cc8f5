import type { Command } from "commander";
import { usageError } from "../lib/cli-error.js";
import { resolveRegion } from "../lib/endpoint.js";
import { printJson } from "../lib/output.js";
import { generateEvent, SAMPLE_SOURCES, type SampleOptions } from "../lib/sample-events.js";

interface GenerateFlags {
  method?: string;
  path?: string;
  body?: string;
  stage?: string;
  bucket?: string;
  key?: string;
  size?: string;
  queue?: string;
  topic?: string;
  message?: string;
  subject?: string;
  source?: string;
  detailType?: string;
  detail?: string;
  rule?: string;
  region?: string;
  account?: string;
}

const FLAG_OF: Record<string, string> = { detailType: "--detail-type" };

/** `nimbus generate-event <source> [type]`: prints a sample event a function receives. */
export function registerGenerateEventCommand(program: Command): void {
  const listing = Object.entries(SAMPLE_SOURCES)
    .map(([source, s]) => `  ${source.padEnd(12)} ${Object.keys(s.types).join(", ")} (default ${s.default})`)
    .join("\n");
  program
    .command("generate-event <source> [type]")
    .description(
      "Print a sample event as a service sends it to a function (apigateway, alb, sqs, sns, s3, eventbridge, schedule)",
    )
    .option("--method <method>", "apigateway/alb: HTTP method (default GET)")
    .option(
      "--path <path>",
      "apigateway/alb: request path, with an optional ?query (default /hello; alb /lambda)",
    )
    .option(
      "--body <text>",
      'apigateway/alb: request body (default none); sqs: message body (default "Hello from SQS!")',
    )
    .option("--stage <name>", "apigateway: stage (default prod for aws-proxy, $default for http-api)")
    .option("--bucket <name>", "s3: bucket (default my-bucket)")
    .option("--key <key>", 's3: object key (default "photos/my file.jpg")')
    .option("--size <bytes>", "s3 put: object size (default 1024)")
    .option("--queue <name>", "sqs: queue name (default my-queue)")
    .option("--topic <name>", "sns: topic name (default my-topic)")
    .option("--message <text>", 'sns: message (default "Hello from SNS!")')
    .option("--subject <text>", "sns: subject (default null)")
    .option("--source <source>", "eventbridge: source (default com.example.orders)")
    .option("--detail-type <type>", 'eventbridge: detail-type (default "Order Placed")')
    .option("--detail <json>", 'eventbridge: detail, a JSON object (default {"message":...})')
    .option("--rule <name>", "schedule: rule name (default my-schedule)")
    .option("--region <region>", "region in ARNs and domains (default $AWS_REGION or us-east-1)")
    .option("--account <id>", "account id in ARNs (default 000000000000, Nimbus's default account)")
    .addHelpText(
      "after",
      `
Sources and types:
${listing}

Examples:
  nimbus generate-event apigateway http-api --method POST --path /items?id=7 --body '{"name":"pen"}' > events/post.json
  nimbus generate-event s3 put --bucket photos --key cat.jpg
  nimbus generate-event sqs --body '{"orderId":42}' | nimbus invoke worker --event -`,
    )
    .action((source: string, type: string | undefined, flags: GenerateFlags) => {
      const spec = SAMPLE_SOURCES[source];
      if (!spec)
        throw usageError(`unknown source "${source}"; one of ${Object.keys(SAMPLE_SOURCES).join(", ")}`);
      const eventType = type ?? spec.default;
      const allowed = spec.types[eventType];
      if (!allowed) {
        throw usageError(
          `unknown ${source} event type "${eventType}"; one of ${Object.keys(spec.types).join(", ")}`,
        );
      }
      const options: SampleOptions = {
        region: flags.region ?? resolveRegion(),
        accountId: flags.account ?? "000000000000",
        now: new Date(),
      };
      if (!/^\d{12}$/.test(options.accountId)) throw usageError("--account: a 12-digit account id");
      const given = Object.entries(flags).filter(
        ([k, v]) => v !== undefined && k !== "region" && k !== "account",
      );
      for (const [name, value] of given) {
        const key = name as keyof SampleOptions;
        const flag = FLAG_OF[name] ?? `--${name}`;
        if (!allowed.includes(key)) throw usageError(`${flag} does not apply to ${source} ${eventType}`);
        if (key === "size") {
          const n = Number(value);
          if (!Number.isInteger(n) || n < 0) throw usageError("--size: a whole number of bytes");
          options.size = n;
        } else if (key === "detail") {
          let parsed: unknown;
          try {
            parsed = JSON.parse(String(value));
          } catch {
            throw usageError("--detail: not valid JSON");
          }
          if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
            throw usageError("--detail: must be a JSON object");
          }
          options.detail = String(value);
        } else {
          (options as unknown as Record<string, string>)[key] = String(value);
        }
      }
      printJson(generateEvent(source, eventType, options));
    });
}
