import { createHash } from "node:crypto";
import type { DeploymentRecord } from "./deployment-store.js";

/** CodeDeploy's answer shapes (camelCase, times in epoch seconds) of Nimbus's records. */
export function deploymentInfo(d: DeploymentRecord): Record<string, unknown> {
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

export function lambdaTarget(d: DeploymentRecord): Record<string, unknown> {
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

export function applicationInfo(app: { name: string; id: string; createdAt: number }) {
  return {
    applicationId: app.id,
    applicationName: app.name,
    createTime: seconds(app.createdAt),
    linkedToGitHub: false,
    computePlatform: "Lambda",
  };
}

export const targetId = (d: DeploymentRecord) => `${d.functionName}:${d.aliasName}`;
export const seconds = (ms: number) => ms / 1000;
export const predefinedId = (name: string) => createHash("sha256").update(name).digest("hex").slice(0, 36);
