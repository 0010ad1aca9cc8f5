import type { ProviderContext, ProvisionResult, ResolvedProperties, ResourceProvider } from "../../model.js";
import {
  changed,
  checkMembers,
  ignoreGone,
  invalid,
  type Obj,
  Props,
  pointer,
  readDefinition,
  titleOf,
  unsupportedMember,
  updateUnsupported,
} from "./props.js";

const TYPE = "AWS::ApiGateway::RestApi";

interface RestApiOut {
  id: string;
  name: string;
  rootResourceId: string;
  binaryMediaTypes?: string[];
}

type PatchOp = { op: string; path: string; value?: string };

/**
 * AWS::ApiGateway::RestApi through CreateRestApi, PutRestApi (`Body` / `BodyS3Location`,
 * OpenAPI 3 or Swagger 2) and UpdateRestApi.
 *
 * With a definition, the API is created with the template's top-level settings first, then the
 * definition is put (`Mode`, default `overwrite`), then the template's Name, Description,
 * BinaryMediaTypes and ApiKeySourceType are applied over it: what CloudFormation's default
 * mode does ("the definition takes precedence, container types are merged").
 *
 * Not listed (the planner reports them): Policy (Nimbus has no resource policies),
 * MinimumCompressionSize (no compression), CloneFrom. DisableExecuteApiEndpoint is taken only
 * as false (Nimbus serves no custom domains, so the execute-api endpoint is the only one).
 */
export const restApiProvider: ResourceProvider = {
  type: TYPE,
  properties: [
    "Name",
    "Description",
    "Body",
    "BodyS3Location",
    "BinaryMediaTypes",
    "EndpointConfiguration",
    "ApiKeySourceType",
    "Parameters",
    "FailOnWarnings",
    "Mode",
    "DisableExecuteApiEndpoint",
    "Tags",
  ],
  // CloudFormation updates these in place; Nimbus's API Gateway has no operation that changes
  // an API's endpoint types or tags, so a change makes a new API (dependents follow its id).
  replaceOn: ["EndpointConfiguration", "Tags"],

  async create(ctx, _logicalId, properties) {
    const props = new Props(TYPE, properties);
    checkDisable(props);
    const definition = await readDefinition(ctx, props);
    const name = props.str("Name") ?? (definition ? titleOf(definition) : undefined);
    if (!name) throw invalid(TYPE, "Name", "is required when no Body or BodyS3Location is given");
    const endpoint = endpointConfiguration(props);
    const description = props.str("Description");
    const apiKeySource = props.str("ApiKeySourceType");
    const created = await ctx.api.rest<RestApiOut>("apigateway", "POST", "/restapis", {
      name,
      ...(description !== undefined ? { description } : {}),
      ...(apiKeySource !== undefined ? { apiKeySource } : {}),
      binaryMediaTypes: props.strList("BinaryMediaTypes") ?? [],
      ...(endpoint ? { endpointConfiguration: endpoint } : {}),
      tags: props.tagList(),
    });
    try {
      if (definition) {
        await putDefinition(ctx, created.id, props, definition);
        await ctx.api.rest("apigateway", "PATCH", `/restapis/${created.id}`, {
          patchOperations: topLevelOps(props, {}, name),
        });
      }
    } catch (error) {
      // A definition that does not import leaves no half-made API behind.
      await ignoreGone(() => ctx.api.rest("apigateway", "DELETE", `/restapis/${created.id}`));
      throw error;
    }
    return result(created);
  },

  async update(ctx, _logicalId, current, properties) {
    const props = new Props(TYPE, properties);
    checkDisable(props);
    const id = current.physicalId;
    if (
      JSON.stringify(endpointTypesParameter(props)) !==
        JSON.stringify(endpointTypesParameter(new Props(TYPE, current.properties))) &&
      !changed(current.properties, properties, "EndpointConfiguration")
    )
      throw updateUnsupported(
        TYPE,
        "Parameters.endpointConfigurationTypes",
        "change EndpointConfiguration with it: that makes a new API",
      );
    const definition = await readDefinition(ctx, props);
    const definitionChanged = changed(
      current.properties,
      properties,
      "Body",
      "BodyS3Location",
      "Mode",
      "Parameters",
      "FailOnWarnings",
    );
    // A BodyS3Location names an object whose content may change under the same key: read again.
    if (definition && (definitionChanged || props.has("BodyS3Location"))) {
      await putDefinition(ctx, id, props, definition);
    }
    const name = props.str("Name") ?? (definition ? titleOf(definition) : undefined);
    if (!name) throw invalid(TYPE, "Name", "is required when no Body or BodyS3Location is given");
    const ops = topLevelOps(props, current.properties, name);
    return result(
      await ctx.api.rest<RestApiOut>("apigateway", "PATCH", `/restapis/${id}`, { patchOperations: ops }),
    );
  },

  async delete(ctx, _logicalId, current) {
    await ignoreGone(() => ctx.api.rest("apigateway", "DELETE", `/restapis/${current.physicalId}`));
  },
};

function checkDisable(props: Props): void {
  if (props.bool("DisableExecuteApiEndpoint"))
    throw unsupportedMember(TYPE, "DisableExecuteApiEndpoint = true (no custom domains are served)");
}

function result(api: RestApiOut): ProvisionResult {
  return { physicalId: api.id, attributes: { RootResourceId: api.rootResourceId, RestApiId: api.id } };
}

/**
 * `Parameters.endpointConfigurationTypes` (an import parameter; SAM sets it beside
 * EndpointConfiguration): applied as the endpoint types the API is created with.
 */
function endpointTypesParameter(props: Props): string[] | undefined {
  const value = props.strMap("Parameters")?.endpointConfigurationTypes;
  return value ? value.split(",").map((t) => t.trim()) : undefined;
}

function endpointConfiguration(props: Props): Obj | undefined {
  const fromParameter = endpointTypesParameter(props);
  const value = props.obj("EndpointConfiguration");
  if (!value) return fromParameter ? { types: fromParameter } : undefined;
  checkMembers(TYPE, "EndpointConfiguration", value, ["Types", "VpcEndpointIds", "IpAddressType"]);
  const types = new Props(TYPE, value).strList("Types");
  if (
    fromParameter &&
    JSON.stringify([...fromParameter].sort()) !== JSON.stringify([...(types ?? [])].sort())
  )
    throw invalid(
      TYPE,
      "Parameters.endpointConfigurationTypes",
      "must name the EndpointConfiguration's Types",
    );
  const vpcEndpointIds = new Props(TYPE, value).strList("VpcEndpointIds");
  const ipAddressType = new Props(TYPE, value).str("IpAddressType");
  // The API refuses what Nimbus does not serve (PRIVATE, VPC endpoints, dualstack), naming it.
  return {
    ...(types ? { types } : {}),
    ...(vpcEndpointIds ? { vpcEndpointIds } : {}),
    ...(ipAddressType ? { ipAddressType } : {}),
  };
}

/** PutRestApi with the template's Mode, FailOnWarnings and Parameters (import query parameters). */
async function putDefinition(ctx: ProviderContext, id: string, props: Props, definition: Obj): Promise<void> {
  const mode = props.str("Mode") ?? "overwrite";
  if (mode !== "overwrite" && mode !== "merge") throw invalid(TYPE, "Mode", "must be overwrite or merge");
  const query = new URLSearchParams({ mode });
  if (props.bool("FailOnWarnings")) query.set("failonwarnings", "true");
  for (const [name, value] of Object.entries(props.strMap("Parameters") ?? {})) {
    // Applied when the API was created (endpointConfiguration above).
    if (name !== "endpointConfigurationTypes") query.set(name, value);
  }
  await ctx.api.rest("apigateway", "PUT", `/restapis/${id}?${query}`, definition);
}

/** UpdateRestApi operations that make the API's top-level settings what the template says. */
function topLevelOps(props: Props, before: ResolvedProperties, name: string): PatchOp[] {
  const old = new Props(TYPE, before);
  const ops: PatchOp[] = [{ op: "replace", path: "/name", value: name }];
  const description = props.str("Description");
  if (description !== undefined || old.has("Description"))
    ops.push({ op: "replace", path: "/description", value: description ?? "" });
  const types = props.strList("BinaryMediaTypes") ?? [];
  for (const type of old.strList("BinaryMediaTypes") ?? []) {
    if (!types.includes(type)) ops.push({ op: "remove", path: `/binaryMediaTypes/${pointer(type)}` });
  }
  for (const type of types) ops.push({ op: "add", path: `/binaryMediaTypes/${pointer(type)}` });
  const keySource = props.str("ApiKeySourceType");
  if (keySource !== undefined || old.has("ApiKeySourceType"))
    ops.push({ op: "replace", path: "/apiKeySource", value: keySource ?? "HEADER" });
  return ops;
}
