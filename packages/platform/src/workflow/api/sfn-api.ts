import type { JsonRpcService } from "../../aws/json-rpc.js";
import { WireReader } from "../../aws/wire-validation.js";
import { workflowError } from "../errors.js";
import { checkDefinition, type MachineType } from "../service/definition-check.js";
import type { ExecutionService } from "../service/execution-service.js";
import type { MachineTargets } from "../service/machine-targets.js";
import { parseMachineTarget } from "../service/names.js";
import type { StateMachineRecord } from "../service/state-machine-service.js";
import type { TagService } from "../service/tag-service.js";
import type { TestStateRequest, TestStateResult } from "../service/test-state.js";
import type { VersionRecord } from "../service/version-service.js";
import { readTags, tagOperations } from "./tags-api.js";
import { versionOperations } from "./versions-api.js";
import { offsetOf, page, seconds, wireExecution, wireExecutionListItem, wireHistoryEvent } from "./wire.js";

const TYPES = ["STANDARD", "EXPRESS"] as const;
const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"] as const;
const invalidToken = () => workflowError.invalidToken("Invalid Token");

function required(reader: WireReader, member: string, value: string | undefined): string {
  if (value === undefined) reader.fail("null", member, "Member must not be null");
  reader.done();
  return value ?? "";
}

function maxResults(reader: WireReader): number {
  const n = reader.integer("maxResults", { min: 0, max: 1000 });
  return n === undefined || n === 0 ? 100 : n;
}

function describeMachine(m: StateMachineRecord): Record<string, unknown> {
  return {
    stateMachineArn: m.arn,
    name: m.name,
    status: "ACTIVE",
    definition: m.definition,
    roleArn: m.roleArn,
    type: m.type,
    creationDate: seconds(m.createdAt),
    loggingConfiguration: m.loggingConfiguration ?? { level: "OFF", includeExecutionData: false },
    tracingConfiguration: m.tracingConfiguration ?? { enabled: false },
    revisionId: m.revisionId,
  };
}

function describeVersion(v: VersionRecord): Record<string, unknown> {
  return {
    stateMachineArn: v.arn,
    name: v.name,
    status: "ACTIVE",
    definition: v.definition,
    roleArn: v.roleArn,
    type: v.type,
    creationDate: seconds(v.createdAt),
    loggingConfiguration: v.loggingConfiguration ?? { level: "OFF", includeExecutionData: false },
    tracingConfiguration: v.tracingConfiguration ?? { enabled: false },
    revisionId: v.revisionId,
    ...(v.description !== undefined && { description: v.description }),
  };
}

/** `publish` / `versionDescription` of Create and Update: a description alone is refused. */
function publishOption(r: WireReader): { publish: boolean; description?: string } {
  const publish = r.boolean("publish") ?? false;
  const description = r.string("versionDescription", { max: 256 });
  if (description !== undefined && !publish)
    throw workflowError.validation("Version description can only be set when publish is true");
  return { publish, ...(description !== undefined && { description }) };
}

/**
 * The Step Functions API (awsJson1_0, `X-Amz-Target: AWSStepFunctions.<Op>`): state machines,
 * executions, history and task callbacks. Wire names live only here.
 */
export function createSfnApi(
  targets: MachineTargets,
  executions: ExecutionService,
  runTestState: (request: TestStateRequest) => Promise<TestStateResult>,
  tags: TagService,
): JsonRpcService {
  const { machines, versions } = targets;
  return {
    targetPrefix: "AWSStepFunctions",
    jsonVersion: "1.0",
    operations: {
      ...versionOperations(targets),
      ...tagOperations(tags),
      async TestState(input) {
        const r = new WireReader(input);
        const definition = r.string("definition", { min: 1, max: 1_048_576 });
        const roleArn = r.string("roleArn", { min: 1, max: 256 });
        const text = r.string("input");
        const level = r.enumValue("inspectionLevel", ["INFO", "DEBUG", "TRACE"] as const) ?? "INFO";
        const variables = r.string("variables");
        const stateName = r.string("stateName", { min: 1, max: 80 });
        for (const member of ["mock", "context", "stateConfiguration"])
          if (input[member] !== undefined && input[member] !== null)
            throw workflowError.validation(`TestState '${member}' is not supported by Nimbus`);
        const result = await runTestState({
          definition: required(r, "definition", definition),
          input: text ?? "{}",
          inspectionLevel: level,
          ...(roleArn !== undefined && { roleArn }),
          ...(variables !== undefined && { variables }),
          ...(stateName !== undefined && { stateName }),
        });
        return result;
      },
      async CreateStateMachine(input) {
        const r = new WireReader(input);
        const name = r.string("name", { min: 1, max: 80 });
        const definition = r.string("definition", { min: 1, max: 1_048_576 });
        const roleArn = r.string("roleArn", { min: 1, max: 256 });
        const type: MachineType = r.enumValue("type", TYPES) ?? "STANDARD";
        const logging = r.object("loggingConfiguration");
        const tracing = r.object("tracingConfiguration");
        const publish = publishOption(r);
        const tagMap = readTags(r, input);
        required(r, "name", name);
        required(r, "definition", definition);
        required(r, "roleArn", roleArn);
        const m = await machines.create({
          name: name ?? "",
          definition: definition ?? "",
          roleArn: roleArn ?? "",
          type,
          ...(tagMap && { tags: tagMap }),
          ...(logging && { loggingConfiguration: logging }),
          ...(tracing && { tracingConfiguration: tracing }),
        });
        const version = publish.publish ? await versions.publish(m.arn, publish) : undefined;
        return {
          stateMachineArn: m.arn,
          creationDate: seconds(m.createdAt),
          ...(version && { stateMachineVersionArn: version.arn }),
        };
      },
      async DescribeStateMachine(input) {
        const r = new WireReader(input);
        const arn = required(r, "stateMachineArn", r.string("stateMachineArn"));
        const target = parseMachineTarget(arn);
        if (target.kind === "alias")
          throw workflowError.invalidArn(`Invalid Arn: '${arn}' (use DescribeStateMachineAlias for aliases)`);
        if (target.kind === "machine") return describeMachine(await machines.get(arn));
        const version = await versions.find(arn);
        if (!version) throw workflowError.stateMachineNotFound(arn);
        return describeVersion(version);
      },
      async UpdateStateMachine(input) {
        const r = new WireReader(input);
        const arn = r.string("stateMachineArn");
        const definition = r.string("definition", { min: 1, max: 1_048_576 });
        const roleArn = r.string("roleArn", { min: 1, max: 256 });
        const logging = r.object("loggingConfiguration");
        const tracing = r.object("tracingConfiguration");
        const publish = publishOption(r);
        const m = await machines.update(required(r, "stateMachineArn", arn), {
          ...(definition !== undefined && { definition }),
          ...(roleArn !== undefined && { roleArn }),
          ...(logging && { loggingConfiguration: logging }),
          ...(tracing && { tracingConfiguration: tracing }),
        });
        const version = publish.publish ? await versions.publish(m.arn, publish) : undefined;
        return {
          updateDate: seconds(m.updatedAt ?? m.createdAt),
          revisionId: m.revisionId,
          ...(version && { stateMachineVersionArn: version.arn }),
        };
      },
      async DeleteStateMachine(input) {
        const r = new WireReader(input);
        await targets.deleteMachine(required(r, "stateMachineArn", r.string("stateMachineArn")));
        return {};
      },
      async ListStateMachines(input) {
        const r = new WireReader(input);
        const max = maxResults(r);
        const token = r.string("nextToken");
        r.done();
        const all = (await machines.list()).sort((a, b) => (a.name < b.name ? -1 : 1));
        const { items, nextToken } = page(all, offsetOf(token, invalidToken), max);
        return {
          stateMachines: items.map((m) => ({
            stateMachineArn: m.arn,
            name: m.name,
            type: m.type,
            creationDate: seconds(m.createdAt),
          })),
          ...(nextToken && { nextToken }),
        };
      },
      async ValidateStateMachineDefinition(input) {
        const r = new WireReader(input);
        const definition = r.string("definition");
        const type: MachineType = r.enumValue("type", TYPES) ?? "STANDARD";
        const severity = r.enumValue("severity", ["ERROR", "WARNING"] as const) ?? "ERROR";
        const max = r.integer("maxResults", { min: 0, max: 100 }) || 100;
        const all = checkDefinition(required(r, "definition", definition), type).filter(
          (d) => severity === "WARNING" || d.severity === "ERROR",
        );
        return {
          result: all.some((d) => d.severity === "ERROR") ? "FAIL" : "OK",
          diagnostics: all.slice(0, max),
          truncated: all.length > max,
        };
      },
      async StartExecution(input) {
        const r = new WireReader(input);
        const arn = r.string("stateMachineArn");
        const name = r.string("name", { min: 1, max: 80 });
        // Size is checked against the configured quota: InvalidExecutionInput, as on AWS.
        const text = r.string("input");
        const e = await executions.start(required(r, "stateMachineArn", arn), name, text);
        return { executionArn: e.executionArn, startDate: seconds(e.startedAt) };
      },
      async StartSyncExecution(input) {
        const r = new WireReader(input);
        const arn = r.string("stateMachineArn");
        const name = r.string("name", { min: 1, max: 80 });
        // Size is checked against the configured quota: InvalidExecutionInput, as on AWS.
        const text = r.string("input");
        const e = await executions.startSync(required(r, "stateMachineArn", arn), name, text);
        const out = wireExecution(e);
        delete out.redriveCount;
        delete out.redriveStatus;
        const durationMs = Math.max(1, (e.stoppedAt ?? e.startedAt) - e.startedAt);
        return {
          ...out,
          billingDetails: {
            billedMemoryUsedInMB: 64,
            billedDurationInMilliseconds: Math.ceil(durationMs / 100) * 100,
          },
        };
      },
      async DescribeExecution(input) {
        const r = new WireReader(input);
        return wireExecution(
          await executions.describe(required(r, "executionArn", r.string("executionArn"))),
        );
      },
      async DescribeStateMachineForExecution(input) {
        const r = new WireReader(input);
        const e = await executions.describe(required(r, "executionArn", r.string("executionArn")));
        const current = await machines.find(e.stateMachineArn);
        return {
          stateMachineArn: e.stateMachineArn,
          name: e.state.context.stateMachineName,
          definition: await executions.definitionOf(e),
          roleArn: e.state.context.roleArn ?? current?.roleArn ?? "",
          updateDate: seconds(e.startedAt),
          loggingConfiguration: current?.loggingConfiguration ?? {
            level: "OFF",
            includeExecutionData: false,
          },
          tracingConfiguration: current?.tracingConfiguration ?? { enabled: false },
        };
      },
      async StopExecution(input) {
        const r = new WireReader(input);
        const arn = r.string("executionArn");
        const error = r.string("error", { max: 256 });
        const cause = r.string("cause", { max: 32_768 });
        const e = await executions.stop(required(r, "executionArn", arn), error, cause);
        return { stopDate: seconds(e.stoppedAt ?? e.startedAt) };
      },
      async ListExecutions(input) {
        const r = new WireReader(input);
        const arn = r.string("stateMachineArn");
        const status = r.enumValue("statusFilter", STATUSES);
        const max = maxResults(r);
        const token = r.string("nextToken");
        const all = await executions.list(required(r, "stateMachineArn", arn), status);
        const { items, nextToken } = page(all, offsetOf(token, invalidToken), max);
        return { executions: items.map(wireExecutionListItem), ...(nextToken && { nextToken }) };
      },
      async GetExecutionHistory(input) {
        const r = new WireReader(input);
        const arn = r.string("executionArn");
        const reverse = r.boolean("reverseOrder") ?? false;
        const includeData = r.boolean("includeExecutionData") ?? true;
        const max = maxResults(r);
        const token = r.string("nextToken");
        const events = await executions.history(required(r, "executionArn", arn));
        if (reverse) events.reverse();
        const { items, nextToken } = page(events, offsetOf(token, invalidToken), max);
        return {
          events: items.map((e) => wireHistoryEvent(e, includeData)),
          ...(nextToken && { nextToken }),
        };
      },
      async SendTaskSuccess(input) {
        const r = new WireReader(input);
        const token = r.string("taskToken", { min: 1, max: 2048 });
        const output = r.string("output", { max: 262_144 });
        required(r, "taskToken", token);
        await executions.sendTaskSuccess(token ?? "", required(r, "output", output));
        return {};
      },
      async SendTaskFailure(input) {
        const r = new WireReader(input);
        const token = r.string("taskToken", { min: 1, max: 2048 });
        const error = r.string("error", { max: 256 });
        const cause = r.string("cause", { max: 32_768 });
        await executions.sendTaskFailure(required(r, "taskToken", token), error, cause);
        return {};
      },
      async SendTaskHeartbeat(input) {
        const r = new WireReader(input);
        await executions.sendTaskHeartbeat(
          required(r, "taskToken", r.string("taskToken", { min: 1, max: 2048 })),
        );
        return {};
      },
    },
  };
}
