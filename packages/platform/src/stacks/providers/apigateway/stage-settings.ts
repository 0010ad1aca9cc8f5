import {
  checkMembers,
  invalid,
  mapChanges,
  numberOf,
  type Obj,
  objectOf,
  pointer,
  scalarText,
  stringMap,
} from "./props.js";

/**
 * The settings of a REST API stage (AWS::ApiGateway::Stage, and a Deployment's
 * StageDescription) as UpdateStage patch operations: method throttling, access logs, stage
 * variables, canary settings. Pure: `stage-settings.test.ts`.
 */

export type PatchOp = { op: string; path: string; value?: string };

export interface MethodSetting {
  /** `*` or a resource path (`/items/{id}`). */
  resourcePath: string;
  /** `*` or an HTTP method. */
  httpMethod: string;
  burstLimit?: number;
  rateLimit?: number;
}

/**
 * Members of a method setting that Nimbus does not apply are accepted only with their
 * "off" value (execution logging, metrics, data tracing and caching are not implemented).
 */
const OFF_MEMBERS = {
  LoggingLevel: "OFF",
  MetricsEnabled: false,
  DataTraceEnabled: false,
  CachingEnabled: false,
  CacheDataEncrypted: false,
};

/** CloudFormation's `MethodSettings` list (ResourcePath `/~1items` or `/*`, HttpMethod `*` or a verb). */
export function methodSettings(type: string, value: unknown, name = "MethodSettings"): MethodSetting[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(type, name, "must be a list");
  return value.map((item, i) => {
    const where = `${name}[${i}]`;
    const s = objectOf(item, type, where) ?? {};
    checkMembers(
      type,
      where,
      s,
      ["ResourcePath", "HttpMethod", "ThrottlingBurstLimit", "ThrottlingRateLimit"],
      OFF_MEMBERS,
    );
    const resourcePath = resourcePathOf(scalarText(s.ResourcePath, type, `${where}.ResourcePath`) ?? "/*");
    if (resourcePath !== "*" && !resourcePath.startsWith("/"))
      throw invalid(type, `${where}.ResourcePath`, "must start with / (or be /* for every resource)");
    const burst = numberOf(s.ThrottlingBurstLimit, type, `${where}.ThrottlingBurstLimit`);
    const rate = numberOf(s.ThrottlingRateLimit, type, `${where}.ThrottlingRateLimit`);
    return {
      resourcePath,
      httpMethod: (scalarText(s.HttpMethod, type, `${where}.HttpMethod`) ?? "*").toUpperCase(),
      ...(burst !== undefined ? { burstLimit: burst } : {}),
      ...(rate !== undefined ? { rateLimit: rate } : {}),
    };
  });
}

/**
 * CloudFormation writes `/~1items~1{id}` for `/items/{id}` (a leading slash, then the path with
 * `~1` for each slash), `/` for the root and `/*` for every resource; `/items` is taken as is.
 */
function resourcePathOf(raw: string): string {
  if (raw === "/*" || raw === "*") return "*";
  return (raw.startsWith("/~1") ? raw.slice(1) : raw).replaceAll("~1", "/");
}

function settingSegment(s: MethodSetting): string {
  return `${s.resourcePath === "*" ? "*" : pointer(s.resourcePath)}/${s.httpMethod}`;
}

/** Patch operations that turn the `before` method settings into `after`. */
export function methodSettingOps(before: MethodSetting[], after: MethodSetting[]): PatchOp[] {
  const ops: PatchOp[] = [];
  const key = (s: MethodSetting) => `${s.resourcePath}/${s.httpMethod}`;
  const next = new Map(after.map((s) => [key(s), s]));
  for (const old of before) {
    const now = next.get(key(old));
    if (!now) {
      ops.push({ op: "remove", path: `/${pointer(key(old))}` });
      continue;
    }
    if (old.burstLimit !== undefined && now.burstLimit === undefined)
      ops.push({ op: "remove", path: `/${settingSegment(old)}/throttling/burstLimit` });
    if (old.rateLimit !== undefined && now.rateLimit === undefined)
      ops.push({ op: "remove", path: `/${settingSegment(old)}/throttling/rateLimit` });
  }
  for (const s of after) {
    if (s.burstLimit !== undefined)
      ops.push({
        op: "replace",
        path: `/${settingSegment(s)}/throttling/burstLimit`,
        value: String(s.burstLimit),
      });
    if (s.rateLimit !== undefined)
      ops.push({
        op: "replace",
        path: `/${settingSegment(s)}/throttling/rateLimit`,
        value: String(s.rateLimit),
      });
  }
  return ops;
}

export interface AccessLog {
  destinationArn: string;
  format: string;
}

/** `AccessLogSetting` {DestinationArn, Format}. */
export function accessLog(type: string, value: unknown, name = "AccessLogSetting"): AccessLog | undefined {
  const o = objectOf(value, type, name);
  if (!o) return undefined;
  checkMembers(type, name, o, ["DestinationArn", "Format"]);
  const destinationArn = scalarText(o.DestinationArn, type, `${name}.DestinationArn`);
  const format = scalarText(o.Format, type, `${name}.Format`);
  if (!destinationArn || !format) throw invalid(type, name, "needs DestinationArn and Format");
  return { destinationArn, format };
}

export function accessLogOps(before: AccessLog | undefined, after: AccessLog | undefined): PatchOp[] {
  if (!after) return before ? [{ op: "remove", path: "/accessLogSettings" }] : [];
  return [
    { op: "replace", path: "/accessLogSettings/destinationArn", value: after.destinationArn },
    { op: "replace", path: "/accessLogSettings/format", value: after.format },
  ];
}

export function variableOps(
  before: Record<string, string>,
  after: Record<string, string>,
  prefix = "/variables",
): PatchOp[] {
  const { set, remove } = mapChanges(before, after);
  return [
    ...remove.map((name) => ({ op: "remove", path: `${prefix}/${name}` })),
    ...Object.entries(set).map(([name, value]) => ({ op: "replace", path: `${prefix}/${name}`, value })),
  ];
}

export interface Canary {
  percentTraffic: number;
  deploymentId?: string;
  stageVariableOverrides: Record<string, string>;
}

/** A Stage's `CanarySetting` {DeploymentId, PercentTraffic, StageVariableOverrides, UseStageCache: false}. */
export function canarySetting(type: string, value: unknown, name = "CanarySetting"): Canary | undefined {
  const o = objectOf(value, type, name);
  if (!o) return undefined;
  checkMembers(type, name, o, ["DeploymentId", "PercentTraffic", "StageVariableOverrides"], {
    UseStageCache: false,
  });
  const deploymentId = scalarText(o.DeploymentId, type, `${name}.DeploymentId`);
  return {
    percentTraffic: numberOf(o.PercentTraffic, type, `${name}.PercentTraffic`) ?? 0,
    ...(deploymentId !== undefined ? { deploymentId } : {}),
    stageVariableOverrides: stringMap(o.StageVariableOverrides, type, `${name}.StageVariableOverrides`) ?? {},
  };
}

export function canaryOps(before: Canary | undefined, after: Canary | undefined): PatchOp[] {
  if (!after) return before ? [{ op: "remove", path: "/canarySettings" }] : [];
  return [
    { op: "replace", path: "/canarySettings/percentTraffic", value: String(after.percentTraffic) },
    ...(after.deploymentId !== undefined
      ? [{ op: "replace", path: "/canarySettings/deploymentId", value: after.deploymentId }]
      : []),
    ...variableOps(
      before?.stageVariableOverrides ?? {},
      after.stageVariableOverrides,
      "/canarySettings/stageVariableOverrides",
    ),
  ];
}

/** The canary as CreateStage takes it. */
export function canaryBody(canary: Canary): Obj {
  return {
    percentTraffic: canary.percentTraffic,
    ...(canary.deploymentId !== undefined ? { deploymentId: canary.deploymentId } : {}),
    stageVariableOverrides: canary.stageVariableOverrides,
  };
}
