import { execFile } from "node:child_process";
import { dirname } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Interpreter {
  /** Absolute path of the executable. */
  path: string;
  /** Full version, e.g. `20.20.2` or `3.11.7`. */
  version: string;
  /** Host folders the interpreter needs inside a sandbox, beyond the system folders. */
  folders: string[];
}

export type InterpreterLookup = { ok: true; interpreter: Interpreter } | { ok: false; reason: string };

/** Finds the host's Node.js for the configured command (default `node`). */
export async function findNode(command: string): Promise<InterpreterLookup> {
  try {
    const { stdout } = await run(
      command,
      ["-e", "console.log(process.execPath);console.log(process.versions.node)"],
      {
        timeout: 10_000,
      },
    );
    const [path = "", version = ""] = stdout.trim().split("\n");
    return { ok: true, interpreter: { path, version, folders: outsideSystem([dirname(path)]) } };
  } catch (error) {
    return { ok: false, reason: `cannot run "${command}": ${(error as Error).message}` };
  }
}

/** Finds the host's Python for the configured command (default `python3`), through shims such as pyenv's. */
export async function findPython(command: string): Promise<InterpreterLookup> {
  const script =
    "import sys;print(sys.executable);print(sys.prefix);print(sys.base_prefix);print('%d.%d.%d' % sys.version_info[:3])";
  try {
    const { stdout } = await run(command, ["-c", script], { timeout: 10_000 });
    const [path = "", prefix = "", basePrefix = "", version = ""] = stdout.trim().split("\n");
    return {
      ok: true,
      interpreter: { path, version, folders: outsideSystem([dirname(path), prefix, basePrefix]) },
    };
  } catch (error) {
    return { ok: false, reason: `cannot run "${command}": ${(error as Error).message}` };
  }
}

const SYSTEM = ["/usr/", "/bin/", "/lib/", "/lib64/", "/sbin/"];

function outsideSystem(folders: string[]): string[] {
  return [...new Set(folders.filter((f) => f !== "" && !SYSTEM.some((s) => `${f}/`.startsWith(s))))];
}

/**
 * Compiles the Python runtime's modules to bytecode once, with the interpreter that runs them:
 * inside a sandbox the runtime folder is read-only, and without cached bytecode every cold start
 * would compile them again (about 13 ms).
 */
export async function precompilePython(python: Interpreter, folder: string): Promise<void> {
  await run(python.path, ["-m", "compileall", "-q", folder], { timeout: 30_000 });
}
