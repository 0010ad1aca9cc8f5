import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { CgroupManager } from "./cgroups.js";
import type { SandboxDriver, SandboxLayout, SandboxProcess, SandboxSpec } from "./sandbox-driver.js";
import { spawnSandboxed } from "./spawn-sandboxed.js";

/**
 * Runs environments as plain processes: no namespaces, no read-only code, /tmp is a private
 * folder only by convention (TMPDIR). The labelled fallback for hosts without bubblewrap.
 */
export class ProcessDriver implements SandboxDriver {
  readonly name = "process";
  readonly isolated = false;
  readonly enforces;

  constructor(
    private readonly scratchDir: string,
    private readonly cgroups: CgroupManager | undefined,
  ) {
    this.enforces = {
      memory: cgroups !== undefined,
      processes: cgroups !== undefined,
      filesystem: false,
      tmpSize: false,
    };
  }

  layout(spec: Pick<SandboxSpec, "environmentId" | "codeDir" | "runtimesDir" | "optDir">): SandboxLayout {
    return {
      taskRoot: spec.codeDir,
      runtimesDir: spec.runtimesDir,
      tmpDir: join(this.scratchDir, spec.environmentId),
      // No mount namespace: the runtimes are pointed at the merged layer folder itself.
      optRoot: spec.optDir ?? "/opt",
    };
  }

  async spawn(spec: SandboxSpec): Promise<SandboxProcess> {
    const tmpDir = this.layout(spec).tmpDir;
    await mkdir(tmpDir, { recursive: true });
    const env = { ...spec.env, TMPDIR: tmpDir, TMP: tmpDir, TEMP: tmpDir };
    return spawnSandboxed(spec, spec.argv, env, this.cgroups, () =>
      rm(tmpDir, { recursive: true, force: true }),
    );
  }

  async close(): Promise<void> {
    await this.cgroups?.close();
  }
}
