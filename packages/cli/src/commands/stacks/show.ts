import {
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  type StackEvent,
} from "@aws-sdk/client-cloudformation";
import type { Command } from "commander";
import { CliError } from "../../lib/cli-error.js";
import { withClients } from "../../lib/clients.js";
import type { ServerFlags } from "../../lib/endpoint.js";
import { isJson, printJson, println, table } from "../../lib/output.js";
import { describeStack } from "../../lib/stack-state.js";
import { indent } from "./render.js";

interface ShowFlags extends ServerFlags {
  events?: string;
}

/** `nimbus stacks show <name>`: status, parameters, resources, outputs, recent events. */
export function registerStacksShow(stacks: Command, common: (c: Command) => Command): void {
  common(
    stacks
      .command("show <stack-name>")
      .description("Show one stack: status, parameters, resources, outputs and its most recent events")
      .option("--events <n>", "how many recent events to show (default 20; 0 for none)", "20")
      .addHelpText(
        "after",
        "\nExamples:\n  nimbus stacks show shop\n  nimbus stacks show shop --events 100 --output json",
      ),
  ).action(async (stackName: string, flags: ShowFlags) => {
    const limit = Math.max(0, Number(flags.events ?? "20") || 0);
    const info = await withClients(flags, async (clients) => {
      const stack = await describeStack(clients, stackName);
      if (!stack) throw new CliError(`Stack with id ${stackName} does not exist`);
      const resources = await clients.cloudFormation.send(
        new DescribeStackResourcesCommand({ StackName: stackName }),
      );
      const events: StackEvent[] = [];
      let nextToken: string | undefined;
      while (events.length < limit) {
        const page = await clients.cloudFormation.send(
          new DescribeStackEventsCommand({ StackName: stackName, NextToken: nextToken }),
        );
        events.push(...(page.StackEvents ?? []));
        nextToken = page.NextToken;
        if (!nextToken) break;
      }
      return {
        stackName: stack.StackName ?? stackName,
        stackId: stack.StackId,
        status: stack.StackStatus,
        statusReason: stack.StackStatusReason,
        description: stack.Description,
        createdAt: stack.CreationTime?.toISOString(),
        updatedAt: stack.LastUpdatedTime?.toISOString(),
        parameters: Object.fromEntries(
          (stack.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]),
        ),
        tags: Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key, t.Value])),
        outputs: (stack.Outputs ?? []).map((o) => ({
          key: o.OutputKey,
          value: o.OutputValue,
          description: o.Description,
          exportName: o.ExportName,
        })),
        resources: (resources.StackResources ?? []).map((r) => ({
          logicalId: r.LogicalResourceId,
          physicalId: r.PhysicalResourceId,
          type: r.ResourceType,
          status: r.ResourceStatus,
          statusReason: r.ResourceStatusReason,
        })),
        events: events.slice(0, limit).map((e) => ({
          timestamp: e.Timestamp?.toISOString(),
          logicalId: e.LogicalResourceId,
          type: e.ResourceType,
          status: e.ResourceStatus,
          reason: e.ResourceStatusReason,
        })),
      };
    });
    if (isJson(flags)) return printJson(info);
    println(
      `Stack ${info.stackName}: ${info.status ?? ""}${info.statusReason ? ` (${info.statusReason})` : ""}`,
    );
    if (info.stackId) println(`  id: ${info.stackId}`);
    if (info.description) println(`  description: ${info.description}`);
    println(`  updated: ${info.updatedAt ?? info.createdAt ?? ""}`);
    if (Object.keys(info.parameters).length > 0) {
      println("\nParameters:");
      for (const [k, v] of Object.entries(info.parameters)) println(`  ${k} = ${v ?? ""}`);
    }
    println("\nResources:");
    println(
      indent(
        table(
          ["LogicalId", "Type", "Status", "PhysicalId"],
          info.resources.map((r) => [r.logicalId ?? "", r.type ?? "", r.status ?? "", r.physicalId ?? ""]),
        ),
      ),
    );
    if (info.outputs.length > 0) {
      println("\nOutputs:");
      println(
        indent(
          table(
            ["Key", "Value", "Description"],
            info.outputs.map((o) => [o.key ?? "", o.value ?? "", o.description ?? ""]),
          ),
        ),
      );
    }
    if (info.events.length > 0) {
      println(`\nEvents (newest first, ${info.events.length}):`);
      for (const e of info.events) {
        println(
          `  ${e.timestamp ?? ""}  ${(e.status ?? "").padEnd(28)} ${(e.type ?? "").padEnd(34)} ${e.logicalId ?? ""}${e.reason ? `  ${e.reason}` : ""}`,
        );
      }
    }
  });
}
