import type { ChildProcess } from "node:child_process";

/** Where a function's files appear inside its sandbox, and the limits it runs under. */
export interface SandboxSpec {
  /** Unique id of the execution environment. */
  environmentId: string;
  /** Host folder holding the unpacked code (mounted read-only at the task root). */
  codeDir: string;
  /** Host folder holding Nimbus's runtimes (mounted read-only at the runtime dir). */
  runtimesDir: string;
  /**
   * Host folder holding the function's layers merged in order, mounted read-only at /opt.
   * Absent when the function has no layers (/opt is then an empty read-only folder).
   */
  optDir?: string;
  /** Host folders the interpreter needs that are not system folders (read-only). */
  extraReadOnly: string[];
  /** argv, with paths as seen inside the sandbox (use `layout` to build them). */
  argv: string[];
  env: Record<string, string>;
  memoryMb: number;
  tmpSizeMb: number;
  maxProcesses: number;
  /** Nice value of the function's processes once it is up (0: the platform's priority; priority.ts). */
  nice?: number;
  /**
   * The AWS SDK the runtime provides: folders of the host's node_modules to expose (at
   * /var/node_modules/<entry> in a sandbox; see runtime-sdk.ts).
   */
  sdk?: { nodeModules: string; entries: string[] } | undefined;
  /** Give the process fd 3 as a duplex socket (Nimbus's framed runtimes). */
  framedChannel: boolean;
}

/** Paths as the function sees them. */
export interface SandboxLayout {
  taskRoot: string;
  runtimesDir: string;
  tmpDir: string;
  /** Where the function's layers are (/opt when the driver can mount them there). */
  optRoot: string;
}

export interface SandboxProcess {
  child: ChildProcess;
  /** Peak memory of the environment in bytes, when the driver can tell (read synchronously). */
  peakMemoryBytes(): number | undefined;
  /** Changes the environment's memory limit (no-op without cgroups). */
  setMemoryLimit(memoryMb: number): Promise<void>;
  /** True when the kernel killed the environment for exceeding its memory limit. */
  wasOomKilled(): Promise<boolean>;
  /** Lowers the environment's processes to the spec's nice value (once they are up). */
  deprioritize(): void;
  /** Kills every process of the environment (SIGKILL). */
  kill(): void;
  /** Releases what the driver set up (cgroups, temp folders) once the process is gone. */
  dispose(): Promise<void>;
}

/** A way to run an execution environment: isolated (bubblewrap) or a plain process. */
export interface SandboxDriver {
  readonly name: "bubblewrap" | "process";
  /** True when functions cannot see or write the host beyond their sandbox. */
  readonly isolated: boolean;
  /** What limits are enforced, for health output and the start-up banner. */
  readonly enforces: { memory: boolean; processes: boolean; filesystem: boolean; tmpSize: boolean };
  layout(spec: Pick<SandboxSpec, "environmentId" | "codeDir" | "runtimesDir" | "optDir">): SandboxLayout;
  spawn(spec: SandboxSpec): Promise<SandboxProcess>;
  close(): Promise<void>;
}
