import { type NimbusServer, startServer } from "@nimbus/platform";
import { loadServerOptions } from "../config-loader.js";
import { usageError } from "../lib/cli-error.js";

/** The server `nimbus dev` talks to: one already running, or one it started in this process. */
export interface DevServer {
  endpoint: string;
  /** true when this process started it (and stops it at the end). */
  embedded: boolean;
  dataDir?: string;
  warnings: string[];
  close(): Promise<void>;
}

export interface DevServerOptions {
  /** The endpoint to try first (and whose host and port an embedded server listens on). */
  endpoint: string;
  /** A port given on the command line: the embedded server's; 0 picks a free one (never attaches). */
  port?: number | undefined;
  dataDir: string;
}

const HEALTH_TIMEOUT_MS = 1_000;

/** true when a Nimbus answers `GET <endpoint>/_nimbus/health`. */
export async function isNimbusUp(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/_nimbus/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Attaches to the server at the endpoint when it answers its health check, else starts one in
 * this process on the endpoint's host and port (the NIMBUS_* environment applies, as for
 * `nimbus server`; log level warn unless NIMBUS_LOG_LEVEL says otherwise).
 */
export async function startOrAttach(options: DevServerOptions): Promise<DevServer> {
  let url: URL;
  try {
    url = new URL(options.endpoint);
  } catch {
    throw usageError(`--endpoint: not a URL: ${options.endpoint}`);
  }
  if (options.port !== 0) {
    const endpoint =
      options.port === undefined ? options.endpoint : `${url.protocol}//${url.hostname}:${options.port}`;
    if (await isNimbusUp(endpoint)) {
      return { endpoint, embedded: false, warnings: [], close: async () => {} };
    }
  }
  const port = options.port ?? (url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80);
  const serverOptions = await loadServerOptions(
    {
      port: String(port),
      host: url.hostname,
      dataDir: options.dataDir,
      ...(process.env.NIMBUS_LOG_LEVEL ? {} : { logLevel: "warn" }),
    },
    process.env,
  );
  const server: NimbusServer = await startServer({ config: serverOptions });
  const health = server.health() as { warnings?: string[] };
  return {
    endpoint: server.url,
    embedded: true,
    dataDir: server.config.server.dataDir,
    warnings: health.warnings ?? [],
    close: () => server.close(),
  };
}
