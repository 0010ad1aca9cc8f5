import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { s3Location, s3Object } from "./code.js";
import { SamResourceError } from "./errors.js";
import {
  addRestEvents,
  applyAuth,
  applyCors,
  applyGatewayResponses,
  swaggerSkeleton,
  toOpenApi3,
} from "./swagger.js";
import {
  alphanumeric,
  canonicalJson,
  clone,
  isObject,
  literalString,
  passthroughAttributes,
  ref,
  sha1Hex,
  sub,
  tagList,
} from "./util.js";

const TYPE = "AWS::Serverless::Api";
const KNOWN = new Set([
  "Name",
  "StageName",
  "DefinitionBody",
  "DefinitionUri",
  "Cors",
  "Auth",
  "Variables",
  "MethodSettings",
  "BinaryMediaTypes",
  "EndpointConfiguration",
  "Description",
  "CanarySetting",
  "TracingEnabled",
  "AccessLogSetting",
  "OpenApiVersion",
  "GatewayResponses",
  "CacheClusterEnabled",
  "CacheClusterSize",
  "MinimumCompressionSize",
  "Tags",
  "Mode",
  "ApiKeySourceType",
  "FailOnWarnings",
  "DisableExecuteApiEndpoint",
]);
/** RestApi properties copied under the same name. */
const REST_API_PASS = [
  "Name",
  "Description",
  "MinimumCompressionSize",
  "Mode",
  "ApiKeySourceType",
  "FailOnWarnings",
  "DisableExecuteApiEndpoint",
] as const;
/** Stage properties copied under the same name. */
const STAGE_PASS = [
  "Variables",
  "MethodSettings",
  "CacheClusterEnabled",
  "CacheClusterSize",
  "TracingEnabled",
  "AccessLogSetting",
  "CanarySetting",
] as const;

/**
 * AWS::Serverless::Api (and the implicit `ServerlessRestApi`) -> AWS::ApiGateway::RestApi with
 * a Swagger `Body` (SAM-managed when the template gives none: built from the Api events),
 * `<Api>Deployment<hash of the body>`, `<Api><Stage>Stage`, authorizer permissions and the
 * usage plan resources.
 */
export function transformRestApi(build: SamBuild, apiId: string, resource: ResourceDefinition): void {
  const p = resource.Properties ?? {};
  build.checkProperties(apiId, TYPE, p, KNOWN);
  const attributes = passthroughAttributes(resource);
  const events = build.restEvents.get(apiId) ?? [];
  const stageName = literalString(p.StageName, build.ctx.parameters, apiId, "StageName");
  if (stageName === undefined) throw new SamResourceError(apiId, "Missing required property 'StageName'.");
  const openApiVersion = typeof p.OpenApiVersion === "string" ? p.OpenApiVersion : undefined;

  const restApi: TemplateObject = {};
  let body: TemplateObject | undefined;
  if (p.DefinitionUri !== undefined && p.DefinitionBody === undefined) {
    restApi.BodyS3Location = s3Object(
      s3Location(p.DefinitionUri, apiId, "DefinitionUri", build.ctx.parameters),
    );
    for (const needsBody of ["Cors", "Auth", "GatewayResponses"]) {
      if (p[needsBody] !== undefined) {
        throw new SamResourceError(
          apiId,
          `${needsBody} works only with inline Swagger specified in 'DefinitionBody' property.`,
        );
      }
    }
  } else {
    const managed = p.DefinitionBody === undefined;
    if (!managed && !isObject(p.DefinitionBody))
      throw new SamResourceError(apiId, "'DefinitionBody' must be a map.");
    body = managed ? swaggerSkeleton() : clone(p.DefinitionBody as TemplateObject);
    // An API with its own DefinitionBody keeps its paths: events only add permissions (as SAM).
    if (managed) addRestEvents(body, events);
    if (p.Cors !== undefined) applyCors(apiId, body, p.Cors);
    if (isObject(p.Auth)) {
      for (const authorizer of applyAuth(build, apiId, body, p.Auth, managed ? events : [])) {
        build.add(
          `${apiId}${authorizer.name}AuthorizerPermission`,
          {
            Type: "AWS::Lambda::Permission",
            Properties: {
              Action: "lambda:InvokeFunction",
              FunctionName: authorizer.functionArn,
              Principal: "apigateway.amazonaws.com",
              SourceArn: sub(
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*",
                {
                  __ApiId__: ref(apiId),
                },
              ),
            },
            ...attributes,
          },
          apiId,
        );
      }
    }
    if (p.GatewayResponses !== undefined) applyGatewayResponses(body, p.GatewayResponses);
    if (Array.isArray(p.BinaryMediaTypes)) {
      body["x-amazon-apigateway-binary-media-types"] = p.BinaryMediaTypes.map((t) =>
        typeof t === "string" ? t.replace(/~1/g, "/") : t,
      );
    }
    if (openApiVersion !== undefined && /^3\.\d+\.\d+$/.test(openApiVersion))
      toOpenApi3(body, openApiVersion);
    restApi.Body = body;
  }
  for (const name of REST_API_PASS) if (p[name] !== undefined) restApi[name] = p[name] as TemplateValue;
  if (Array.isArray(p.BinaryMediaTypes)) {
    restApi.BinaryMediaTypes = p.BinaryMediaTypes.map((t) =>
      typeof t === "string" ? t.replace(/~1/g, "/") : t,
    );
  }
  if (p.EndpointConfiguration !== undefined) {
    const ec = p.EndpointConfiguration;
    const type = isObject(ec) ? ec.Type : ec;
    const endpoint: TemplateObject = { Types: [type ?? null] };
    if (isObject(ec) && ec.VPCEndpointIds !== undefined) endpoint.VpcEndpointIds = ec.VPCEndpointIds;
    restApi.EndpointConfiguration = endpoint;
    restApi.Parameters = { endpointConfigurationTypes: type ?? null };
  }
  const api: ResourceDefinition = { Type: "AWS::ApiGateway::RestApi", Properties: restApi, ...attributes };
  if (resource.DependsOn !== undefined) api.DependsOn = resource.DependsOn;
  if (resource.Metadata !== undefined) api.Metadata = resource.Metadata;
  build.add(apiId, api, apiId);

  // A new deployment whenever the API definition changes (SAM: hash of the Swagger body).
  const hashInput =
    canonicalJson(restApi.Body ?? restApi.BodyS3Location) +
    (openApiVersion === undefined ? "" : `||${openApiVersion}`);
  const digest = sha1Hex(hashInput);
  const deploymentId = `${apiId}Deployment${digest.slice(0, 10)}`;
  const deployment: TemplateObject = {
    RestApiId: ref(apiId),
    Description: `RestApi deployment id: ${digest}`,
  };
  // SAM (Swagger 2.0, no OpenApiVersion) also makes the deployment create a stage named "Stage".
  if (openApiVersion === undefined) deployment.StageName = "Stage";
  build.add(
    deploymentId,
    { Type: "AWS::ApiGateway::Deployment", Properties: deployment, ...attributes },
    apiId,
  );

  const stageId = `${apiId}${alphanumeric(stageName)}Stage`;
  const stage: TemplateObject = {
    RestApiId: ref(apiId),
    DeploymentId: ref(deploymentId),
    StageName: p.StageName ?? stageName,
  };
  for (const name of STAGE_PASS) if (p[name] !== undefined) stage[name] = p[name] as TemplateValue;
  if (isObject(p.Tags)) stage.Tags = tagList("apigateway:createdBy", p.Tags).slice(1);
  build.add(stageId, { Type: "AWS::ApiGateway::Stage", Properties: stage, ...attributes }, apiId);
  build.renames.set(`${apiId}.Stage`, stageId);
  build.renames.set(`${apiId}.Deployment`, deploymentId);

  if (isObject(p.Auth) && isObject(p.Auth.UsagePlan))
    usagePlan(build, apiId, stageId, p.Auth.UsagePlan, attributes);
}

const USAGE_PLAN_KNOWN = new Set([
  "CreateUsagePlan",
  "Description",
  "Quota",
  "Throttle",
  "UsagePlanName",
  "Tags",
]);

/** Auth.UsagePlan: PER_API (`<Api>UsagePlan`, `<Api>ApiKey`, `<Api>UsagePlanKey`) or SHARED (`ServerlessUsagePlan`...). */
function usagePlan(
  build: SamBuild,
  apiId: string,
  stageId: string,
  config: TemplateObject,
  attributes: Partial<ResourceDefinition>,
): void {
  build.checkProperties(apiId, TYPE, config, USAGE_PLAN_KNOWN, "Auth.UsagePlan.");
  const mode = config.CreateUsagePlan;
  if (mode === "NONE") return;
  if (mode !== "PER_API" && mode !== "SHARED") {
    throw new SamResourceError(apiId, "'CreateUsagePlan' accepts only NONE, PER_API and SHARED values.");
  }
  const apiStage: TemplateObject = { ApiId: ref(apiId), Stage: ref(stageId) };
  const prefix = mode === "PER_API" ? apiId : "Serverless";
  const planId = `${prefix}UsagePlan`;
  const keyId = `${prefix}ApiKey`;
  build.renames.set(`${apiId}.UsagePlan`, planId);
  build.renames.set(`${apiId}.ApiKey`, keyId);
  build.renames.set(`${apiId}.UsagePlanKey`, `${prefix}UsagePlanKey`);
  const existing = build.resources[planId];
  if (mode === "SHARED" && existing !== undefined) {
    const stages = existing.Properties?.ApiStages;
    if (Array.isArray(stages)) stages.push(apiStage);
    return;
  }
  const plan: TemplateObject = { ApiStages: [apiStage] };
  for (const name of ["Description", "Quota", "Throttle", "UsagePlanName", "Tags"]) {
    if (config[name] !== undefined) plan[name] = config[name] as TemplateValue;
  }
  const shared = mode === "SHARED" ? {} : attributes;
  build.add(
    planId,
    { Type: "AWS::ApiGateway::UsagePlan", Properties: plan, DependsOn: [apiId], ...shared },
    apiId,
  );
  build.add(
    keyId,
    {
      Type: "AWS::ApiGateway::ApiKey",
      // SAM also lists the stage in the key's StageKeys (API Gateway's legacy key-to-stage link);
      // the usage plan key below is what ties the key to the stage, and Nimbus applies only that.
      Properties: { Enabled: true },
      DependsOn: [planId],
      ...shared,
    },
    apiId,
  );
  build.add(
    `${prefix}UsagePlanKey`,
    {
      Type: "AWS::ApiGateway::UsagePlanKey",
      Properties: { KeyId: ref(keyId), KeyType: "API_KEY", UsagePlanId: ref(planId) },
      DependsOn: [keyId],
      ...shared,
    },
    apiId,
  );
}
