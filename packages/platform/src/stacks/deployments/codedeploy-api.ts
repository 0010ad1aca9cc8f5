import { randomUUID } from "node:crypto";
import type { JsonRpcService } from "../../aws/json-rpc.js";
import type { Clock } from "../../core/clock.js";
import {
  applicationName,
  configName,
  groupName,
  type Input,
  readGroup,
  required,
  stringList,
} from "./codedeploy-input.js";
import {
  applicationInfo,
  deploymentInfo,
  lambdaTarget,
  predefinedId,
  seconds,
  targetId,
} from "./codedeploy-wire.js";
import { resolveDeploymentConfig } from "./deployment-configs.js";
import type { DeploymentRunner } from "./deployment-runner.js";
import type { ConfigRecord, DeploymentRecord, DeploymentStore, GroupRecord } from "./deployment-store.js";
import { groupKey } from "./deployment-store.js";
import { codeDeployError, DEPLOYMENT_ERRORS } from "./errors.js";
import { PREDEFINED_LAMBDA_CONFIGS, readTrafficRouting, trafficRoutingWire } from "./traffic-routing.js";

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
