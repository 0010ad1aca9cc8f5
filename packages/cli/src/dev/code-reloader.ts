import {
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { CliError } from "../lib/cli-error.js";
import type { NimbusClients } from "../lib/clients.js";
import { zipFolder } from "../lib/zip-folder.js";

/** One function to reload: its logical id, deployed name and code folder. */
export interface ReloadTarget {
  logicalId: string;
  functionName: string;
  folder: string;
}

export interface ReloadResult {
  logicalId: string;
  ok: boolean;
  error?: string;
}

const UPDATE_POLL_MS = 20;
const UPDATE_WAIT_MS = 60_000;

/**
 * The fast path of `nimbus dev`: zips each changed code folder once (lib/zip-folder.ts, the same
 * deterministic archive `nimbus deploy` packages) and sends UpdateFunctionCode (ZipFile) for every
 * function using it, all in parallel, then waits until each reports LastUpdateStatus Successful.
 * Nimbus keys environments by function revision and retires the old revision's idle environments
 * at the update (busy ones when their request ends), so the next invoke runs the new code.
 */
export async function reloadFunctions(
  clients: NimbusClients,
  targets: ReloadTarget[],
): Promise<ReloadResult[]> {
  const zips = new Map<string, Promise<Buffer>>();
  for (const t of targets) if (!zips.has(t.folder)) zips.set(t.folder, zipFolder(t.folder));
  return Promise.all(
    targets.map(async (t): Promise<ReloadResult> => {
      try {
        const zip = await (zips.get(t.folder) as Promise<Buffer>);
        const updated = await clients.lambda.send(
          new UpdateFunctionCodeCommand({ FunctionName: t.functionName, ZipFile: zip }),
        );
        await waitUntilUpdated(clients, t.functionName, updated);
        return { logicalId: t.logicalId, ok: true };
      } catch (error) {
        return { logicalId: t.logicalId, ok: false, error: (error as Error).message };
      }
    }),
  );
}

/** Waits for LastUpdateStatus Successful (the update answer usually says so already). */
async function waitUntilUpdated(
  clients: NimbusClients,
  functionName: string,
  first: FunctionConfiguration,
): Promise<void> {
  let config = first;
  const deadline = Date.now() + UPDATE_WAIT_MS;
  for (;;) {
    const status = config.LastUpdateStatus;
    if (status === undefined || status === "Successful") return;
    if (status === "Failed") {
      throw new CliError(
        `update failed: ${config.LastUpdateStatusReason ?? config.LastUpdateStatusReasonCode ?? "Failed"}`,
      );
    }
    if (Date.now() > deadline) throw new CliError(`still ${status} after ${UPDATE_WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, UPDATE_POLL_MS));
    config = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  }
}
