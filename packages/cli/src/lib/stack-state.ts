import {
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Stack,
  type StackEvent,
} from "@aws-sdk/client-cloudformation";
import { CliError } from "./cli-error.js";
import type { NimbusClients } from "./clients.js";

/**
 * Reading a stack's state (status, events) and deleting it: what deploy, delete and
 * `stacks show` share.
 */

const POLL_MS = 500;

/** One stack event, as the CLI shows it. */
export interface DeployEvent {
  timestamp: string;
  logicalId: string;
  resourceType: string;
  status: string;
  reason?: string;
}

/** The stack, or undefined when it does not exist (or was deleted). */
export async function describeStack(clients: NimbusClients, stackName: string): Promise<Stack | undefined> {
  try {
    const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    return stack?.StackStatus === "DELETE_COMPLETE" ? undefined : stack;
  } catch (error) {
    if (/does not exist/i.test((error as Error).message)) return undefined;
    throw error;
  }
}

/** DeleteStack, then waits until the stack is gone (or its deletion failed: throws). */
export async function deleteStackAndWait(
  clients: NimbusClients,
  stackName: string,
  progress: (line: string) => void,
  onEvent?: (event: DeployEvent) => void,
): Promise<void> {
  const before = await describeStack(clients, stackName);
  if (!before) return;
  const stackId = before.StackId ?? stackName;
  const seen = new Set((await stackEvents(clients, stackId, new Set())).map((e) => e.EventId ?? ""));
  await clients.cloudFormation.send(new DeleteStackCommand({ StackName: stackName }));
  for (;;) {
    // By id: a deleted stack is still described by its id (DELETE_COMPLETE), not by its name.
    let stack: Stack | undefined;
    try {
      const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackId }));
      stack = out.Stacks?.[0];
    } catch (error) {
      if (!/does not exist/i.test((error as Error).message)) throw error;
    }
    const fresh = await stackEvents(clients, stackId, seen).catch(() => [] as StackEvent[]);
    for (const event of fresh.reverse()) {
      seen.add(event.EventId ?? "");
      onEvent?.(toDeployEvent(event));
    }
    const status = stack?.StackStatus ?? "DELETE_COMPLETE";
    if (status === "DELETE_COMPLETE") {
      progress(`Stack ${stackName} deleted`);
      return;
    }
    if (status === "DELETE_FAILED") {
      throw new CliError(
        `Deleting stack ${stackName} failed: ${stack?.StackStatusReason ?? "DELETE_FAILED"}`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Events newer than the ones in `seen` (newest first), following pages until a seen one. */
export async function stackEvents(
  clients: NimbusClients,
  stackName: string,
  seen: Set<string>,
): Promise<StackEvent[]> {
  const out: StackEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.cloudFormation.send(
      new DescribeStackEventsCommand({ StackName: stackName, NextToken: nextToken }),
    );
    for (const event of page.StackEvents ?? []) {
      if (seen.has(event.EventId ?? "")) return out;
      out.push(event);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return out;
}

export function toDeployEvent(event: StackEvent): DeployEvent {
  const out: DeployEvent = {
    timestamp: (event.Timestamp ?? new Date()).toISOString(),
    logicalId: event.LogicalResourceId ?? "",
    resourceType: event.ResourceType ?? "",
    status: event.ResourceStatus ?? "",
  };
  if (event.ResourceStatusReason) out.reason = event.ResourceStatusReason;
  return out;
}

export function accountFromArn(arn: string | undefined): string | undefined {
  const account = arn?.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * The server's account id, from its health document (`account.accountId`); a server that does
 * not say (an older Nimbus, or another AWS endpoint) gets 000000000000, the default account.
 */
export async function discoverAccountId(clients: NimbusClients): Promise<string> {
  const response = await fetch(`${clients.endpoint.replace(/\/+$/, "")}/_nimbus/health`).catch(
    (error: unknown) => {
      throw new Error(`cannot reach ${clients.endpoint}: ${(error as Error).message}`);
    },
  );
  const health = (await response.json().catch(() => ({}))) as { account?: { accountId?: unknown } };
  const id = health.account?.accountId;
  return typeof id === "string" && /^\d{12}$/.test(id) ? id : "000000000000";
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
