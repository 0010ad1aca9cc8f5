import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const SERVERLESS = join(ROOT, "node_modules/serverless/bin/serverless.js");

/** A free TCP port on loopback (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface OfflineProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `serverless offline start` (serverless 3.40.0, serverless-offline 13.9.0) in a temp
 * service folder holding `handlerFile` behind an `httpApi` GET /hello event, and waits until
 * it answers. `extraArgs` selects the runner (`--useInProcess`; the default is worker threads).
 * Telemetry and notifications are off, so no network is needed.
 */
export async function startServerlessOffline(
  handlerFile: string,
  extraArgs: string[] = [],
): Promise<OfflineProcess> {
  const dir = await mkdtemp(join(tmpdir(), "nimbus-bench-sls-"));
  await copyFile(handlerFile, join(dir, "index.mjs"));
  // The plugin is resolved from the service folder, as in a project that installed it.
  await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"));
  await writeFile(
    join(dir, "serverless.yml"),
    [
      "service: nimbus-bench",
      'frameworkVersion: "3"',
      "provider:",
      "  name: aws",
      "  runtime: nodejs20.x",
      "  region: us-east-1",
      "plugins:",
      "  - serverless-offline",
      "functions:",
      "  hello:",
      "    handler: index.handler",
      "    events:",
      "      - httpApi:",
      "          path: /hello",
      "          method: get",
      "",
    ].join("\n"),
  );
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      SERVERLESS,
      "offline",
      "start",
      "--httpPort",
      String(httpPort),
      "--lambdaPort",
      String(lambdaPort),
      "--noPrependStageInUrl",
      ...extraArgs,
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        SLS_TELEMETRY_DISABLED: "1",
        SLS_NOTIFICATIONS_MODE: "off",
        SLS_DEPRECATION_DISABLE: "*",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  // It logs every request; the pipes are drained so it never blocks on a full one.
  child.stdout?.on("data", (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = `http://127.0.0.1:${httpPort}/hello`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serverless offline exited: ${output}`);
    const ok = await fetch(url)
      .then(async (res) => {
        await res.arrayBuffer();
        return res.status === 200;
      })
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`serverless offline did not answer within 90 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
