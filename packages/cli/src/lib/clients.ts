import { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import { ApiGatewayV2Client } from "@aws-sdk/client-apigatewayv2";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SQSClient } from "@aws-sdk/client-sqs";
import { resolveCredentials, resolveEndpoint, resolveRegion } from "./endpoint.js";

export interface ClientOptions {
  endpoint?: string | undefined;
  /** Sends `x-nimbus-strict: 1` on CloudFormation calls (unsupported properties fail the change set). */
  strict?: boolean | undefined;
}

interface Destroyable {
  destroy(): void;
}

/**
 * The AWS SDK clients the CLI uses, pointed at one Nimbus server, created on first use.
 * `close()` destroys the ones that were made (their sockets would keep the process alive).
 */
export class NimbusClients {
  readonly endpoint: string;
  readonly region: string;
  private readonly made = new Map<string, Destroyable>();

  constructor(private readonly options: ClientOptions = {}) {
    this.endpoint = resolveEndpoint(options);
    this.region = resolveRegion();
  }

  /** The shared client configuration (endpoint override, region, credentials). */
  config() {
    return {
      endpoint: this.endpoint,
      region: this.region,
      credentials: resolveCredentials(),
      maxAttempts: 2,
    };
  }

  get cloudFormation(): CloudFormationClient {
    return this.lazy("cfn", () => {
      const client = new CloudFormationClient(this.config());
      if (this.options.strict) {
        client.middlewareStack.add(
          (next) => async (args) => {
            const request = args.request as { headers?: Record<string, string> };
            if (request.headers) request.headers["x-nimbus-strict"] = "1";
            return next(args);
          },
          { step: "build", name: "nimbusStrictHeader" },
        );
      }
      return client;
    });
  }

  get s3(): S3Client {
    return this.lazy("s3", () => new S3Client({ ...this.config(), forcePathStyle: true }));
  }

  get lambda(): LambdaClient {
    return this.lazy("lambda", () => new LambdaClient(this.config()));
  }

  get logs(): CloudWatchLogsClient {
    return this.lazy("logs", () => new CloudWatchLogsClient(this.config()));
  }

  get sqs(): SQSClient {
    return this.lazy("sqs", () => new SQSClient(this.config()));
  }

  get sfn(): SFNClient {
    return this.lazy("sfn", () => new SFNClient(this.config()));
  }

  get apiGateway(): APIGatewayClient {
    return this.lazy("apigw", () => new APIGatewayClient(this.config()));
  }

  get apiGatewayV2(): ApiGatewayV2Client {
    return this.lazy("apigwv2", () => new ApiGatewayV2Client(this.config()));
  }

  close(): void {
    for (const client of this.made.values()) client.destroy();
    this.made.clear();
  }

  private lazy<T extends Destroyable>(key: string, make: () => T): T {
    let client = this.made.get(key) as T | undefined;
    if (!client) {
      client = make();
      this.made.set(key, client);
    }
    return client;
  }
}

/** Runs `body` with a fresh set of clients and closes them afterwards. */
export async function withClients<T>(
  options: ClientOptions,
  body: (clients: NimbusClients) => Promise<T>,
): Promise<T> {
  const clients = new NimbusClients(options);
  try {
    return await body(clients);
  } finally {
    clients.close();
  }
}

/** A readable message for an SDK error (`Name: message`), or the error's own text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== "Error" ? `${error.name}: ` : "";
    const code = (error as { code?: string }).code;
    if (code === "ECONNREFUSED" || /ECONNREFUSED/.test(error.message)) {
      return `cannot reach Nimbus (${error.message}); is \`nimbus server\` running? (--endpoint / NIMBUS_ENDPOINT)`;
    }
    return `${name}${error.message}`;
  }
  return String(error);
}
