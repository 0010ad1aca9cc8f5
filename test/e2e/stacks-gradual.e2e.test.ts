import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentGroupCommand,
  DeleteDeploymentConfigCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  InvokeCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../packages/platform/src/core/clock.js";
import { type NimbusServer, startServer } from "../../packages/platform/src/index.js";
import { cloudWatchProviders } from "../../packages/platform/src/stacks/providers/cloudwatch.js";
import { codeDeployProviders } from "../../packages/platform/src/stacks/providers/codedeploy.js";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { clientConfig, ROLE } from "../support/nimbus.js";
import { providerContext } from "../support/stacks.js";
import { zipFiles } from "../support/zip.js";

const MIN = 60_000;
const BIN = resolve(import.meta.dirname, "../../packages/cli/bin/nimbus.js");

/** Runs the `nimbus` CLI (built by tsc -b) against the server; never blocks the server's event loop. */
async function cli(h: Harness, args: string[]): Promise<{ stdout: string; code: number }> {
  try {
    const out = await promisify(execFile)(process.execPath, [BIN, ...args, "--endpoint", h.server.url]);
    return { stdout: out.stdout, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; code?: number };
    return { stdout: e.stdout ?? "", code: e.code ?? -1 };
  }
}
const HOOK = `import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
const client = new CodeDeployClient({});
export const handler = async (event) => {
  await client.send(new PutLifecycleEventHookExecutionStatusCommand({
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
    status: process.env.HOOK_STATUS,
  }));
  return "reported";
};
`;
const answers = (text: string) => `exports.handler = async () => ({ version: ${JSON.stringify(text)} });`;
const BROKEN = `exports.handler = async () => { throw new Error("the new version is broken"); };`;

interface Harness {
  server: NimbusServer;
  clock: ManualClock;
  lambda: LambdaClient;
  codedeploy: CodeDeployClient;
  dataDir: string;
}

let harness: Harness | undefined;

async function start(dataDir?: string): Promise<Harness> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), "nimbus-gradual-")));
  const clock = new ManualClock();
  const server = await startServer({
    clock,
    config: { server: { host: "127.0.0.1", port: 0, dataDir: dir }, log: { level: "silent" } },
  });
  harness = {
    server,
    clock,
    lambda: new LambdaClient(clientConfig(server.url)),
    codedeploy: new CodeDeployClient(clientConfig(server.url)),
    dataDir: dir,
  };
  return harness;
}

async function stop(h: Harness, removeData = true): Promise<void> {
  h.lambda.destroy();
  h.codedeploy.destroy();
  await h.server.close({ graceMs: 2000 });
  if (removeData) await rm(h.dataDir, { recursive: true, force: true });
}

afterEach(async () => {
  if (harness) await stop(harness);
  harness = undefined;
});

async function createFunction(h: Harness, name: string, code: string, env: Record<string, string> = {}) {
  await h.lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: "nodejs20.x",
      Handler: "index.handler",
      Role: ROLE,
      Code: {
        ZipFile: await zipFiles(code.startsWith("import") ? { "index.mjs": code } : { "index.js": code }),
      },
      Timeout: 10,
      Environment: { Variables: env },
    }),
  );
}

/** A function with versions 1 and 2 (different code) and alias `live` on version 1. */
async function twoVersions(h: Harness, name: string, secondCode: string): Promise<void> {
  await createFunction(h, name, answers("one"));
  await h.lambda.send(new PublishVersionCommand({ FunctionName: name }));
  await h.lambda.send(
    new UpdateFunctionCodeCommand({
      FunctionName: name,
      ZipFile: await zipFiles({ "index.js": secondCode }),
    }),
  );
  await h.lambda.send(new PublishVersionCommand({ FunctionName: name }));
  await h.lambda.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
}

async function group(h: Harness, app: string, name: string, config: string, alarms: string[] = []) {
  await h.codedeploy.send(new CreateApplicationCommand({ applicationName: app, computePlatform: "Lambda" }));
  await h.codedeploy.send(
    new CreateDeploymentGroupCommand({
      applicationName: app,
      deploymentGroupName: name,
      deploymentConfigName: config,
      serviceRoleArn: "arn:aws:iam::000000000000:role/codedeploy",
      deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
      autoRollbackConfiguration: {
        enabled: true,
        events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
      },
      ...(alarms.length > 0
        ? { alarmConfiguration: { enabled: true, alarms: alarms.map((n) => ({ name: n })) } }
        : {}),
    }),
  );
}

function shift(h: Harness, fn: string, policy: Record<string, unknown>): Promise<void> {
  const ctx = { ...providerContext(h.server, "gradual-stack"), clock: h.clock };
  return h.server.gradual.shiftAlias(ctx, {
    logicalId: "LiveAlias",
    functionName: fn,
    aliasName: "live",
    fromVersion: "1",
    toVersion: "2",
    policy,
  });
}

async function alias(h: Harness, fn: string) {
  const out = await h.lambda.send(new GetAliasCommand({ FunctionName: fn, Name: "live" }));
  return { version: out.FunctionVersion, weights: out.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

/** Polls (real time) until `check` passes: hooks run as async invocations. */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Lets the runner's store writes and alias updates finish before the clock moves. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 50));
}

async function onlyDeployment(h: Harness, app: string): Promise<string> {
  const list = await h.codedeploy.send(new ListDeploymentsCommand({ applicationName: app }));
  expect(list.deployments).toHaveLength(1);
  return list.deployments?.[0] ?? "";
}

describe("gradual deployments (CodeDeploy semantics on the injected clock)", () => {
  it("Canary10Percent5Minutes: hooks, 10% then 100% after five minutes", async () => {
    const h = await start();
    await twoVersions(h, "canary-fn", answers("two"));
    await createFunction(h, "hook-ok", HOOK, { HOOK_STATUS: "Succeeded" });
    await group(h, "app", "canary-group", "CodeDeployDefault.LambdaCanary10Percent5Minutes");
    const done = shift(h, "canary-fn", {
      ApplicationName: "app",
      DeploymentGroupName: "canary-group",
      BeforeAllowTrafficHook: "hook-ok",
      AfterAllowTrafficHook: "hook-ok",
    });
    let finished = false;
    void done.then(() => (finished = true));

    const split = await until(
      () => alias(h, "canary-fn"),
      (a) => a.weights["2"] === 0.1,
      "the 10% canary",
    );
    expect(split.version).toBe("1");
    const id = await onlyDeployment(h, "app");
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/);
    const info = (await h.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
    expect(info?.status).toBe("InProgress");
    expect(info?.deploymentConfigName).toBe("CodeDeployDefault.LambdaCanary10Percent5Minutes");
    const target = await h.codedeploy.send(
      new GetDeploymentTargetCommand({ deploymentId: id, targetId: "canary-fn:live" }),
    );
    expect(target.deploymentTarget?.lambdaTarget?.lambdaFunctionInfo).toMatchObject({
      currentVersion: "1",
      targetVersion: "2",
      targetVersionWeight: 0.1,
    });

    await settle();
    h.clock.advance(4 * MIN);
    await settle();
    expect(await alias(h, "canary-fn")).toEqual({ version: "1", weights: { "2": 0.1 } });
    expect(finished).toBe(false);

    h.clock.advance(MIN);
    await done;
    expect(await alias(h, "canary-fn")).toEqual({ version: "2", weights: {} });
    const end = (await h.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
    expect(end?.status).toBe("Succeeded");
    const events = (
      await h.codedeploy.send(
        new GetDeploymentTargetCommand({ deploymentId: id, targetId: "canary-fn:live" }),
      )
    ).deploymentTarget?.lambdaTarget?.lifecycleEvents;
    expect(events?.map((e) => `${e.lifecycleEventName}:${e.status}`)).toEqual([
      "Start:Succeeded",
      "BeforeAllowTraffic:Succeeded",
      "AllowTraffic:Succeeded",
      "AfterAllowTraffic:Succeeded",
      "End:Succeeded",
    ]);

    // The CLI shows the same, for people and for scripts.
    const listed = await cli(h, ["deployments", "list", "--output", "json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).deployments).toEqual([
      expect.objectContaining({
        deploymentId: id,
        status: "Succeeded",
        function: "canary-fn",
        alias: "live",
        fromVersion: "1",
        toVersion: "2",
        trafficPercent: 100,
      }),
    ]);
    const shown = await cli(h, ["deployments", "show", id]);
    expect(shown.stdout).toContain(`Deployment ${id}: Succeeded`);
    expect(shown.stdout).toMatch(/AfterAllowTraffic\s+Succeeded/);
    expect((await cli(h, ["deployments", "show", "d-NOTTHERE0"])).code).toBe(1);
  });

  it("a BeforeAllowTraffic hook reporting Failed rolls back before any traffic moves", async () => {
    const h = await start();
    await twoVersions(h, "hooked-fn", answers("two"));
    await createFunction(h, "hook-fails", HOOK, { HOOK_STATUS: "Failed" });
    await group(h, "app", "hooked-group", "CodeDeployDefault.LambdaAllAtOnce");
    await expect(
      shift(h, "hooked-fn", {
        ApplicationName: "app",
        DeploymentGroupName: "hooked-group",
        BeforeAllowTrafficHook: "hook-fails",
      }),
    ).rejects.toThrow(/Deployment d-[A-Z0-9]{9} failed: BeforeAllowTraffic hook hook-fails failed/);
    expect(await alias(h, "hooked-fn")).toEqual({ version: "1", weights: {} });
    const id = await onlyDeployment(h, "app");
    const info = (await h.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
    expect(info?.status).toBe("Failed");
    expect(info?.errorInformation?.code).toBe("HOOK_EXECUTION_FAILURE");
    expect(info?.rollbackInfo?.rollbackMessage).toMatch(/moved back to version 1/);
  });

  it("an alarm on the new version's errors fires and rolls the alias back", async () => {
    const h = await start();
    await twoVersions(h, "alarmed-fn", BROKEN);
    const ctx = providerContext(h.server, "gradual-stack");
    const [application, deploymentGroup] = codeDeployProviders();
    const [alarm] = cloudWatchProviders();
    await application?.create(ctx, "App", { ApplicationName: "alarm-app", ComputePlatform: "Lambda" });
    const alarmProps = {
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [
        { Name: "FunctionName", Value: "alarmed-fn" },
        { Name: "Resource", Value: "alarmed-fn:live" },
        { Name: "ExecutedVersion", Value: "2" },
      ],
      Statistic: "Sum",
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
    };
    const created = await alarm?.create(ctx, "NewVersionErrors", alarmProps);
    const alarmName = created?.physicalId ?? "";
    // A named alarm that exists already is not taken over (CloudFormation's AlreadyExists).
    const named = { ...alarmProps, AlarmName: "taken" };
    await alarm?.create(ctx, "Named", named);
    await expect(alarm?.create(ctx, "Again", named)).rejects.toThrow(/already exists/);
    expect(alarmName).toMatch(/^gradual-stack-NewVersionErrors-/);
    const groupResult = await deploymentGroup?.create(ctx, "Group", {
      ApplicationName: "alarm-app",
      DeploymentConfigName: "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
      ServiceRoleArn: "arn:aws:iam::000000000000:role/codedeploy",
      AlarmConfiguration: { Alarms: [{ Name: alarmName }], Enabled: true },
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
      },
      DeploymentStyle: { DeploymentType: "BLUE_GREEN", DeploymentOption: "WITH_TRAFFIC_CONTROL" },
    });
    const done = shift(h, "alarmed-fn", {
      ApplicationName: "alarm-app",
      DeploymentGroupName: groupResult?.physicalId,
    });
    done.catch(() => {});
    await until(
      () => alias(h, "alarmed-fn"),
      (a) => a.weights["2"] === 0.1,
      "the first 10%",
    );

    // Invoke the alias until version 2 (10% of calls) has failed once.
    let failedOnNew = false;
    for (let i = 0; i < 300 && !failedOnNew; i++) {
      const out = await h.lambda.send(
        new InvokeCommand({ FunctionName: "alarmed-fn", Qualifier: "live", Payload: Buffer.from("{}") }),
      );
      failedOnNew = out.ExecutedVersion === "2" && out.FunctionError === "Unhandled";
    }
    expect(failedOnNew).toBe(true);

    await settle();
    h.clock.advance(MIN);
    await expect(done).rejects.toThrow(new RegExp(`failed: alarm ${alarmName} fired`));
    expect(await alias(h, "alarmed-fn")).toEqual({ version: "1", weights: {} });
    const id = await onlyDeployment(h, "alarm-app");
    const info = (await h.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
    expect(info?.status).toBe("Failed");
    expect(info?.errorInformation?.code).toBe("ALARM_ACTIVE");
    expect(info?.errorInformation?.message).toContain(alarmName);

    // The alarm's state as the AWS CLI reads it (CloudWatch's awsQuery DescribeAlarms).
    const cli = requireAwsCli();
    if (cli) {
      const described = JSON.parse(
        await aws(cli, h.server.url, ["cloudwatch", "describe-alarms", "--alarm-names", alarmName]),
      ) as {
        MetricAlarms: { AlarmName: string; StateValue: string; Dimensions: unknown[]; Threshold: number }[];
      };
      expect(described.MetricAlarms).toHaveLength(1);
      expect(described.MetricAlarms[0]).toMatchObject({
        AlarmName: alarmName,
        StateValue: "ALARM",
        Threshold: 1,
      });
      expect(described.MetricAlarms[0]?.Dimensions).toHaveLength(3);
    }
  });

  it("a custom TimeBasedLinear config (AWS::CodeDeploy::DeploymentConfig) moves 40%, 80%, 100%", async () => {
    const h = await start();
    await twoVersions(h, "custom-fn", answers("two"));
    const ctx = providerContext(h.server, "gradual-stack");
    const [application, deploymentGroup, deploymentConfig] = codeDeployProviders();
    await application?.create(ctx, "App", { ApplicationName: "custom-app", ComputePlatform: "Lambda" });
    const config = await deploymentConfig?.create(ctx, "Config", {
      ComputePlatform: "Lambda",
      TrafficRoutingConfig: {
        Type: "TimeBasedLinear",
        TimeBasedLinear: { LinearPercentage: 40, LinearInterval: 3 },
      },
    });
    const configName = config?.physicalId ?? "";
    const got = await h.codedeploy.send(new GetDeploymentConfigCommand({ deploymentConfigName: configName }));
    expect(got.deploymentConfigInfo?.trafficRoutingConfig).toEqual({
      type: "TimeBasedLinear",
      timeBasedLinear: { linearPercentage: 40, linearInterval: 3 },
    });
    const groupResult = await deploymentGroup?.create(ctx, "Group", {
      ApplicationName: "custom-app",
      DeploymentConfigName: configName,
      ServiceRoleArn: "arn:aws:iam::000000000000:role/codedeploy",
    });
    const done = shift(h, "custom-fn", {
      ApplicationName: "custom-app",
      DeploymentGroupName: groupResult?.physicalId,
    });
    done.catch(() => {});
    await until(
      () => alias(h, "custom-fn"),
      (a) => a.weights["2"] === 0.4,
      "40%",
    );
    await settle();
    h.clock.advance(3 * MIN);
    await until(
      () => alias(h, "custom-fn"),
      (a) => a.weights["2"] === 0.8,
      "80% after three minutes",
    );
    await settle();
    h.clock.advance(3 * MIN);
    await done;
    expect(await alias(h, "custom-fn")).toEqual({ version: "2", weights: {} });
    // A configuration a group uses cannot go.
    await expect(
      h.codedeploy.send(new DeleteDeploymentConfigCommand({ deploymentConfigName: configName })),
    ).rejects.toThrow(expect.objectContaining({ name: "DeploymentConfigInUseException" }));
  });

  it("StopDeployment ends a linear deployment as Stopped with all traffic back on the old version", async () => {
    const h = await start();
    await twoVersions(h, "stopped-fn", answers("two"));
    await group(h, "app", "linear-group", "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes");
    const done = shift(h, "stopped-fn", { ApplicationName: "app", DeploymentGroupName: "linear-group" });
    done.catch(() => {});
    await until(
      () => alias(h, "stopped-fn"),
      (a) => a.weights["2"] === 0.1,
      "the first 10%",
    );
    await settle();
    h.clock.advance(2 * MIN);
    await until(
      () => alias(h, "stopped-fn"),
      (a) => a.weights["2"] === 0.2,
      "20% after two minutes",
    );
    const id = await onlyDeployment(h, "app");
    await h.codedeploy.send(new StopDeploymentCommand({ deploymentId: id }));
    await expect(done).rejects.toThrow(/was stopped: stopped by request/);
    expect(await alias(h, "stopped-fn")).toEqual({ version: "1", weights: {} });
    const info = (await h.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
    expect(info?.status).toBe("Stopped");
    expect(info?.errorInformation?.code).toBe("MANUAL_STOP");
  });

  it("a deployment cut short by a server stop is Failed after the next start, alias on the old version", async () => {
    const first = await start();
    await twoVersions(first, "restart-fn", answers("two"));
    await group(first, "app", "restart-group", "CodeDeployDefault.LambdaCanary10Percent30Minutes");
    const done = shift(first, "restart-fn", { ApplicationName: "app", DeploymentGroupName: "restart-group" });
    done.catch(() => {});
    await until(
      () => alias(first, "restart-fn"),
      (a) => a.weights["2"] === 0.1,
      "the canary",
    );
    const id = await onlyDeployment(first, "app");
    await stop(first, false);
    harness = undefined;

    const second = await start(first.dataDir);
    expect(await alias(second, "restart-fn")).toEqual({ version: "1", weights: {} });
    const info = (await second.codedeploy.send(new GetDeploymentCommand({ deploymentId: id })))
      .deploymentInfo;
    expect(info?.status).toBe("Failed");
    expect(info?.errorInformation?.message).toMatch(/Nimbus (restarted|is shutting down)/);
  });
});
