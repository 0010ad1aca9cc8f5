import type { Clock } from "../../core/clock.js";
import { badRequest, conflict, notFound, unsupported } from "./errors.js";
import type { CanarySettingsDoc, DeploymentDoc, StageDoc } from "./model.js";
import { HTTP_METHODS } from "./rest-api-service.js";
import { newGatewayId, type RestApiStore } from "./rest-api-store.js";

export interface PatchOperation {
  op: string;
  path: string;
  value?: string | undefined;
}

export interface CreateDeploymentInput {
  stageName?: string | undefined;
  stageDescription?: string | undefined;
  description?: string | undefined;
  variables?: Record<string, string> | undefined;
  canarySettings?: { percentTraffic?: number; stageVariableOverrides?: Record<string, string> } | undefined;
}

const STAGE_NAME = /^[a-zA-Z0-9_-]+$/;

/**
 * Deployments (frozen snapshots of an API) and the stages that serve them, with canaries and
 * method settings. UpdateStage takes API Gateway's JSON patch operations.
 */
export class StageService {
  constructor(
    private readonly store: RestApiStore,
    private readonly clock: Clock,
  ) {}

  async createDeployment(apiId: string, input: CreateDeploymentInput): Promise<DeploymentDoc> {
    const { doc: api } = await this.store.api(apiId);
    if (!Object.values(api.resources).some((r) => Object.keys(r.methods).length > 0)) {
      throw badRequest("The REST API doesn't contain any methods");
    }
    for (const resource of Object.values(api.resources)) {
      for (const method of Object.values(resource.methods)) {
        if (!method.integration)
          throw badRequest(`No integration defined for method ${method.httpMethod} ${resource.path}`);
      }
    }
    const deployment: DeploymentDoc = {
      id: newGatewayId().slice(0, 6),
      restApiId: apiId,
      ...(input.description !== undefined ? { description: input.description } : {}),
      createdAt: this.clock.now(),
      snapshot: structuredClone({
        resources: api.resources,
        authorizers: api.authorizers,
        binaryMediaTypes: api.binaryMediaTypes,
        apiKeySource: api.apiKeySource,
        gatewayResponses: api.gatewayResponses ?? {},
        requestValidators: api.requestValidators ?? {},
      }),
    };
    if (input.stageName === undefined) {
      if (input.canarySettings) throw badRequest("canarySettings need a stageName");
      await this.store.putDeploymentAndStage(deployment, undefined);
      return deployment;
    }
    checkStageName(input.stageName);
    const existing = await this.store.stage(apiId, input.stageName);
    const now = this.clock.now();
    let stage: StageDoc;
    if (input.canarySettings) {
      // A canary deployment: the stage keeps serving its deployment and sends a share to this one.
      if (!existing)
        throw badRequest(`Stage ${input.stageName} must exist before it can take a canary deployment`);
      stage = {
        ...existing.doc,
        canarySettings: {
          percentTraffic: checkPercent(input.canarySettings.percentTraffic ?? 0),
          deploymentId: deployment.id,
          stageVariableOverrides: input.canarySettings.stageVariableOverrides ?? {},
          useStageCache: false,
        },
        lastUpdatedAt: now,
      };
    } else if (existing) {
      stage = {
        ...existing.doc,
        deploymentId: deployment.id,
        variables: { ...existing.doc.variables, ...(input.variables ?? {}) },
        lastUpdatedAt: now,
      };
    } else {
      stage = newStage(apiId, input.stageName, deployment.id, now, {
        description: input.stageDescription,
        variables: input.variables,
      });
    }
    await this.store.putDeploymentAndStage(deployment, {
      doc: stage,
      revision: existing?.revision ?? "absent",
    });
    return deployment;
  }

  async deployment(apiId: string, id: string): Promise<DeploymentDoc> {
    await this.store.api(apiId);
    const found = await this.store.deployment(apiId, id);
    if (!found) throw notFound("Invalid Deployment identifier specified");
    return found;
  }

  async deployments(apiId: string): Promise<DeploymentDoc[]> {
    await this.store.api(apiId);
    return this.store.deployments(apiId);
  }

  async deleteDeployment(apiId: string, id: string): Promise<void> {
    await this.deployment(apiId, id);
    const users = (await this.store.stages(apiId)).filter(
      (s) => s.deploymentId === id || s.canarySettings?.deploymentId === id,
    );
    if (users.length > 0) {
      throw badRequest(
        `Active stages pointing to this deployment must be moved or deleted: ${users.map((s) => s.stageName).join(", ")}`,
      );
    }
    await this.store.deleteDeployment(apiId, id);
  }

  async createStage(
    apiId: string,
    input: {
      stageName: string;
      deploymentId: string;
      description?: string | undefined;
      variables?: Record<string, string> | undefined;
      canarySettings?: Partial<CanarySettingsDoc> | undefined;
      tracingEnabled?: boolean | undefined;
      tags?: Record<string, string> | undefined;
    },
  ): Promise<StageDoc> {
    checkStageName(input.stageName);
    await this.deployment(apiId, input.deploymentId);
    if (await this.store.stage(apiId, input.stageName)) throw conflict("Stage already exists");
    const stage = newStage(apiId, input.stageName, input.deploymentId, this.clock.now(), input);
    if (input.canarySettings) {
      const canaryDeployment = input.canarySettings.deploymentId ?? input.deploymentId;
      await this.deployment(apiId, canaryDeployment);
      stage.canarySettings = {
        percentTraffic: checkPercent(input.canarySettings.percentTraffic ?? 0),
        deploymentId: canaryDeployment,
        stageVariableOverrides: input.canarySettings.stageVariableOverrides ?? {},
        useStageCache: input.canarySettings.useStageCache ?? false,
      };
    }
    await this.store.putDeploymentAndStage(undefined, { doc: stage, revision: "absent" });
    return stage;
  }

  async stage(apiId: string, name: string): Promise<StageDoc> {
    await this.store.api(apiId);
    const found = await this.store.stage(apiId, name);
    if (!found) throw notFound("Invalid Stage identifier specified");
    return found.doc;
  }

  async stages(apiId: string): Promise<StageDoc[]> {
    await this.store.api(apiId);
    return this.store.stages(apiId);
  }

  async deleteStage(apiId: string, name: string): Promise<void> {
    await this.stage(apiId, name);
    await this.store.deleteStage(apiId, name);
  }

  async updateStage(apiId: string, name: string, ops: PatchOperation[]): Promise<StageDoc> {
    await this.store.api(apiId);
    const found = await this.store.stage(apiId, name);
    if (!found) throw notFound("Invalid Stage identifier specified");
    const stage = structuredClone(found.doc);
    for (const op of ops) applyStagePatch(stage, op);
    if (
      stage.accessLogSettings &&
      (!stage.accessLogSettings.format || !stage.accessLogSettings.destinationArn)
    ) {
      throw badRequest("Access log settings need both format and destinationArn");
    }
    for (const id of [stage.deploymentId, stage.canarySettings?.deploymentId]) {
      if (id !== undefined && !(await this.store.deployment(apiId, id))) {
        throw badRequest(`Deployment id does not exist: ${id}`);
      }
    }
    stage.lastUpdatedAt = this.clock.now();
    await this.store.putDeploymentAndStage(undefined, { doc: stage, revision: found.revision });
    return stage;
  }
}

function newStage(
  apiId: string,
  stageName: string,
  deploymentId: string,
  now: number,
  input: {
    description?: string | undefined;
    variables?: Record<string, string> | undefined;
    tracingEnabled?: boolean | undefined;
    tags?: Record<string, string> | undefined;
  },
): StageDoc {
  for (const key of Object.keys(input.variables ?? {})) checkVariableName(key);
  return {
    restApiId: apiId,
    stageName,
    deploymentId,
    ...(input.description !== undefined ? { description: input.description } : {}),
    variables: input.variables ?? {},
    methodSettings: {},
    tracingEnabled: input.tracingEnabled ?? false,
    tags: input.tags ?? {},
    createdAt: now,
    lastUpdatedAt: now,
  };
}

function checkStageName(name: string): void {
  if (!STAGE_NAME.test(name) || name.length > 128) {
    throw badRequest("Stage name only allows a-zA-Z0-9_ and -");
  }
}

function checkVariableName(name: string): void {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw badRequest(`Stage variable name ${name} must match [A-Za-z0-9_]+`);
}

function checkPercent(value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 100)
    throw badRequest("percentTraffic must be between 0.0 and 100.0");
  return value;
}

/**
 * One UpdateStage patch operation. Paths: /description, /deploymentId, /variables/<name>,
 * /canarySettings[/percentTraffic|/deploymentId|/stageVariableOverrides/<name>],
 * /<resource path with ~1 for />/<METHOD>/throttling/(burstLimit|rateLimit) and `/*\/*\/...`.
 */
function applyStagePatch(stage: StageDoc, { op, path, value }: PatchOperation): void {
  if (op !== "replace" && op !== "add" && op !== "remove")
    throw unsupported(`patch operation ${op} on a stage`);
  const parts = path.split("/").slice(1);
  const [head, ...rest] = parts;
  const setting = (v: string | undefined) => {
    if (op === "remove") return undefined;
    if (v === undefined) throw badRequest(`Missing value for patch path ${path}`);
    return v;
  };
  if (head === "description" && rest.length === 0) {
    const v = setting(value);
    if (v === undefined) delete stage.description;
    else stage.description = v;
  } else if (head === "deploymentId" && rest.length === 0) {
    stage.deploymentId = setting(value) ?? stage.deploymentId;
  } else if (head === "tracingEnabled" && rest.length === 0) {
    if (setting(value) === "true") throw unsupported("X-Ray tracing (tracingEnabled)");
    stage.tracingEnabled = false;
  } else if (head === "accessLogSettings") {
    patchAccessLog(stage, op, rest, value, path);
  } else if (head === "variables" && rest.length === 1 && rest[0]) {
    checkVariableName(rest[0]);
    const v = setting(value);
    if (v === undefined) delete stage.variables[rest[0]];
    else stage.variables[rest[0]] = v;
  } else if (head === "canarySettings") {
    patchCanary(stage, op, rest, value, path);
  } else if (
    parts.length === 4 &&
    parts[2] === "throttling" &&
    (parts[3] === "burstLimit" || parts[3] === "rateLimit")
  ) {
    const resourcePath = parts[0] === "*" ? "*" : (parts[0] ?? "").replaceAll("~1", "/");
    const method = parts[1] ?? "";
    if (method !== "*" && !HTTP_METHODS.includes(method))
      throw badRequest(`Invalid method in patch path ${path}`);
    if (resourcePath !== "*" && !resourcePath.startsWith("/"))
      throw badRequest(`Invalid resource path in patch path ${path}`);
    const key = `${resourcePath}/${method}`;
    const current = stage.methodSettings[key] ?? {};
    const v = setting(value);
    const name = parts[3] === "burstLimit" ? "throttlingBurstLimit" : "throttlingRateLimit";
    if (v === undefined) delete current[name];
    else {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw badRequest(`Invalid throttling value ${v}`);
      current[name] = parts[3] === "burstLimit" ? Math.floor(n) : n;
    }
    stage.methodSettings[key] = current;
  } else if (
    parts.length === 1 &&
    op === "remove" &&
    head !== undefined &&
    stage.methodSettings[decodeSettingKey(head)]
  ) {
    delete stage.methodSettings[decodeSettingKey(head)];
  } else {
    throw unsupported(`the stage patch path ${path}`);
  }
}

function patchAccessLog(
  stage: StageDoc,
  op: string,
  rest: string[],
  value: string | undefined,
  path: string,
): void {
  if (rest.length === 0 && op === "remove") {
    delete stage.accessLogSettings;
    return;
  }
  const member = rest[0];
  if (
    rest.length !== 1 ||
    (member !== "format" && member !== "destinationArn") ||
    op === "remove" ||
    !value
  ) {
    throw unsupported(`the stage patch path ${path}`);
  }
  if (
    member === "destinationArn" &&
    !/^arn:aws[a-zA-Z-]*:logs:[^:]*:[^:]*:log-group:[^:]+(:\*)?$/.test(value)
  ) {
    throw badRequest(`Invalid CloudWatch Logs log group ARN: ${value}`);
  }
  const current = stage.accessLogSettings ?? { format: "", destinationArn: "" };
  current[member] = value;
  stage.accessLogSettings = current;
}

function decodeSettingKey(text: string): string {
  return text.replaceAll("~1", "/");
}

function patchCanary(
  stage: StageDoc,
  op: string,
  rest: string[],
  value: string | undefined,
  path: string,
): void {
  if (rest.length === 0) {
    if (op !== "remove") throw unsupported(`${op} of ${path} (set its members instead)`);
    delete stage.canarySettings;
    return;
  }
  const canary: CanarySettingsDoc = stage.canarySettings ?? {
    percentTraffic: 0,
    deploymentId: stage.deploymentId,
    stageVariableOverrides: {},
    useStageCache: false,
  };
  const [member, name] = rest;
  if (member === "percentTraffic" && rest.length === 1) {
    canary.percentTraffic = checkPercent(op === "remove" ? 0 : Number(value));
  } else if (member === "deploymentId" && rest.length === 1 && op !== "remove" && value) {
    canary.deploymentId = value;
  } else if (member === "useStageCache" && rest.length === 1) {
    if (value === "true") throw unsupported("stage caching (useStageCache)");
  } else if (member === "stageVariableOverrides" && rest.length === 2 && name) {
    checkVariableName(name);
    if (op === "remove") delete canary.stageVariableOverrides[name];
    else canary.stageVariableOverrides[name] = value ?? "";
  } else {
    throw unsupported(`the stage patch path ${path}`);
  }
  stage.canarySettings = canary;
}
