import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { mkdir, open, readFile, rm, symlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { AwsRequest, HttpResult } from "./aws/http-types.js";
import type { Clock } from "./core/clock.js";
import type { NimbusConfig } from "./core/config.js";
import { PlatformError } from "./core/errors.js";
import type { Logger } from "./core/logger.js";
import { runtimeInfo } from "./functions/index.js";
import type { RuntimeHosts } from "./invoke/index.js";
import { findNode, findPython, precompilePython, runtimeSdkEntries, selectDriver } from "./sandbox/index.js";
import type { FsBlobStore } from "./storage/fs/fs-blob-store.js";

// Helpers of the composition root (server.ts), kept apart so that file stays the wiring.

/** The request an in-process call of an API operation carries (no HTTP caller). */
export function internalRequest(scope: { region: string; accountId: string }): AwsRequest {
  return {
    requestId: randomUUID(),
    method: "POST",
    rawPath: "/",
    query: new URLSearchParams(),
    rawQuery: "",
    headers: {},
    body: Buffer.alloc(0),
    hostname: "localhost",
    origin: "",
    caller: {
      accessKeyId: undefined,
      signingService: undefined,
      region: scope.region,
      accountId: scope.accountId,
    },
  };
}

export function jsonBody(status: number, value: unknown): HttpResult {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

export function runtimeNote(runtime: string, hosts: RuntimeHosts): Record<string, string> | undefined {
  const info = runtimeInfo(runtime);
  if (!info || info.family === "provided") return undefined;
  const host = info.family === "node" ? hosts.node : hosts.python;
  if (!host)
    return {
      RuntimeInterpreter: "missing",
      RuntimeNote: `No ${info.family} interpreter is available on this host.`,
    };
  const hostVersion =
    info.family === "node"
      ? (host.version.split(".")[0] ?? "")
      : host.version.split(".").slice(0, 2).join(".");
  const note: Record<string, string> = { RuntimeInterpreter: `${host.path} ${host.version}` };
  if (hostVersion !== info.languageVersion) {
    note.RuntimeNote = `${runtime} runs on the host's ${info.family} ${host.version}, not ${info.languageVersion}.`;
  }
  return note;
}

/** Short-lived signed links to code archives (GetFunction's Code.Location, valid 10 minutes). */
export class CodeLinks {
  private readonly secret = randomBytes(32);
  constructor(private readonly clock: Clock) {}

  url(origin: string, codeKey: string): string {
    const expires = Math.floor(this.clock.now() / 1000) + 600;
    return `${origin}/_nimbus/code/${codeKey}?expires=${expires}&signature=${this.sign(codeKey, expires)}`;
  }

  async serve(req: AwsRequest, blobs: FsBlobStore): Promise<HttpResult | undefined> {
    const match = /^\/_nimbus\/code\/([0-9a-f]{64})$/.exec(req.rawPath);
    if (!match?.[1]) return undefined;
    const key = match[1];
    const expires = Number(req.query.get("expires"));
    const given = Buffer.from(req.query.get("signature") ?? "", "utf8");
    const wanted = Buffer.from(this.sign(key, expires), "utf8");
    if (
      !Number.isFinite(expires) ||
      expires * 1000 < this.clock.now() ||
      given.length !== wanted.length ||
      !timingSafeEqual(given, wanted)
    ) {
      return {
        status: 403,
        headers: { "content-type": "application/xml" },
        body: "<Error><Code>AccessDenied</Code><Message>Request has expired or the signature is invalid</Message></Error>",
      };
    }
    const stream = await blobs.open(key);
    if (!stream) return { status: 404, body: "Not Found" };
    const size = await blobs.size(key);
    return {
      status: 200,
      headers: { "content-type": "application/zip", "content-length": String(size) },
      stream,
    };
  }

  private sign(key: string, expires: number): string {
    return createHmac("sha256", this.secret).update(`${key}:${expires}`).digest("hex");
  }
}

/** Data directories this process's servers hold. */
const heldDataDirs = new Set<string>();

/**
 * Takes `<dataDir>/nimbus.lock` (the owner's pid) so two servers never write one data directory.
 * A lock whose process is gone (kill -9, a crash) is taken over; so is one this process left
 * behind without holding it. Returns the release.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, "nimbus.lock");
  if (heldDataDirs.has(dataDir)) throw dataDirInUse(dataDir, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(`${JSON.stringify({ pid: process.pid })}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      const owner = await readFile(file, "utf8")
        .then((text) => Number((JSON.parse(text) as { pid?: unknown }).pid))
        .catch(() => Number.NaN);
      if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner))
        throw dataDirInUse(dataDir, owner);
      await rm(file, { force: true });
    }
  }
  heldDataDirs.add(dataDir);
  return async () => {
    if (!heldDataDirs.delete(dataDir)) return;
    await rm(file, { force: true });
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function dataDirInUse(dataDir: string, pid: number): PlatformError {
  return new PlatformError({
    code: "ERR_DATA_DIR_IN_USE",
    message: `the data directory ${dataDir} is in use by another Nimbus server (pid ${pid}); stop it, or use another --data-dir (if no such server runs, delete ${join(dataDir, "nimbus.lock")})`,
    kind: "user",
  });
}

/**
 * What the host gives the server before any area starts: a fresh scratch folder, the sandbox
 * driver, the interpreters (Python's runtime precompiled in the background) and the AWS SDK
 * entries functions import; `warnings` says what is missing.
 */
export async function prepareHost(
  config: NimbusConfig,
  dataDir: string,
  runtimesDir: string,
  logger: Logger,
) {
  const scratchDir = join(dataDir, "scratch");
  await rm(scratchDir, { recursive: true, force: true });
  // Slots of pre-started environments never outlive their server.
  await rm(join(dataDir, "slots"), { recursive: true, force: true });

  const nodeModules = resolve(runtimesDir, "../../node_modules");
  const [selection, node, python, sdkEntries] = await Promise.all([
    selectDriver({ isolation: config.sandbox.isolation, bwrapPath: config.sandbox.bwrapPath, scratchDir }),
    findNode(config.sandbox.interpreters.node),
    findPython(config.sandbox.interpreters.python),
    runtimeSdkEntries(runtimesDir, nodeModules).catch(() => []),
  ]);
  const { driver, warnings } = selection;
  for (const lookup of [node, python]) if (!lookup.ok) warnings.push(lookup.reason);
  const interpreters: RuntimeHosts = {
    node: node.ok ? node.interpreter : undefined,
    python: python.ok ? python.interpreter : undefined,
  };

  const precompiled = interpreters.python
    ? precompilePython(interpreters.python, join(runtimesDir, "python")).catch((error: unknown) =>
        logger.warn(
          { err: error },
          "could not precompile the Python runtime; Python cold starts will be slower",
        ),
      )
    : Promise.resolve();

  if (sdkEntries.length === 0)
    warnings.push("the AWS SDK for functions was not found in node_modules; run npm install");
  if (!driver.isolated && sdkEntries.length > 0) {
    // Plain processes run code from <dataDir>/code/<sha>: a node_modules beside those folders lets
    // require() and import() of a handler find the SDK, as /var/node_modules does in a sandbox.
    for (const folder of ["code", "slots"]) {
      await mkdir(join(dataDir, folder), { recursive: true });
      await symlink(nodeModules, join(dataDir, folder, "node_modules")).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error;
        },
      );
    }
  }
  return { scratchDir, driver, warnings, interpreters, precompiled, nodeModules, sdkEntries };
}
