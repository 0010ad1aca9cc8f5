import { FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateStateMachineCommand,
  type LoggingConfiguration,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  UpdateStateMachineCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ROLE = "arn:aws:iam::000000000000:role/sfn-role";
const groupArn = (name: string) => `arn:aws:logs:us-east-1:000000000000:log-group:${name}:*`;
const cli = requireAwsCli();

let nimbus: TestNimbus;
let sfn: SFNClient;

beforeAll(async () => {
  nimbus = await startNimbus();
  sfn = new SFNClient({ ...clientConfig(nimbus.url), disableHostPrefix: true });
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  await nimbus?.stop();
});

interface LogLine {
  id: string;
  type: string;
  details: Record<string, unknown>;
  previous_event_id: string;
  event_timestamp: string;
  execution_arn: string;
}

/** The group's log lines once the one of type `last` has been written (the sink flushes in the background). */
async function linesUntil(group: string, last: string): Promise<LogLine[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const out = await nimbus.logs
      .send(new FilterLogEventsCommand({ logGroupName: group }))
      .catch(() => ({ events: [] }));
    const lines = (out.events ?? []).map((e) => JSON.parse(e.message ?? "{}") as LogLine);
    if (lines.some((l) => l.type === last)) return lines;
    if (Date.now() > deadline) throw new Error(`no ${last} line in ${group}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const logging = (level: string, group: string, includeExecutionData: boolean): LoggingConfiguration => ({
  level: level as LoggingConfiguration["level"],
  includeExecutionData,
  destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: groupArn(group) } }],
});

describe("execution logging to CloudWatch Logs", () => {
  it("writes every history event of a Standard execution at level ALL", async () => {
    const group = "/aws/vendedlogs/states/standard-all";
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: "logged-standard",
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: "P",
          States: { P: { Type: "Pass", Result: "hi", End: true } },
        }),
        loggingConfiguration: logging("ALL", group, true),
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ secret: 42 }) }),
    );
    const lines = await linesUntil(group, "ExecutionSucceeded");
    expect(lines.map((l) => l.type)).toEqual([
      "ExecutionStarted",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
    expect(lines[0]).toMatchObject({ id: "1", previous_event_id: "0", execution_arn: executionArn });
    expect(lines[0]?.details).toMatchObject({ input: '{"secret":42}', roleArn: ROLE });
    expect(lines[3]?.details).toMatchObject({ output: '"hi"' });
    expect(Number(lines[0]?.event_timestamp)).toBeGreaterThan(0);

    if (cli) {
      const tailed = await aws(cli, nimbus.url, ["logs", "tail", group, "--since", "1h"]);
      expect(tailed).toContain("ExecutionSucceeded");
    }
  });

  it("keeps the only history of a failed Express execution at level ERROR, without data", async () => {
    const group = "/aws/vendedlogs/states/express-error";
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: "logged-express",
        roleArn: ROLE,
        type: "EXPRESS",
        definition: JSON.stringify({
          StartAt: "Go",
          States: { Go: { Type: "Pass", Next: "Stop" }, Stop: { Type: "Fail", Error: "Bad", Cause: "why" } },
        }),
        loggingConfiguration: logging("ERROR", group, false),
      }),
    );
    const out = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify({ secret: 1 }) }),
    );
    expect(out.status).toBe("FAILED");
    const lines = await linesUntil(group, "ExecutionFailed");
    expect(lines.map((l) => l.type)).toEqual(["FailStateEntered", "ExecutionFailed"]);
    expect(lines[0]?.details).toEqual({ name: "Stop", inputDetails: { truncated: false } });
    expect(lines[1]?.details).toEqual({ error: "Bad", cause: "why" });
    expect(lines[1]?.execution_arn).toBe(out.executionArn);
  });

  it("starts logging when UpdateStateMachine turns it on, and drops input/output without includeExecutionData", async () => {
    const group = "/aws/vendedlogs/states/updated";
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: "logged-later",
        roleArn: ROLE,
        definition: JSON.stringify({ StartAt: "P", States: { P: { Type: "Pass", End: true } } }),
      }),
    );
    await sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn,
        roleArn: ROLE,
        loggingConfiguration: logging("ALL", group, false),
      }),
    );
    await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ secret: 7 }) }));
    const lines = await linesUntil(group, "ExecutionSucceeded");
    expect(lines[0]?.details).toMatchObject({ inputDetails: { truncated: false } });
    expect(JSON.stringify(lines)).not.toContain("secret");
  });

  it("refuses logging configurations it cannot apply with InvalidLoggingConfiguration", async () => {
    const definition = JSON.stringify({ StartAt: "P", States: { P: { Type: "Pass", End: true } } });
    const attempt = (loggingConfiguration: LoggingConfiguration) =>
      sfn
        .send(
          new CreateStateMachineCommand({
            name: "bad-logging",
            roleArn: ROLE,
            definition,
            loggingConfiguration,
          }),
        )
        .catch((e: Error) => e);
    expect(await attempt({ level: "ALL" })).toMatchObject({ name: "InvalidLoggingConfiguration" });
    expect(
      await attempt({
        level: "ERROR",
        destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: "arn:aws:s3:::bucket" } }],
      }),
    ).toMatchObject({ name: "InvalidLoggingConfiguration" });
  });
});
