import { createHash, randomUUID } from "node:crypto";
import type { JsonRpcService } from "../../aws/json-rpc.js";
import type { Clock } from "../../core/clock.js";
import { resolveDeploymentConfig } from "./deployment-configs.js";
import type { DeploymentRunner } from "./deployment-runner.js";
import type { ConfigRecord, DeploymentRecord, DeploymentStore, GroupRecord } from "./deployment-store.js";
import { groupKey } from "./deployment-store.js";
import { codeDeployError, DEPLOYMENT_ERRORS } from "./errors.js";
import { PREDEFINED_LAMBDA_CONFIGS, readTrafficRouting, trafficRoutingWire } from "./traffic-routing.js";

type Input = Record<string, unknown>;

/**
 * The CodeDeploy API subset for Lambda deployments (awsJson1_1, `CodeDeploy_20141006`, signing
 * name codedeploy): applications, deployment groups, deployment configs, deployments and what
 * hook functions call (PutLifecycleEventHookExecutionStatus). Deployments themselves are started
 * by stack updates (the runner's shiftAlias), not by CreateDeployment.
 */
export function createCodeDeployApi(deps: {
  store: DeploymentStore;
  runner: DeploymentRunner;
  clock: Clock;
}): JsonRpcService {
  const { store, runner, clock } = deps;

  const mustApplication = async (name: string) => {
    const app = await store.get("application", name);
    if (!app)
      throw codeDeployError(
        DEPLOYMENT_ERRORS.notFound,
        "ApplicationDoesNotExistException",
        `No application found for name: ${name}`,
      );
    return app;
  };
  const mustGroup = async (applicationName: string, name: string) => {
    await mustApplication(applicationName);
    const group = await store.get("group", groupKey(applicationName, name));
    if (!group)
      throw codeDeployError(
        DEPLOYMENT_ERRORS.notFound,
        "DeploymentGroupDoesNotExistException",
        `No Deployment Group found for name: ${name}`,
      );
    return group;
  };
  const mustDeployment = async (input: Input) => {
    const id = required(input.deploymentId, "DeploymentIdRequiredException", "Deployment ID is required");
    const record = await store.get("deployment", id);
    if (!record)
      throw codeDeployError(
        DEPLOYMENT_ERRORS.notFound,
        "DeploymentDoesNotExistException",
        `Deployment ${id} does not exist.`,
      );
    return record;
  };
  const groupInfo = async (group: GroupRecord) => {
    const deployments = (await store.all("deployment"))
      .filter((d) => d.applicationName === group.applicationName && d.groupName === group.name)
      .sort((a, b) => b.createdAt - a.createdAt);
    const summary = (d: DeploymentRecord | undefined) =>
      d && {
        deploymentId: d.id,
        status: d.status,
        endTime: d.completedAt === undefined ? undefined : seconds(d.completedAt),
        createTime: seconds(d.createdAt),
      };
    return {
      applicationName: group.applicationName,
      deploymentGroupId: group.id,
      deploymentGroupName: group.name,
      deploymentConfigName: group.deploymentConfigName,
      serviceRoleArn: group.serviceRoleArn,
      alarmConfiguration: {
        enabled: group.alarms.enabled,
        ignorePollAlarmFailure: group.alarms.ignorePollAlarmFailure,
        alarms: group.alarms.names.map((name) => ({ name })),
      },
      autoRollbackConfiguration: { enabled: group.autoRollback.enabled, events: group.autoRollback.events },
      deploymentStyle: {
        deploymentType: group.deploymentStyle.type,
        deploymentOption: group.deploymentStyle.option,
      },
      computePlatform: "Lambda",
      lastAttemptedDeployment: summary(deployments[0]),
      lastSuccessfulDeployment: summary(deployments.find((d) => d.status === "Succeeded")),
    };
  };

  return {
    targetPrefix: "CodeDeploy_20141006",
    jsonVersion: "1.1",
    operations: {
      CreateApplication: async (input) => {
        const name = applicationName(input.applicationName);
        const platform = input.computePlatform ?? "Server";
        if (platform !== "Lambda")
          throw codeDeployError(
            DEPLOYMENT_ERRORS.invalidInput,
            "InvalidComputePlatformException",
            `Compute platform ${String(platform)} is not supported by Nimbus: only Lambda applications are.`,
          );
        if (await store.get("application", name))
          throw codeDeployError(
            DEPLOYMENT_ERRORS.exists,
            "ApplicationAlreadyExistsException",
            `Application ${name} already exists`,
          );
        const id = randomUUID();
        await store.put(
          "application",
          name,
          { name, id, computePlatform: "Lambda", createdAt: clock.now() },
          true,
        );
        return { applicationId: id };
      },
      GetApplication: async (input) => {
        const app = await mustApplication(applicationName(input.applicationName));
        return { application: applicationInfo(app) };
      },
      ListApplications: async () => ({
        applications: (await store.all("application")).map((a) => a.name).sort(),
      }),
      BatchGetApplications: async (input) => {
        const names = stringList(input.applicationNames);
        return {
          applicationsInfo: await Promise.all(
            names.map(async (n) => applicationInfo(await mustApplication(n))),
          ),
        };
      },
      DeleteApplication: async (input) => {
        const name = applicationName(input.applicationName);
        // Deleting an application deletes its deployment groups; a missing one is no error (as AWS).
        for (const group of await store.all("group", `${name}/`))
          await store.delete("group", groupKey(name, group.name));
        await store.delete("application", name);
        return {};
      },
      CreateDeploymentGroup: async (input) => {
        const app = applicationName(input.applicationName);
        await mustApplication(app);
        const name = groupName(input.deploymentGroupName);
        if (await store.get("group", groupKey(app, name)))
          throw codeDeployError(
            DEPLOYMENT_ERRORS.exists,
            "DeploymentGroupAlreadyExistsException",
            `A deployment group named ${name} already exists for application ${app}.`,
          );
        const group = await readGroup(store, input, {
          applicationName: app,
          name,
          id: randomUUID(),
          deploymentConfigName: "CodeDeployDefault.LambdaAllAtOnce",
          serviceRoleArn: "",
          alarms: { enabled: false, ignorePollAlarmFailure: false, names: [] },
          autoRollback: { enabled: false, events: [] },
          deploymentStyle: { type: "BLUE_GREEN", option: "WITH_TRAFFIC_CONTROL" },
        });
        if (!group.serviceRoleArn)
          throw codeDeployError(
            DEPLOYMENT_ERRORS.invalidInput,
            "RoleRequiredException",
            "Role ARN is required",
          );
        await store.put("group", groupKey(app, name), group, true);
        return { deploymentGroupId: group.id };
      },
      GetDeploymentGroup: async (input) => {
        const group = await mustGroup(
          applicationName(input.applicationName),
          groupName(input.deploymentGroupName),
        );
        return { deploymentGroupInfo: await groupInfo(group) };
      },
      ListDeploymentGroups: async (input) => {
        const app = applicationName(input.applicationName);
        await mustApplication(app);
        return {
          applicationName: app,
          deploymentGroups: (await store.all("group", `${app}/`)).map((g) => g.name).sort(),
        };
      },
      UpdateDeploymentGroup: async (input) => {
        const app = applicationName(input.applicationName);
        const current = await mustGroup(app, groupName(input.currentDeploymentGroupName));
        const updated = await readGroup(store, input, current);
        const newName =
          input.newDeploymentGroupName === undefined ? current.name : groupName(input.newDeploymentGroupName);
        if (newName !== current.name) {
          if (await store.get("group", groupKey(app, newName)))
            throw codeDeployError(
              DEPLOYMENT_ERRORS.exists,
              "DeploymentGroupAlreadyExistsException",
              `A deployment group named ${newName} already exists for application ${app}.`,
            );
          await store.delete("group", groupKey(app, current.name));
        }
        await store.put("group", groupKey(app, newName), { ...updated, name: newName });
        return { hooksNotCleanedUp: [] };
      },
      DeleteDeploymentGroup: async (input) => {
        const app = applicationName(input.applicationName);
        await mustApplication(app);
        await store.delete("group", groupKey(app, groupName(input.deploymentGroupName)));
        return { hooksNotCleanedUp: [] };
      },
      CreateDeploymentConfig: async (input) => {
        const name = configName(input.deploymentConfigName);
        if (input.computePlatform !== "Lambda")
          throw codeDeployError(
            DEPLOYMENT_ERRORS.invalidInput,
            "InvalidComputePlatformException",
            `Compute platform ${String(input.computePlatform ?? "Server")} is not supported by Nimbus: only Lambda deployment configs are.`,
          );
        if (input.minimumHealthyHosts !== undefined || input.zonalConfig !== undefined)
          throw codeDeployError(
            DEPLOYMENT_ERRORS.invalidInput,
            "InvalidMinimumHealthyHostValueException",
            "minimumHealthyHosts and zonalConfig apply to EC2/On-premises deployments only.",
          );
        if (PREDEFINED_LAMBDA_CONFIGS[name] || (await store.get("config", name)))
          throw codeDeployError(
            DEPLOYMENT_ERRORS.exists,
            "DeploymentConfigAlreadyExistsException",
            `A deployment configuration named ${name} already exists.`,
          );
        const record: ConfigRecord = {
          name,
          id: randomUUID(),
          routing: readTrafficRouting(input.trafficRoutingConfig ?? { type: "AllAtOnce" }),
          createdAt: clock.now(),
        };
        await store.put("config", name, record, true);
        return { deploymentConfigId: record.id };
      },
      GetDeploymentConfig: async (input) => {
        const name = configName(input.deploymentConfigName);
        const routing = await resolveDeploymentConfig(store, name);
        const custom = await store.get("config", name);
        return {
          deploymentConfigInfo: {
            deploymentConfigId: custom?.id ?? predefinedId(name),
            deploymentConfigName: name,
            createTime: seconds(custom?.createdAt ?? 0),
            computePlatform: "Lambda",
            trafficRoutingConfig: trafficRoutingWire(routing),
          },
        };
      },
      ListDeploymentConfigs: async () => ({
        deploymentConfigsList: [
          ...Object.keys(PREDEFINED_LAMBDA_CONFIGS),
          ...(await store.all("config")).map((c) => c.name),
        ],
      }),
      DeleteDeploymentConfig: async (input) => {
        const name = configName(input.deploymentConfigName);
        if (PREDEFINED_LAMBDA_CONFIGS[name])
          throw codeDeployError(
            DEPLOYMENT_ERRORS.invalidInput,
            "InvalidOperationException",
            `The predefined deployment configuration ${name} cannot be deleted.`,
          );
        if ((await store.all("group")).some((g) => g.deploymentConfigName === name))
          throw codeDeployError(
            DEPLOYMENT_ERRORS.inUse,
            "DeploymentConfigInUseException",
            `Deployment configuration ${name} is in use by a deployment group.`,
          );
        await store.delete("config", name);
        return {};
      },
      GetDeployment: async (input) => ({ deploymentInfo: deploymentInfo(await mustDeployment(input)) }),
      BatchGetDeployments: async (input) => {
        const out = [];
        for (const id of stringList(input.deploymentIds)) {
          const record = await store.get("deployment", id);
          if (record) out.push(deploymentInfo(record));
        }
        return { deploymentsInfo: out };
      },
      ListDeployments: async (input) => {
        const statuses = stringList(input.includeOnlyStatuses);
        const range = (input.createTimeRange ?? {}) as { start?: number; end?: number };
        if (input.deploymentGroupName !== undefined && input.applicationName === undefined)
          throw codeDeployError(
            DEPLOYMENT_ERRORS.invalidInput,
            "ApplicationNameRequiredException",
            "An application name must be given with a deployment group name.",
          );
        if (input.applicationName !== undefined) await mustApplication(String(input.applicationName));
        const all = (await store.all("deployment"))
          .filter((d) => input.applicationName === undefined || d.applicationName === input.applicationName)
          .filter((d) => input.deploymentGroupName === undefined || d.groupName === input.deploymentGroupName)
          .filter((d) => statuses.length === 0 || statuses.includes(d.status))
          .filter((d) => range.start === undefined || d.createdAt >= range.start * 1000)
          .filter((d) => range.end === undefined || d.createdAt <= range.end * 1000)
          .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
        const start = Number(typeof input.nextToken === "string" ? input.nextToken : "0") || 0;
        const page = all.slice(start, start + 100);
        return {
          deployments: page.map((d) => d.id),
          ...(start + 100 < all.length ? { nextToken: String(start + 100) } : {}),
        };
      },
      ListDeploymentTargets: async (input) => {
        const record = await mustDeployment(input);
        return { targetIds: [targetId(record)] };
      },
      GetDeploymentTarget: async (input) => {
        const record = await mustDeployment(input);
        if (input.targetId !== targetId(record))
          throw codeDeployError(
            DEPLOYMENT_ERRORS.notFound,
            "DeploymentTargetDoesNotExistException",
            `The target ${String(input.targetId)} does not belong to deployment ${record.id}.`,
          );
        return {
          deploymentTarget: { deploymentTargetType: "LambdaTarget", lambdaTarget: lambdaTarget(record) },
        };
      },
      StopDeployment: async (input) => {
        const record = await mustDeployment(input);
        await runner.stop(record.id);
        return {
          status: "Pending",
          statusMessage: "Stopping the deployment; traffic moves back to the old version.",
        };
      },
      PutLifecycleEventHookExecutionStatus: async (input) => {
        const record = await mustDeployment(input);
        const executionId = required(
          input.lifecycleEventHookExecutionId,
          "InvalidLifecycleEventHookExecutionIdException",
          "A lifecycle event hook execution ID is required.",
        );
        await runner.reportHook(record.id, executionId, String(input.status ?? ""));
        return { lifecycleEventHookExecutionId: executionId };
      },
    },
  };
}

/** Fields a group takes from CreateDeploymentGroup / UpdateDeploymentGroup; others are refused. */
async function readGroup(store: DeploymentStore, input: Input, base: GroupRecord): Promise<GroupRecord> {
  const group: GroupRecord = structuredClone(base);
  const unsupported = [
    "ec2TagFilters",
    "onPremisesInstanceTagFilters",
    "autoScalingGroups",
    "triggerConfigurations",
    "blueGreenDeploymentConfiguration",
    "loadBalancerInfo",
    "ec2TagSet",
    "ecsServices",
    "onPremisesTagSet",
    "outdatedInstancesStrategy",
    "terminationHookEnabled",
  ].filter(
    (k) => input[k] !== undefined && !(Array.isArray(input[k]) && (input[k] as unknown[]).length === 0),
  );
  if (unsupported.length > 0)
    throw codeDeployError(
      DEPLOYMENT_ERRORS.invalidInput,
      "InvalidInputException",
      `Not applied by Nimbus to Lambda deployment groups: ${unsupported.join(", ")}.`,
    );
  if (input.deploymentConfigName !== undefined) {
    group.deploymentConfigName = configName(input.deploymentConfigName);
    await resolveDeploymentConfig(store, group.deploymentConfigName);
  }
  if (input.serviceRoleArn !== undefined) group.serviceRoleArn = String(input.serviceRoleArn);
  if (input.alarmConfiguration !== undefined) {
    const alarms = object(input.alarmConfiguration, "InvalidAlarmConfigException", "alarmConfiguration");
    const names = (Array.isArray(alarms.alarms) ? alarms.alarms : []).map((a) =>
      String((a as Input)?.name ?? ""),
    );
    if (names.some((n) => n.length === 0 || n.length > 255) || names.length > 10)
      throw codeDeployError(
        DEPLOYMENT_ERRORS.invalidInput,
        "InvalidAlarmConfigException",
        "The alarm configuration is invalid: up to 10 alarms, each with a name of 1 to 255 characters.",
      );
    group.alarms = {
      enabled: alarms.enabled === true,
      ignorePollAlarmFailure: alarms.ignorePollAlarmFailure === true,
      names,
    };
  }
  if (input.autoRollbackConfiguration !== undefined) {
    const rollback = object(
      input.autoRollbackConfiguration,
      "InvalidAutoRollbackConfigException",
      "autoRollbackConfiguration",
    );
    const events = stringList(rollback.events);
    const known = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"];
    if (events.some((e) => !known.includes(e)))
      throw codeDeployError(
        DEPLOYMENT_ERRORS.invalidInput,
        "InvalidAutoRollbackConfigException",
        `Auto rollback events must be among ${known.join(", ")}.`,
      );
    group.autoRollback = { enabled: rollback.enabled === true, events };
  }
  if (input.deploymentStyle !== undefined) {
    const style = object(input.deploymentStyle, "InvalidDeploymentStyleException", "deploymentStyle");
    const type = String(style.deploymentType ?? "BLUE_GREEN");
    const option = String(style.deploymentOption ?? "WITH_TRAFFIC_CONTROL");
    if (type !== "BLUE_GREEN" || option !== "WITH_TRAFFIC_CONTROL")
      throw codeDeployError(
        DEPLOYMENT_ERRORS.invalidInput,
        "InvalidDeploymentStyleException",
        "Lambda deployments are BLUE_GREEN WITH_TRAFFIC_CONTROL.",
      );
    group.deploymentStyle = { type, option };
  }
  return group;
}

function deploymentInfo(d: DeploymentRecord): Record<string, unknown> {
  const appSpec = JSON.stringify({
    version: 0.0,
    Resources: [
      {
        [d.stack?.logicalId ?? d.functionName]: {
          Type: "AWS::Lambda::Function",
          Properties: {
            Name: d.functionName,
            Alias: d.aliasName,
            CurrentVersion: d.fromVersion,
            TargetVersion: d.toVersion,
          },
        },
      },
    ],
    Hooks: [
      ...(d.hooks.before ? [{ BeforeAllowTraffic: d.hooks.before }] : []),
      ...(d.hooks.after ? [{ AfterAllowTraffic: d.hooks.after }] : []),
    ],
  });
  return {
    applicationName: d.applicationName,
    deploymentGroupName: d.groupName,
    deploymentConfigName: d.configName,
    deploymentId: d.id,
    status: d.status,
    errorInformation: d.error,
    createTime: seconds(d.createdAt),
    startTime: d.startedAt === undefined ? undefined : seconds(d.startedAt),
    completeTime: d.completedAt === undefined ? undefined : seconds(d.completedAt),
    creator: d.creator,
    description: d.stack ? `Stack ${d.stack.stackName}, resource ${d.stack.logicalId}` : undefined,
    computePlatform: "Lambda",
    deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
    rollbackInfo: d.rollback ? { rollbackMessage: d.rollback.message } : undefined,
    deploymentStatusMessages: d.messages,
    revision: {
      revisionType: "AppSpecContent",
      appSpecContent: { content: appSpec, sha256: createHash("sha256").update(appSpec).digest("hex") },
    },
  };
}

function lambdaTarget(d: DeploymentRecord): Record<string, unknown> {
  const last = Math.max(
    d.createdAt,
    d.startedAt ?? 0,
    d.completedAt ?? 0,
    ...d.lifecycle.map((e) => e.endedAt ?? e.startedAt ?? 0),
  );
  return {
    deploymentId: d.id,
    targetId: targetId(d),
    targetArn: `${d.functionName}:${d.aliasName}`,
    status: d.status === "Created" ? "Pending" : d.status === "Stopped" ? "Failed" : d.status,
    lastUpdatedAt: seconds(last),
    lifecycleEvents: d.lifecycle.map((e) => ({
      lifecycleEventName: e.name,
      status: e.status,
      startTime: e.startedAt === undefined ? undefined : seconds(e.startedAt),
      endTime: e.endedAt === undefined ? undefined : seconds(e.endedAt),
      diagnostics: e.message
        ? { errorCode: e.status === "Failed" ? "ScriptFailed" : "Success", message: e.message }
        : undefined,
    })),
    lambdaFunctionInfo: {
      functionName: d.functionName,
      functionAlias: d.aliasName,
      currentVersion: d.fromVersion,
      targetVersion: d.toVersion,
      targetVersionWeight: d.weightPercent / 100,
    },
  };
}

function applicationInfo(app: { name: string; id: string; createdAt: number }) {
  return {
    applicationId: app.id,
    applicationName: app.name,
    createTime: seconds(app.createdAt),
    linkedToGitHub: false,
    computePlatform: "Lambda",
  };
}

const targetId = (d: DeploymentRecord) => `${d.functionName}:${d.aliasName}`;
const seconds = (ms: number) => ms / 1000;
const predefinedId = (name: string) => createHash("sha256").update(name).digest("hex").slice(0, 36);

function applicationName(value: unknown): string {
  return name(
    value,
    "ApplicationNameRequiredException",
    "InvalidApplicationNameException",
    "Application name",
  );
}
function groupName(value: unknown): string {
  return name(
    value,
    "DeploymentGroupNameRequiredException",
    "InvalidDeploymentGroupNameException",
    "Deployment group name",
  );
}
function configName(value: unknown): string {
  return name(
    value,
    "DeploymentConfigNameRequiredException",
    "InvalidDeploymentConfigNameException",
    "Deployment config name",
  );
}

function name(value: unknown, requiredName: string, invalidName: string, what: string): string {
  const text = required(value, requiredName, `${what} is required`);
  if (text.length > 100)
    throw codeDeployError(
      DEPLOYMENT_ERRORS.invalidInput,
      invalidName,
      `${what} must be at most 100 characters long.`,
    );
  return text;
}

function required(value: unknown, awsName: string, message: string): string {
  if (typeof value !== "string" || value.length === 0)
    throw codeDeployError(DEPLOYMENT_ERRORS.invalidInput, awsName, message);
  return value;
}

function object(value: unknown, awsName: string, what: string): Input {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw codeDeployError(DEPLOYMENT_ERRORS.invalidInput, awsName, `${what} must be an object.`);
  return value as Input;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
