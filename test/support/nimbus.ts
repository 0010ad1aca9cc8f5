import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { type NimbusOptions, type NimbusServer, startServer } from "../../packages/platform/src/index.js";

export const FIXTURES = resolve(import.meta.dirname, "../fixtures/functions");
export const ROLE = "arn:aws:iam::000000000000:role/lambda-role";

export const clientConfig = (endpoint: string) => ({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
  maxAttempts: 1,
});

export interface TestNimbus {
  server: NimbusServer;
  url: string;
  dataDir: string;
  lambda: LambdaClient;
  logs: CloudWatchLogsClient;
  /** Stops the server; keeps the data directory unless `removeData` is set. */
  stop(removeData?: boolean): Promise<void>;
}

/** Starts a real Nimbus on 127.0.0.1:0 with a fresh (or given) data directory. */
export async function startNimbus(
  options: { dataDir?: string; config?: NimbusOptions } = {},
): Promise<TestNimbus> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "nimbus-e2e-")));
  const base = options.config ?? {};
  const server = await startServer({
    config: {
      ...base,
      server: { ...(base.server ?? {}), host: "127.0.0.1", port: 0, dataDir },
      log: { level: "silent" },
    },
  });
  const lambda = new LambdaClient(clientConfig(server.url));
  const logs = new CloudWatchLogsClient(clientConfig(server.url));
  return {
    server,
    url: server.url,
    dataDir,
    lambda,
    logs,
    stop: async (removeData = true) => {
      lambda.destroy();
      logs.destroy();
      await server.close({ graceMs: 2000 });
      // Leak check: closing must have ended every environment this server started.
      const left = sandboxChildren().filter((line) => line.includes(dataDir));
      if (left.length > 0) throw new Error(`environments still running after close: ${left.join("; ")}`);
      if (removeData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Child processes of this test process that are sandboxes or runtimes (the caller keeps those
 * of one server by its data directory, which every sandbox's arguments name).
 */
function sandboxChildren(): string[] {
  try {
    return execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)])
      .toString()
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /bwrap|bootstrap|nimbus-sandbox/.test(l));
  } catch {
    return []; // ps exits 1 when there is no child at all
  }
}

/** The decoded JSON of an Invoke response payload. */
export function payloadJson(payload: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString("utf8"));
}
