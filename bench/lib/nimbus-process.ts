import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const BIN = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");

export interface NimbusProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the real server (`nimbus server`) in its own process, on a free port. */
export async function startNimbusProcess(
  extraArgs: string[] = [],
  nodeArgs: string[] = [],
  bin = BIN,
): Promise<NimbusProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), "nimbus-bench-"));
  const child = spawn(
    process.execPath,
    [...nodeArgs, bin, "server", "--port", "0", "--data-dir", dataDir, "--log-level", "warn", ...extraArgs],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolvePromise, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (match?.[1]) resolvePromise(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`nimbus exited (${code}) before listening: ${out}`)));
  });
  return {
    url,
    child,
    stop: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
