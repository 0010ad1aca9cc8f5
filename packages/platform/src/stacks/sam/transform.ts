import type { ResourceDefinition, Template, TemplateObject } from "../model.js";
import { RESOURCE_ATTRIBUTES, SAM_RESOURCE_ATTRIBUTES } from "../template/structure.js";
import { IMPLICIT_HTTP_API, IMPLICIT_REST_API, usesImplicitApi } from "./api-events.js";
import { SamBuild } from "./builder.js";
import { type SamProblem, SamResourceError, samTransformError } from "./errors.js";
import { transformFunction } from "./function.js";
import { applyGlobals, validateGlobals } from "./globals.js";
import { transformHttpApi } from "./http-api.js";
import { layerLogicalId, transformLayer } from "./layer.js";
import { rewriteReferences, rewriteResource } from "./refs.js";
import { transformRestApi } from "./rest-api.js";
import { transformStateMachine } from "./state-machine.js";
import type { SamContext, Unsupported } from "./types.js";

export const SAM_TRANSFORM = "AWS::Serverless-2016-10-31";

const NOT_IN_NIMBUS: Record<string, string> = {
  "AWS::Serverless::SimpleTable": "no DynamoDB in Nimbus",
  "AWS::Serverless::Application": "no nested applications (Serverless Application Repository) in Nimbus",
  "AWS::Serverless::GraphQLApi": "no AppSync in Nimbus",
  "AWS::Serverless::Connector": "connectors are not supported by Nimbus",
};

/** True when the template's Transform includes AWS::Serverless-2016-10-31. */
export function isSamTemplate(template: Template): boolean {
  const transform = template.Transform;
  return Array.isArray(transform) ? transform.includes(SAM_TRANSFORM) : transform === SAM_TRANSFORM;
}

/**
 * Expands every AWS::Serverless::* resource and Globals; other resources pass through
 * unchanged (except S3 buckets that S3 events add notifications to). Intrinsics stay
 * symbolic. All problems are reported at once, in one ERR_STACK_SAM_INVALID (or, when they
 * are all local code paths, ERR_STACK_SAM_NOT_PACKAGED) error.
 */
export function transformSam(
  template: Template,
  ctx: SamContext,
): { template: Template; unsupported: Unsupported[] } {
  const input = structuredClone(template);
  const problems: SamProblem[] = [];
  const attempt = (fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      if (!(error instanceof SamResourceError)) throw error;
      const problem: SamProblem = { logicalId: error.logicalId, message: error.message };
      if (error.localPath) problem.localPath = true;
      problems.push(problem);
    }
  };
  const globals = input.Globals as TemplateObject | undefined;
  attempt(() => validateGlobals(globals));

  const resources: Record<string, ResourceDefinition> = { ...input.Resources };
  const sources = Object.values(resources).filter(
    (r) => r.Type === "AWS::Serverless::Function" || r.Type === "AWS::Serverless::StateMachine",
  );
  if (sources.some((r) => usesImplicitApi(r, "Api")) && resources[IMPLICIT_REST_API] === undefined) {
    resources[IMPLICIT_REST_API] = { Type: "AWS::Serverless::Api", Properties: { StageName: "Prod" } };
  }
  if (sources.some((r) => usesImplicitApi(r, "HttpApi")) && resources[IMPLICIT_HTTP_API] === undefined) {
    resources[IMPLICIT_HTTP_API] = { Type: "AWS::Serverless::HttpApi", Properties: {} };
  }
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type.startsWith("AWS::Serverless::") && problems.length === 0)
      resources[id] = applyGlobals(resource, globals);
  }

  const build = new SamBuild(ctx, resources);
  // Keys next to Type/Properties that SAM does not know (a `Description:` written one level too
  // high, say): samtranslator ignores them and so does Nimbus, but says so.
  for (const [id, resource] of Object.entries(input.Resources)) {
    if (!resource.Type.startsWith("AWS::Serverless::")) continue;
    for (const key of Object.keys(resource)) {
      if (RESOURCE_ATTRIBUTES.has(key) || SAM_RESOURCE_ATTRIBUTES.has(key)) continue;
      build.unsupported.push({
        logicalId: id,
        type: resource.Type,
        property: key,
        reason: "not a resource attribute, ignored by the SAM transform (as on AWS)",
      });
    }
  }
  for (const [id, resource] of Object.entries(resources)) {
    if (!resource.Type.startsWith("AWS::Serverless::")) build.resources[id] = resource;
  }
  const renames = build.renames;
  const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  for (const [id, resource] of byType("AWS::Serverless::LayerVersion")) {
    attempt(() => {
      const newId = layerLogicalId(build, id, resource);
      renames.set(id, newId);
      transformLayer(build, id, newId, resource);
    });
  }
  for (const [id, resource] of byType("AWS::Serverless::Function"))
    attempt(() => transformFunction(build, id, resource));
  for (const [id, resource] of byType("AWS::Serverless::StateMachine"))
    attempt(() => transformStateMachine(build, id, resource));
  for (const [apiId] of build.restEvents) attempt(() => checkApiReference(resources, apiId, "Api"));
  for (const [apiId] of build.httpEvents) attempt(() => checkApiReference(resources, apiId, "HttpApi"));
  for (const [id, resource] of byType("AWS::Serverless::Api"))
    attempt(() => transformRestApi(build, id, resource));
  for (const [id, resource] of byType("AWS::Serverless::HttpApi"))
    attempt(() => transformHttpApi(build, id, resource));
  const handled = new Set([
    "AWS::Serverless::LayerVersion",
    "AWS::Serverless::Function",
    "AWS::Serverless::StateMachine",
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
  ]);
  for (const [id, resource] of Object.entries(resources)) {
    if (!resource.Type.startsWith("AWS::Serverless::") || handled.has(resource.Type)) continue;
    build.unsupported.push({
      logicalId: id,
      type: resource.Type,
      reason: `${NOT_IN_NIMBUS[resource.Type] ?? "resource type not supported by Nimbus"} (the resource is left out of the deployed template)`,
    });
  }
  if (problems.length > 0) throw samTransformError(problems);

  if (renames.size > 0) {
    for (const resource of Object.values(build.resources)) rewriteResource(resource, renames);
    if (input.Outputs !== undefined) {
      for (const output of Object.values(input.Outputs))
        output.Value = rewriteReferences(output.Value, renames);
    }
  }
  const out: Template = { ...input, Resources: build.resources };
  if (Object.keys(build.conditions).length > 0)
    out.Conditions = { ...(input.Conditions ?? {}), ...build.conditions };
  delete out.Globals;
  const transform = Array.isArray(input.Transform)
    ? input.Transform.filter((t) => t !== SAM_TRANSFORM)
    : undefined;
  if (transform !== undefined && transform.length > 0) out.Transform = transform;
  else delete out.Transform;
  return { template: out, unsupported: build.unsupported };
}

function checkApiReference(
  resources: Record<string, ResourceDefinition>,
  apiId: string,
  kind: "Api" | "HttpApi",
): void {
  const expected = kind === "Api" ? "AWS::Serverless::Api" : "AWS::Serverless::HttpApi";
  if (resources[apiId]?.Type !== expected) {
    const property = kind === "Api" ? "RestApiId" : "ApiId";
    throw new SamResourceError(
      apiId,
      `${property} must be a valid reference to an '${expected}' resource in same template.`,
    );
  }
}
