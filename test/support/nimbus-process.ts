import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { resolve } from "node:path";

const BIN = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");

export interface NimbusChild {
  child: ChildProcess;
  url: string;
  /** Everything the server printed so far. */
  output(): string;
  /** Sends `signal` and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `nimbus server` as its own process (so a test can `kill -9` it) on a free port, and
 * resolves once it prints the endpoint it listens on.
 */
export function startNimbusChild(dataDir: string, args: string[] = []): Promise<NimbusChild> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, "server", "--port", "0", "--data-dir", dataDir, "--log-level", "warn", ...args],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let exited = false;
    const exit = new Promise<number | null>((r) =>
      child.once("exit", (code) => {
        exited = true;
        r(code);
      }),
    );
    const running: Omit<NimbusChild, "url"> = {
      child,
      output: () => out,
      stop: async (signal = "SIGTERM") => {
        if (!exited) child.kill(signal);
        return exit;
      },
    };
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (match?.[1]) resolvePromise({ ...running, url: match[1] });
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    void exit.then((code) => reject(new Error(`nimbus exited early (${code}): ${out}`)));
  });
}

/** Processes whose command line names `dataDir` (sandboxes and runtimes of one server). */
export function processesOf(dataDir: string): string[] {
  try {
    return execFileSync("ps", ["-eo", "pid=,args="])
      .toString()
      .split("\n")
      .filter((line) => line.includes(dataDir) && !line.includes(" ps -eo"));
  } catch {
    return [];
  }
}
