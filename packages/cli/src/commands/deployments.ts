import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  type DeploymentInfo,
  type DeploymentStatus,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  type LambdaTarget,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import type { Command } from "commander";
import { CliError, usageError } from "../lib/cli-error.js";
import { type NimbusClients, withClients } from "../lib/clients.js";
import { endpointOption, type ServerFlags } from "../lib/endpoint.js";
import { isJson, outputOption, printJson, println, table } from "../lib/output.js";

const STATUSES = ["Created", "Queued", "InProgress", "Baking", "Succeeded", "Failed", "Stopped", "Ready"];

interface ListFlags extends ServerFlags {
  application?: string;
  group?: string;
  status?: string[];
  limit?: string;
}

/** A deployment as the CLI prints it (also its `--output json` shape). */
interface DeploymentView {
  deploymentId: string;
  status: string;
  application: string;
  deploymentGroup: string;
  deploymentConfig: string;
  function?: string;
  alias?: string;
  fromVersion?: string;
  toVersion?: string;
  /** Share of the alias's traffic on the new version (0-100). */
  trafficPercent?: number;
  createdAt?: string;
  completedAt?: string;
  error?: { code?: string; message?: string };
  rollback?: string;
  lifecycleEvents?: {
    name: string;
    status: string;
    startedAt?: string;
    endedAt?: string;
    message?: string;
  }[];
  messages?: string[];
  description?: string;
}

/**
 * `nimbus deployments list|show|stop`: the gradual deployments (SAM DeploymentPreference) of a
 * Nimbus server, through its CodeDeploy API.
 */
export function registerDeploymentsCommands(program: Command): void {
  const common = (c: Command) => c.addOption(endpointOption()).addOption(outputOption());
  const deployments = program
    .command("deployments")
    .description("Gradual deployments of function aliases (SAM DeploymentPreference): list, show, stop")
    .enablePositionalOptions()
    .addHelpText(
      "after",
      "\nExamples:\n  nimbus deployments list\n  nimbus deployments show d-ABCDEFGHI\n  nimbus deployments stop d-ABCDEFGHI",
    );

  common(
    deployments
      .command("list")
      .description("List deployments, newest first, with status and the new version's share of traffic")
      .option(
        "--application <name>",
        "only this CodeDeploy application (SAM: ServerlessDeploymentApplication's name; default: all)",
      )
      .option("--group <name>", "only this deployment group (needs --application; default: all)")
      .option("--status <status...>", `only these statuses (${STATUSES.join(", ")}; default: all)`)
      .option("--limit <n>", "at most this many deployments", "50")
      .addHelpText(
        "after",
        "\nExamples:\n  nimbus deployments list\n  nimbus deployments list --status InProgress --output json",
      ),
  ).action(async (flags: ListFlags) => {
    if (flags.group && !flags.application) throw usageError("--group needs --application");
    for (const status of flags.status ?? [])
      if (!STATUSES.includes(status))
        throw usageError(`unknown status ${status} (one of ${STATUSES.join(", ")})`);
    const limit = Number(flags.limit ?? "50");
    if (!Number.isInteger(limit) || limit < 1) throw usageError("--limit must be a positive whole number");
    const views = await withCodeDeploy(flags, async (codedeploy) => {
      const ids: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await codedeploy.send(
          new ListDeploymentsCommand({
            applicationName: flags.application,
            deploymentGroupName: flags.group,
            includeOnlyStatuses: flags.status as DeploymentStatus[] | undefined,
            nextToken,
          }),
        );
        ids.push(...(page.deployments ?? []));
        nextToken = page.nextToken;
      } while (nextToken && ids.length < limit);
      const out: DeploymentView[] = [];
      for (let i = 0; i < Math.min(ids.length, limit); i += 25) {
        const batch = await codedeploy.send(
          new BatchGetDeploymentsCommand({ deploymentIds: ids.slice(i, Math.min(i + 25, limit)) }),
        );
        for (const info of batch.deploymentsInfo ?? [])
          out.push(view(info, await lambdaTarget(codedeploy, info)));
      }
      return out.sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""));
    });
    if (isJson(flags))
      return printJson({ deployments: views.map(({ lifecycleEvents, messages, ...v }) => v) });
    if (views.length === 0) return println("No deployments.");
    println(
      table(
        ["Id", "Status", "Function:Alias", "Versions", "Traffic", "Created"],
        views.map((v) => [
          v.deploymentId,
          v.status,
          v.function ? `${v.function}:${v.alias}` : "",
          v.fromVersion ? `${v.fromVersion} -> ${v.toVersion}` : "",
          v.trafficPercent === undefined ? "" : `${v.trafficPercent}%`,
          v.createdAt ?? "",
        ]),
      ),
    );
  });

  common(
    deployments
      .command("show <deployment-id>")
      .description(
        "Show one deployment: status, versions, traffic on the new version, lifecycle events, error",
      )
      .addHelpText("after", "\nExample:\n  nimbus deployments show d-ABCDEFGHI --output json"),
  ).action(async (id: string, flags: ServerFlags) => {
    const shown = await withCodeDeploy(flags, async (codedeploy) => {
      const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
      if (!info) throw new CliError(`Deployment ${id} does not exist.`);
      return view(info, await lambdaTarget(codedeploy, info));
    });
    if (isJson(flags)) return printJson(shown);
    println(showText(shown));
  });

  common(
    deployments
      .command("stop <deployment-id>")
      .description("Stop a running deployment: all traffic goes back to the old version (status Stopped)")
      .addHelpText("after", "\nExample:\n  nimbus deployments stop d-ABCDEFGHI"),
  ).action(async (id: string, flags: ServerFlags) => {
    const out = await withCodeDeploy(flags, (codedeploy) =>
      codedeploy.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true })),
    );
    if (isJson(flags))
      return printJson({ deploymentId: id, status: out.status, statusMessage: out.statusMessage });
    println(`${id}: ${out.statusMessage ?? out.status ?? "stopping"}`);
  });
}

async function withCodeDeploy<T>(
  flags: ServerFlags,
  body: (codedeploy: CodeDeployClient) => Promise<T>,
): Promise<T> {
  return withClients(flags, async (clients: NimbusClients) => {
    const codedeploy = new CodeDeployClient(clients.config());
    try {
      return await body(codedeploy);
    } catch (error) {
      if (error instanceof Error && error.name === "DeploymentDoesNotExistException")
        throw new CliError(error.message);
      throw error;
    } finally {
      codedeploy.destroy();
    }
  });
}

/** The deployment's Lambda target (function, alias, versions, weight, lifecycle events). */
async function lambdaTarget(
  codedeploy: CodeDeployClient,
  info: DeploymentInfo,
): Promise<LambdaTarget | undefined> {
  if (!info.deploymentId) return undefined;
  const targets = await codedeploy.send(
    new ListDeploymentTargetsCommand({ deploymentId: info.deploymentId }),
  );
  const targetId = targets.targetIds?.[0];
  if (!targetId) return undefined;
  const out = await codedeploy.send(
    new GetDeploymentTargetCommand({ deploymentId: info.deploymentId, targetId }),
  );
  return out.deploymentTarget?.lambdaTarget;
}

function view(info: DeploymentInfo, target: LambdaTarget | undefined): DeploymentView {
  const fn = target?.lambdaFunctionInfo;
  const out: DeploymentView = {
    deploymentId: info.deploymentId ?? "",
    status: info.status ?? "",
    application: info.applicationName ?? "",
    deploymentGroup: info.deploymentGroupName ?? "",
    deploymentConfig: info.deploymentConfigName ?? "",
  };
  if (fn?.functionName) out.function = fn.functionName;
  if (fn?.functionAlias) out.alias = fn.functionAlias;
  if (fn?.currentVersion) out.fromVersion = fn.currentVersion;
  if (fn?.targetVersion) out.toVersion = fn.targetVersion;
  if (fn?.targetVersionWeight !== undefined)
    out.trafficPercent = Math.round(fn.targetVersionWeight * 1000) / 10;
  if (info.createTime) out.createdAt = info.createTime.toISOString();
  if (info.completeTime) out.completedAt = info.completeTime.toISOString();
  if (info.errorInformation)
    out.error = {
      ...(info.errorInformation.code ? { code: info.errorInformation.code } : {}),
      ...(info.errorInformation.message ? { message: info.errorInformation.message } : {}),
    };
  if (info.rollbackInfo?.rollbackMessage) out.rollback = info.rollbackInfo.rollbackMessage;
  if (info.description) out.description = info.description;
  if (info.deploymentStatusMessages?.length) out.messages = info.deploymentStatusMessages;
  if (target?.lifecycleEvents)
    out.lifecycleEvents = target.lifecycleEvents.map((e) => ({
      name: e.lifecycleEventName ?? "",
      status: e.status ?? "",
      ...(e.startTime ? { startedAt: e.startTime.toISOString() } : {}),
      ...(e.endTime ? { endedAt: e.endTime.toISOString() } : {}),
      ...(e.diagnostics?.message ? { message: e.diagnostics.message } : {}),
    }));
  return out;
}

function showText(v: DeploymentView): string {
  const lines = [
    `Deployment ${v.deploymentId}: ${v.status}`,
    `  Application:  ${v.application} / ${v.deploymentGroup}`,
    `  Config:       ${v.deploymentConfig}`,
  ];
  if (v.function)
    lines.push(`  Alias:        ${v.function}:${v.alias}  (version ${v.fromVersion} -> ${v.toVersion})`);
  if (v.trafficPercent !== undefined)
    lines.push(`  Traffic:      ${v.trafficPercent}% on version ${v.toVersion}`);
  if (v.description) lines.push(`  Origin:       ${v.description}`);
  if (v.createdAt) lines.push(`  Created:      ${v.createdAt}`);
  if (v.completedAt) lines.push(`  Completed:    ${v.completedAt}`);
  if (v.error) lines.push(`  Error:        ${v.error.code ?? ""} ${v.error.message ?? ""}`.trimEnd());
  if (v.rollback) lines.push(`  Rollback:     ${v.rollback}`);
  if (v.lifecycleEvents?.length) {
    lines.push("", "Lifecycle events:");
    const rows = v.lifecycleEvents.map((e) => [
      e.name,
      e.status,
      e.startedAt ?? "",
      e.endedAt ?? "",
      e.message ?? "",
    ]);
    lines.push(
      table(["Event", "Status", "Started", "Ended", "Message"], rows)
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n"),
    );
  }
  return lines.join("\n");
}
