import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineAliasCommand,
  DeleteStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ROLE = "arn:aws:iam::000000000000:role/sfn-role";
const passing = (value: string) =>
  JSON.stringify({ StartAt: "P", States: { P: { Type: "Pass", Result: { value }, End: true } } });

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

async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== "RUNNING") return out;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string };
  }
  throw new Error("expected the call to fail");
}

describe("state machine versions and aliases", () => {
  it("publishes versions, routes executions through versions and aliases, and guards deletes", async () => {
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: "versioned",
        definition: passing("one"),
        roleArn: ROLE,
        publish: true,
        versionDescription: "first",
      }),
    );
    const machine = created.stateMachineArn ?? "";
    expect(created.stateMachineVersionArn).toBe(`${machine}:1`);
    const v1 = `${machine}:1`;

    const updated = await sfn.send(
      new UpdateStateMachineCommand({ stateMachineArn: machine, definition: passing("two"), publish: true }),
    );
    expect(updated.stateMachineVersionArn).toBe(`${machine}:2`);
    const v2 = `${machine}:2`;
    // Publishing the same revision again answers the existing version.
    const again = await sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn: machine }));
    expect(again.stateMachineVersionArn).toBe(v2);
    const stale = await rejection(
      sfn.send(
        new PublishStateMachineVersionCommand({ stateMachineArn: machine, revisionId: "not-current" }),
      ),
    );
    expect(stale.name).toBe("ConflictException");

    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: v1 }));
    expect(described).toMatchObject({
      stateMachineArn: v1,
      description: "first",
      definition: passing("one"),
    });
    const listed = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: machine }));
    expect(listed.stateMachineVersions?.map((v) => v.stateMachineVersionArn)).toEqual([v2, v1]);

    const alias = await sfn.send(
      new CreateStateMachineAliasCommand({
        name: "live",
        description: "production",
        routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }],
      }),
    );
    const aliasArn = alias.stateMachineAliasArn ?? "";
    expect(aliasArn).toBe(`${machine}:live`);

    const viaAlias = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: aliasArn, name: "via-alias" }),
    );
    const aliasRun = await finished(viaAlias.executionArn ?? "");
    expect(aliasRun).toMatchObject({
      status: "SUCCEEDED",
      output: JSON.stringify({ value: "one" }),
      stateMachineArn: machine,
      stateMachineAliasArn: aliasArn,
      stateMachineVersionArn: v1,
    });
    const events = await sfn.send(new GetExecutionHistoryCommand({ executionArn: viaAlias.executionArn }));
    expect(events.events?.[0]?.executionStartedEventDetails).toMatchObject({
      stateMachineAliasArn: aliasArn,
      stateMachineVersionArn: v1,
    });

    const viaVersion = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: v2, name: "via-version" }),
    );
    const versionRun = await finished(viaVersion.executionArn ?? "");
    expect(versionRun.output).toBe(JSON.stringify({ value: "two" }));
    expect(versionRun.stateMachineVersionArn).toBe(v2);
    expect(versionRun.stateMachineAliasArn).toBeUndefined();

    const byAlias = await sfn.send(new ListExecutionsCommand({ stateMachineArn: aliasArn }));
    expect(byAlias.executions?.map((e) => e.name)).toEqual(["via-alias"]);
    const all = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }));
    expect(all.executions?.map((e) => e.name).sort()).toEqual(["via-alias", "via-version"]);

    const inUse = await rejection(
      sfn.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 })),
    );
    expect(inUse.name).toBe("ConflictException");
    expect(inUse.message).toContain("live");

    await sfn.send(
      new UpdateStateMachineAliasCommand({
        stateMachineAliasArn: aliasArn,
        routingConfiguration: [
          { stateMachineVersionArn: v2, weight: 100 },
          { stateMachineVersionArn: v1, weight: 0 },
        ],
      }),
    );
    const after = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }));
    expect(after).toMatchObject({ name: "live", description: "production" });
    expect(after.routingConfiguration).toEqual([
      { stateMachineVersionArn: v2, weight: 100 },
      { stateMachineVersionArn: v1, weight: 0 },
    ]);
    const second = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: aliasArn, name: "after-shift" }),
    );
    expect((await finished(second.executionArn ?? "")).stateMachineVersionArn).toBe(v2);

    await sfn.send(
      new UpdateStateMachineAliasCommand({
        stateMachineAliasArn: aliasArn,
        routingConfiguration: [{ stateMachineVersionArn: v2, weight: 100 }],
      }),
    );
    await sfn.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 }));
    const gone = await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: v1 })));
    expect(gone.name).toBe("ResourceNotFound");
    const remaining = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: machine }));
    expect(remaining.stateMachineVersions?.map((v) => v.stateMachineVersionArn)).toEqual([v2]);
    // Numbers are never reused.
    const v3 = await sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: machine,
        definition: passing("three"),
        publish: true,
      }),
    );
    expect(v3.stateMachineVersionArn).toBe(`${machine}:3`);
  });

  it("refuses bad routing configurations with AWS's errors", async () => {
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: "routing",
        definition: passing("a"),
        roleArn: ROLE,
        publish: true,
      }),
    );
    const machine = created.stateMachineArn ?? "";
    const v1 = `${machine}:1`;
    const sum = await rejection(
      sfn.send(
        new CreateStateMachineAliasCommand({
          name: "bad",
          routingConfiguration: [{ stateMachineVersionArn: v1, weight: 90 }],
        }),
      ),
    );
    expect(sum.name).toBe("ValidationException");
    const missing = await rejection(
      sfn.send(
        new CreateStateMachineAliasCommand({
          name: "bad",
          routingConfiguration: [{ stateMachineVersionArn: `${machine}:9`, weight: 100 }],
        }),
      ),
    );
    expect(missing.name).toBe("ResourceNotFound");
    const tooMany = await rejection(
      sfn.send(
        new CreateStateMachineAliasCommand({
          name: "bad",
          routingConfiguration: [
            { stateMachineVersionArn: v1, weight: 50 },
            { stateMachineVersionArn: v1, weight: 25 },
            { stateMachineVersionArn: v1, weight: 25 },
          ],
        }),
      ),
    );
    expect(tooMany.name).toBe("ValidationException");
    const numeric = await rejection(
      sfn.send(
        new CreateStateMachineAliasCommand({
          name: "123",
          routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }],
        }),
      ),
    );
    expect(numeric.name).toBe("ValidationException");
    const descOnly = await rejection(
      sfn.send(
        new UpdateStateMachineCommand({ stateMachineArn: machine, roleArn: ROLE, versionDescription: "x" }),
      ),
    );
    expect(descOnly.name).toBe("ValidationException");
    const noAlias = await rejection(
      sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${machine}:nope` })),
    );
    expect(noAlias.name).toBe("ResourceNotFound");
    await sfn.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: `${machine}:nope` }));
  });

  it("keeps versions and aliases across a restart and deletes them with their machine", async () => {
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: "durable-versions",
        definition: passing("kept"),
        roleArn: ROLE,
        type: "EXPRESS",
        publish: true,
      }),
    );
    const machine = created.stateMachineArn ?? "";
    const alias = await sfn.send(
      new CreateStateMachineAliasCommand({
        name: "stable",
        routingConfiguration: [{ stateMachineVersionArn: `${machine}:1`, weight: 100 }],
      }),
    );
    const dataDir = nimbus.dataDir;
    sfn.destroy();
    await nimbus.stop(false);
    nimbus = await startNimbus({ dataDir });
    sfn = new SFNClient({ ...clientConfig(nimbus.url), disableHostPrefix: true });

    const sync = await sfn.send(
      new StartSyncExecutionCommand({ stateMachineArn: alias.stateMachineAliasArn }),
    );
    expect(sync).toMatchObject({ status: "SUCCEEDED", output: JSON.stringify({ value: "kept" }) });
    const aliases = await sfn.send(new ListStateMachineAliasesCommand({ stateMachineArn: machine }));
    expect(aliases.stateMachineAliases?.map((a) => a.stateMachineAliasArn)).toEqual([
      alias.stateMachineAliasArn,
    ]);

    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: machine }));
    const gone = await rejection(
      sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias.stateMachineAliasArn })),
    );
    expect(gone.name).toBe("ResourceNotFound");
    const noVersion = await rejection(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${machine}:1` })),
    );
    expect(noVersion.name).toBe("StateMachineDoesNotExist");
  });
});
