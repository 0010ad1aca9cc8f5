import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { systemClock } from "../../packages/platform/src/core/clock.js";
import { createLogger } from "../../packages/platform/src/core/logger.js";
import type { NimbusServer } from "../../packages/platform/src/index.js";
import type { ProviderContext } from "../../packages/platform/src/stacks/model.js";
import { clientConfig } from "./nimbus.js";

/**
 * A ProviderContext on a running server, as the stack engine builds one: for tests of resource
 * providers against the real services (no engine involved).
 */
export function providerContext(
  server: NimbusServer,
  stackName = "test-stack",
): ProviderContext & { notes: string[] } {
  const notes: string[] = [];
  let counter = 0;
  return {
    stackName,
    stackId: `arn:aws:cloudformation:us-east-1:000000000000:stack/${stackName}/00000000-0000-0000-0000-000000000000`,
    region: "us-east-1",
    accountId: "000000000000",
    api: server.api,
    clock: systemClock,
    logger: createLogger("silent"),
    physicalName(logicalId, options = {}) {
      counter += 1;
      const suffix = options.suffix ?? `T${String(counter).padStart(11, "0")}`;
      const max = options.maxLength ?? 64;
      let name = `${stackName}-${logicalId}`.slice(0, max - suffix.length - 1);
      name = `${name}-${suffix}`;
      return options.lowerCase ? name.toLowerCase() : name;
    },
    note(logicalId, message) {
      notes.push(`${logicalId}: ${message}`);
    },
    notes,
  };
}

const NIMBUS_BIN = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");
const run = promisify(execFile);

/**
 * Runs the `nimbus` CLI with `args` against `endpoint`, as a user runs it (dummy credentials);
 * throws with its output when it exits non-zero. Answers what it wrote to stderr.
 */
export async function nimbusCli(endpoint: string, args: string[]): Promise<string> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
  };
  const { stderr } = await run(process.execPath, [NIMBUS_BIN, ...args, "--endpoint", endpoint], {
    env,
  }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(
      `nimbus ${args.join(" ")} failed: ${error.message}\n${error.stdout ?? ""}\n${error.stderr ?? ""}`,
    );
  });
  return stderr;
}

/** `nimbus deploy -t <template> --stack-name <name>`; answers its stderr (progress, warnings). */
export function nimbusDeploy(endpoint: string, template: string, stackName: string, extra: string[] = []) {
  return nimbusCli(endpoint, ["deploy", "-t", template, "--stack-name", stackName, ...extra]);
}

/** A stack's status and outputs by key. */
export async function stackOutputs(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<{ status: string | undefined; outputs: Record<string, string> }> {
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  return {
    status: stack?.StackStatus,
    outputs: Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""])),
  };
}

/** Options for the SDK's stack and change-set waiters that poll every second. */
export const waiter = (client: CloudFormationClient) => ({
  client,
  maxWaitTime: 60,
  minDelay: 1,
  maxDelay: 1,
});

/** A CloudFormation client that sends `x-nimbus-strict: 1` on every request. */
export function strictClient(url: string): CloudFormationClient {
  const client = new CloudFormationClient(clientConfig(url));
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers["x-nimbus-strict"] = "1";
      return next(args);
    },
    { step: "build", name: "nimbusStrict" },
  );
  return client;
}
