import { basename, dirname, resolve } from "node:path";
import {
  type Capability,
  type Change,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type DescribeChangeSetCommandOutput,
  ExecuteChangeSetCommand,
  type Parameter,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import { CliError, EXIT_USAGE, usageError } from "./cli-error.js";
import { type ClientOptions, NimbusClients } from "./clients.js";
import {
  artifactsBucketName,
  type PackagedArtifact,
  packageTemplateFile,
  packageTemplateObject,
  uploadBlob,
} from "./package-template.js";
import {
  accountFromArn,
  type DeployEvent,
  deleteStackAndWait,
  describeStack,
  discoverAccountId,
  sleep,
  stackEvents,
  toDeployEvent,
} from "./stack-state.js";
import type { TemplateJson } from "./template-file.js";

export type { DeployEvent } from "./stack-state.js";

/** CloudFormation's TemplateBody limit; larger templates go through S3 and TemplateURL. */
export const TEMPLATE_BODY_LIMIT = 51_200;
export const ALL_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"];
const POLL_MS = 500;

/** One line of the plan (a change set's resource change). */
export interface PlanChange {
  action: string;
  logicalId: string;
  resourceType: string;
  physicalId?: string;
  replacement?: string;
}

export interface DeployPlan {
  changeSetId: string;
  changeSetType: "CREATE" | "UPDATE";
  changes: PlanChange[];
  /** The change set's StatusReason lines: what Nimbus does not apply, or records only. */
  notes: string[];
}

export interface DeployStackOptions extends ClientOptions {
  /** The template file; relative artifact paths start at its folder. */
  templatePath: string;
  /** Deploy this (already parsed) template instead of the file's content; paths still start at the file's folder. */
  template?: TemplateJson | undefined;
  /** Default: the template folder's name, sanitized (`defaultStackName`). */
  stackName?: string | undefined;
  parameters?: Record<string, string> | undefined;
  tags?: Record<string, string> | undefined;
  capabilities?: string[] | undefined;
  /** false: create the change set, report the plan, do not execute it. */
  execute?: boolean | undefined;
  onEvent?: ((event: DeployEvent) => void) | undefined;
  onProgress?: ((line: string) => void) | undefined;
  onPlan?: ((plan: DeployPlan) => void) | undefined;
  /** Reuse these clients (otherwise made from `endpoint` / `strict` and closed at the end). */
  clients?: NimbusClients | undefined;
  /** How often the change set and the stack are polled (default 500 ms; `nimbus dev` polls faster). */
  pollMs?: number | undefined;
}

export type DeployStatus = "NO_CHANGES" | "CHANGE_SET_FAILED" | "CHANGE_SET_CREATED" | string;

export interface DeployResult {
  stackName: string;
  stackId?: string | undefined;
  /** The final stack status, or NO_CHANGES / CHANGE_SET_FAILED / CHANGE_SET_CREATED (--no-execute). */
  status: DeployStatus;
  /** true when the stack reached CREATE_COMPLETE / UPDATE_COMPLETE, or nothing had to change. */
  ok: boolean;
  reason?: string | undefined;
  plan?: DeployPlan | undefined;
  outputs: Record<string, string>;
  outputDetails: { key: string; value: string; description?: string; exportName?: string }[];
  /** Resources that failed during the execution, with CloudFormation's reasons. */
  failures: DeployEvent[];
  artifacts: PackagedArtifact[];
}

/** A stack name from a folder name: letters, digits and hyphens, starting with a letter, at most 128. */
export function sanitizeStackName(name: string): string {
  let out = name
    .replace(/[^A-Za-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[A-Za-z]/.test(out)) out = `stack-${out}`.replace(/-$/, "");
  return out.slice(0, 128);
}

/** The default stack name: the template's folder, sanitized. */
export function defaultStackName(templatePath: string): string {
  return sanitizeStackName(basename(dirname(resolve(templatePath))));
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/**
 * The `nimbus deploy` flow: package the template's local artifacts, create a change set
 * (CREATE or UPDATE), report the plan, execute it while streaming the stack's events, and
 * answer with the final status and the stack's outputs. Does not throw for a failed deploy
 * (`ok` is false and `reason` / `failures` say why); throws `CliError` for bad input and
 * errors of the server's APIs.
 */
export async function deployStack(options: DeployStackOptions): Promise<DeployResult> {
  const clients = options.clients ?? new NimbusClients(options);
  try {
    const r = await runDeploy(clients, options);
    // A stable key order for `--output json` readers: the verdict first.
    return {
      stackName: r.stackName,
      stackId: r.stackId,
      status: r.status,
      ok: r.ok,
      reason: r.reason,
      outputs: r.outputs,
      outputDetails: r.outputDetails,
      failures: r.failures,
      plan: r.plan,
      artifacts: r.artifacts,
    };
  } finally {
    if (!options.clients) clients.close();
  }
}

async function runDeploy(clients: NimbusClients, options: DeployStackOptions): Promise<DeployResult> {
  const progress = options.onProgress ?? (() => {});
  const stackName = options.stackName ?? defaultStackName(options.templatePath);
  if (!STACK_NAME.test(stackName)) {
    throw usageError(
      `invalid stack name "${stackName}": letters, digits and hyphens, starting with a letter, at most 128 characters`,
    );
  }
  const cfn = clients.cloudFormation;
  let existing = await describeStack(clients, stackName);
  if (existing?.StackStatus === "ROLLBACK_COMPLETE" || existing?.StackStatus === "ROLLBACK_FAILED") {
    // A stack whose creation rolled back cannot be updated (AWS says so too); start it over.
    progress(`Stack ${stackName} is in ${existing.StackStatus} after a failed create; deleting it first`);
    await deleteStackAndWait(clients, stackName, progress);
    existing = undefined;
  }
  if (existing?.StackStatus?.endsWith("_IN_PROGRESS") && existing.StackStatus !== "REVIEW_IN_PROGRESS") {
    throw new CliError(`Stack ${stackName} is in ${existing.StackStatus} state and can not be updated now`);
  }
  const changeSetType = !existing || existing.StackStatus === "REVIEW_IN_PROGRESS" ? "CREATE" : "UPDATE";

  const accountId = accountFromArn(existing?.StackId) ?? (await discoverAccountId(clients));
  const bucket = artifactsBucketName(accountId, clients.region);
  const packageOptions = { bucket, accountId, region: clients.region, onProgress: progress };
  const packaged = options.template
    ? await packageTemplateObject(
        options.template,
        dirname(resolve(options.templatePath)),
        clients.s3,
        packageOptions,
      )
    : await packageTemplateFile(options.templatePath, clients.s3, packageOptions);

  let body = packaged.text;
  if (Buffer.byteLength(body) > TEMPLATE_BODY_LIMIT) body = JSON.stringify(packaged.template);
  const templateSource: { TemplateBody?: string; TemplateURL?: string } = {};
  if (Buffer.byteLength(body) > TEMPLATE_BODY_LIMIT) {
    const key = await uploadBlob(clients.s3, bucket, body, ".template");
    templateSource.TemplateURL = `${clients.endpoint}/${bucket}/${key}`;
    progress(`Template is over ${TEMPLATE_BODY_LIMIT} bytes; uploaded to s3://${bucket}/${key}`);
  } else {
    templateSource.TemplateBody = body;
  }

  // A stack waiting in REVIEW_IN_PROGRESS (an earlier change set never executed, or FAILED) has
  // no previous values to keep: UsePreviousValue is invalid on a CREATE change set (the AWS
  // CLI's deploy drops them the same way).
  const parameters = buildParameters(
    packaged.template,
    options.parameters ?? {},
    changeSetType === "UPDATE" ? existing : undefined,
  );
  const changeSetName = `nimbus-deploy-${Date.now()}`;
  progress(`Creating change set ${changeSetName} (${changeSetType}) for stack ${stackName}`);
  const created = await cfn
    .send(
      new CreateChangeSetCommand({
        StackName: stackName,
        ChangeSetName: changeSetName,
        ChangeSetType: changeSetType,
        ...templateSource,
        Parameters: parameters,
        Capabilities: (options.capabilities ?? ALL_CAPABILITIES) as Capability[],
        Tags: Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
        Description: "Created by nimbus deploy",
      }),
    )
    .catch((error: Error) => {
      // The template or its parameters are wrong: an input error (exit 2), not a failed operation.
      if (error.name === "ValidationError" || error.name === "InsufficientCapabilitiesException") {
        throw new CliError(`${error.name}: ${error.message}`, EXIT_USAGE);
      }
      throw error;
    });
  const changeSetId = created.Id ?? changeSetName;
  const stackId = created.StackId ?? existing?.StackId;
  const pollMs = options.pollMs ?? POLL_MS;
  const described = await waitForChangeSet(clients, changeSetId, stackName, pollMs);
  const base = {
    stackName,
    stackId,
    outputs: {},
    outputDetails: [],
    failures: [],
    artifacts: packaged.artifacts,
  };
  if (described.first.Status === "FAILED") {
    const reason = described.first.StatusReason ?? "the change set failed";
    if (/didn't contain changes|No updates are to be performed/i.test(reason)) {
      await cfn
        .send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackName }))
        .catch(() => {});
      const stack = await describeStack(clients, stackName);
      return { ...base, ...outputsOf(stack), status: "NO_CHANGES", ok: true, reason };
    }
    return { ...base, status: "CHANGE_SET_FAILED", ok: false, reason };
  }
  const plan: DeployPlan = {
    changeSetId,
    changeSetType,
    changes: described.changes.map(planChange),
    notes: splitNotes(described.first.StatusReason),
  };
  options.onPlan?.(plan);
  if (options.execute === false) {
    return { ...base, status: "CHANGE_SET_CREATED", ok: true, plan };
  }

  const seen = new Set((await stackEvents(clients, stackName, new Set())).map((e) => e.EventId ?? ""));
  progress(`Executing change set ${changeSetName}`);
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackName }));
  const events: DeployEvent[] = [];
  let stack: Stack | undefined;
  for (;;) {
    stack = await describeStack(clients, stackName);
    const status = stack?.StackStatus ?? "DELETE_COMPLETE";
    const fresh = await stackEvents(clients, stackName, seen);
    for (const event of fresh.reverse()) {
      seen.add(event.EventId ?? "");
      const shown = toDeployEvent(event);
      events.push(shown);
      options.onEvent?.(shown);
    }
    if (!status.endsWith("_IN_PROGRESS")) break;
    await sleep(pollMs);
  }
  const status = stack?.StackStatus ?? "DELETE_COMPLETE";
  const ok = status === "CREATE_COMPLETE" || status === "UPDATE_COMPLETE";
  const failures = events.filter(
    (e) => e.status.endsWith("_FAILED") && e.reason && e.logicalId !== stackName,
  );
  return {
    ...base,
    ...outputsOf(stack),
    stackId: stack?.StackId ?? stackId,
    status,
    ok,
    reason: ok ? undefined : (stack?.StackStatusReason ?? failures[0]?.reason),
    plan,
    failures,
  };
}

async function waitForChangeSet(
  clients: NimbusClients,
  changeSetId: string,
  stackName: string,
  pollMs: number,
): Promise<{ first: DescribeChangeSetCommandOutput; changes: Change[] }> {
  for (;;) {
    const first = await clients.cloudFormation.send(
      new DescribeChangeSetCommand({ ChangeSetName: changeSetId, StackName: stackName }),
    );
    if (first.Status !== "CREATE_PENDING" && first.Status !== "CREATE_IN_PROGRESS") {
      const changes = [...(first.Changes ?? [])];
      let nextToken = first.NextToken;
      while (nextToken) {
        const page = await clients.cloudFormation.send(
          new DescribeChangeSetCommand({
            ChangeSetName: changeSetId,
            StackName: stackName,
            NextToken: nextToken,
          }),
        );
        changes.push(...(page.Changes ?? []));
        nextToken = page.NextToken;
      }
      return { first, changes };
    }
    await sleep(pollMs);
  }
}

/**
 * The change set's parameters: the overrides, and for an update every template parameter the
 * stack already has and the overrides do not name keeps its previous value (as
 * `aws cloudformation deploy` does).
 */
export function buildParameters(
  template: Record<string, unknown>,
  overrides: Record<string, string>,
  existing: Stack | undefined,
): Parameter[] {
  const declared = Object.keys((template.Parameters as Record<string, unknown> | undefined) ?? {});
  for (const key of Object.keys(overrides)) {
    if (!declared.includes(key)) {
      throw usageError(`--parameter-overrides: the template declares no parameter named ${key}`);
    }
  }
  const params: Parameter[] = Object.entries(overrides).map(([ParameterKey, ParameterValue]) => ({
    ParameterKey,
    ParameterValue,
  }));
  const previous = new Set((existing?.Parameters ?? []).map((p) => p.ParameterKey));
  for (const key of declared) {
    if (!(key in overrides) && previous.has(key)) params.push({ ParameterKey: key, UsePreviousValue: true });
  }
  return params;
}

function planChange(change: Change): PlanChange {
  const rc = change.ResourceChange ?? {};
  const out: PlanChange = {
    action: rc.Action ?? change.Type ?? "",
    logicalId: rc.LogicalResourceId ?? "",
    resourceType: rc.ResourceType ?? "",
  };
  if (rc.PhysicalResourceId) out.physicalId = rc.PhysicalResourceId;
  if (rc.Replacement) out.replacement = rc.Replacement;
  return out;
}

/** StatusReason may carry several notes; one per line (or per "; " when on one line). */
function splitNotes(reason: string | undefined): string[] {
  if (!reason) return [];
  return reason
    .split(/\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

function outputsOf(stack: Stack | undefined): Pick<DeployResult, "outputs" | "outputDetails"> {
  const outputs: Record<string, string> = {};
  const outputDetails: DeployResult["outputDetails"] = [];
  for (const o of stack?.Outputs ?? []) {
    if (!o.OutputKey) continue;
    outputs[o.OutputKey] = o.OutputValue ?? "";
    const detail: DeployResult["outputDetails"][number] = { key: o.OutputKey, value: o.OutputValue ?? "" };
    if (o.Description) detail.description = o.Description;
    if (o.ExportName) detail.exportName = o.ExportName;
    outputDetails.push(detail);
  }
  return { outputs, outputDetails };
}
