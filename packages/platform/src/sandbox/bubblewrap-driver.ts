import type { CgroupManager } from "./cgroups.js";
import type { SandboxDriver, SandboxLayout, SandboxProcess, SandboxSpec } from "./sandbox-driver.js";
import { spawnSandboxed } from "./spawn-sandboxed.js";

const TASK_ROOT = "/var/task";
const RUNTIME_DIR = "/var/runtime";
const SDK_DIR = "/var/node_modules";

/** System folders a runtime needs, read-only; those missing on a host are skipped. */
const SYSTEM_READ_ONLY = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"];
const ETC_READ_ONLY = [
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/pki",
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/nsswitch.conf",
  "/etc/localtime",
  "/etc/alternatives",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
];

/** The unprivileged user functions run as inside the sandbox (AWS uses sbx_user1051). */
const SANDBOX_UID = 993;
const SANDBOX_GID = 990;

/**
 * Isolated environments with bubblewrap: own user, mount, pid, ipc and uts namespaces, every
 * capability dropped, a read-only root built from system folders, code read-only at
 * /var/task, a private size-capped tmpfs at /tmp, and no view of the server's files. Memory and
 * process limits come from cgroups when the host grants them.
 */
export class BubblewrapDriver implements SandboxDriver {
  readonly name = "bubblewrap";
  readonly isolated = true;
  readonly enforces;

  constructor(
    private readonly bwrapPath: string,
    private readonly cgroups: CgroupManager | undefined,
    /** Sandbox-side /etc/passwd and /etc/group naming the function's user. */
    private readonly etc?: { passwd: string; group: string },
  ) {
    this.enforces = {
      memory: cgroups !== undefined,
      processes: cgroups !== undefined,
      filesystem: true,
      tmpSize: true,
    };
  }

  layout(): SandboxLayout {
    return { taskRoot: TASK_ROOT, runtimesDir: RUNTIME_DIR, tmpDir: "/tmp", optRoot: "/opt" };
  }

  async spawn(spec: SandboxSpec): Promise<SandboxProcess> {
    const args = [
      "--die-with-parent",
      "--new-session",
      "--unshare-user",
      "--uid",
      String(SANDBOX_UID),
      "--gid",
      String(SANDBOX_GID),
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-uts",
      "--unshare-cgroup-try",
      "--hostname",
      "nimbus",
      "--cap-drop",
      "ALL",
    ];
    for (const dir of SYSTEM_READ_ONLY) args.push("--ro-bind-try", dir, dir);
    for (const path of ETC_READ_ONLY) args.push("--ro-bind-try", path, path);
    if (this.etc)
      args.push("--ro-bind", this.etc.passwd, "/etc/passwd", "--ro-bind", this.etc.group, "/etc/group");
    for (const path of spec.extraReadOnly) args.push("--ro-bind-try", path, path);
    args.push("--proc", "/proc", "--dev", "/dev");
    args.push("--size", String(spec.tmpSizeMb * 1024 * 1024), "--tmpfs", "/tmp");
    // Layers are read-only, as on Lambda; without them /opt is an empty folder of the read-only root.
    if (spec.optDir !== undefined) args.push("--ro-bind", spec.optDir, "/opt");
    else args.push("--dir", "/opt");
    args.push("--ro-bind", spec.codeDir, TASK_ROOT, "--ro-bind", spec.runtimesDir, RUNTIME_DIR);
    // The AWS SDK the runtime provides, in /var/node_modules: both require() and import() of a
    // handler in /var/task walk up to it, after the function's own node_modules.
    for (const entry of spec.sdk?.entries ?? []) {
      args.push("--ro-bind", `${spec.sdk?.nodeModules}/${entry}`, `${SDK_DIR}/${entry}`);
    }
    args.push("--remount-ro", "/", "--chdir", TASK_ROOT, "--clearenv");
    for (const [key, value] of Object.entries(spec.env)) args.push("--setenv", key, value);
    args.push("--", ...spec.argv);
    // bwrap itself needs PATH to find nothing (argv[0] is absolute); keep the parent env minimal.
    return spawnSandboxed(
      spec,
      [this.bwrapPath, ...args],
      { PATH: "/usr/bin:/bin" },
      this.cgroups,
      async () => {},
    );
  }

  async close(): Promise<void> {
    await this.cgroups?.close();
  }
}
