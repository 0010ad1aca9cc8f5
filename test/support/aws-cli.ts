import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The AWS CLI to drive: NIMBUS_AWS_CLI, else Debian's /usr/bin/aws, else `aws` on PATH. */
export function awsCliPath(): string | undefined {
  const configured = process.env.NIMBUS_AWS_CLI;
  if (configured) return existsSync(configured) ? configured : undefined;
  if (existsSync("/usr/bin/aws")) return "/usr/bin/aws";
  return undefined;
}

/** Tells vitest to skip (with a printed reason) or, when CI requires the CLI, to fail. */
export function requireAwsCli(): string | undefined {
  const path = awsCliPath();
  if (!path) {
    const reason = "the AWS CLI is not installed (apt-get install awscli)";
    if (process.env.NIMBUS_REQUIRE_AWS_CLI === "1") throw new Error(`AWS CLI required but ${reason}`);
    console.warn(`SKIPPING AWS CLI tests: ${reason}`);
  }
  return path;
}

/** Runs `aws <args>` against `endpoint` with dummy credentials; returns stdout. */
export async function aws(
  cli: string,
  endpoint: string,
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const { stdout } = await run(cli, ["--endpoint-url", endpoint, "--no-cli-pager", ...args], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_PAGER: "",
    },
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}
