import { jsonResult, readJsonBody } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import { badRequest, unsupported } from "./errors.js";
import type { ContentHandling, IntegrationDoc, MethodDoc } from "./model.js";
import type { OpenApiImporter } from "./openapi-import.js";
import { methodOf, type RestApiService, resourceOf } from "./rest-api-service.js";
import { authorizerOut, integrationOut, methodOut, page, read, resourceOut, restApiOut } from "./wire.js";

/**
 * The API Gateway v1 operations on REST APIs, resources, methods, integrations and authorizers
 * (paths and camelCase members as @aws-sdk/client-api-gateway sends them).
 */
export function addRestApiRoutes(router: RestRouter, apis: RestApiService, importer: OpenApiImporter): void {
  router
    .add("POST", "/restapis", async (req) => {
      if (req.query.get("mode") === "import") {
        checkImportParameters(req.query);
        const api = await importer.importNew(req.body, req.query.get("failonwarnings") === "true");
        return jsonResult(201, restApiOut(api));
      }
      const body = readJsonBody(req);
      read.refuse(body, {
        cloneFrom: "cloning APIs",
        policy: "resource policies",
        minimumCompressionSize: "response compression",
        securityPolicy: "TLS security policies",
        endpointAccessMode: "endpoint access modes",
        disableExecuteApiEndpoint: "disabling the execute-api endpoint (custom domains are not served)",
      });
      const endpoint = read.obj(body, "endpointConfiguration");
      if (endpoint)
        read.refuse(endpoint, {
          vpcEndpointIds: "private API VPC endpoints",
          ipAddressType: "endpoint IP address types",
        });
      if (endpoint && read.strList(endpoint, "types")?.includes("PRIVATE"))
        throw unsupported("PRIVATE endpoints");
      const api = await apis.create({
        name: read.required(body, "name"),
        description: read.str(body, "description"),
        version: read.str(body, "version"),
        binaryMediaTypes: read.strList(body, "binaryMediaTypes"),
        apiKeySource: read.str(body, "apiKeySource"),
        endpointTypes: endpoint ? read.strList(endpoint, "types") : undefined,
        tags: read.map<string>(body, "tags", "string"),
      });
      return jsonResult(201, restApiOut(api));
    })
    .add("GET", "/restapis", async (req) =>
      jsonResult(200, page((await apis.list()).map(restApiOut), req.query)),
    )
    .add("GET", "/restapis/{restApiId}", async (_req, p) =>
      jsonResult(200, restApiOut(await apis.get(id(p)))),
    )
    .add("PUT", "/restapis/{restApiId}", async (req, p) => {
      const mode = req.query.get("mode") ?? "merge";
      if (mode !== "merge" && mode !== "overwrite") throw badRequest(`Invalid mode: ${mode}`);
      checkImportParameters(req.query);
      const api = await importer.put(id(p), req.body, mode, req.query.get("failonwarnings") === "true");
      return jsonResult(200, restApiOut(api));
    })
    .add("PATCH", "/restapis/{restApiId}", async (req, p) => {
      const ops = patchOps(readJsonBody(req));
      const api = await apis.update(id(p), (doc) => {
        for (const { op, path, value } of ops) {
          if (path === "/name" && op === "replace" && value) doc.name = value;
          else if (path === "/description" && op === "replace") doc.description = value ?? "";
          else if (path.startsWith("/binaryMediaTypes/") && (op === "add" || op === "remove")) {
            const type = path.slice("/binaryMediaTypes/".length).replaceAll("~1", "/");
            doc.binaryMediaTypes = doc.binaryMediaTypes.filter((t) => t !== type);
            if (op === "add") doc.binaryMediaTypes.push(type);
          } else if (
            path === "/apiKeySource" &&
            op === "replace" &&
            (value === "HEADER" || value === "AUTHORIZER")
          ) {
            doc.apiKeySource = value;
          } else throw badRequest(`Invalid patch path ${path} for ${op}`);
        }
        return doc;
      });
      return jsonResult(200, restApiOut(api));
    })
    .add("DELETE", "/restapis/{restApiId}", async (_req, p) => {
      await apis.delete(id(p));
      return jsonResult(202, undefined);
    })
    .add("GET", "/restapis/{restApiId}/resources", async (req, p) => {
      const api = await apis.get(id(p));
      const embed = req.query.getAll("embed").includes("methods");
      return jsonResult(
        200,
        page(
          Object.values(api.resources).map((r) => resourceOut(r, embed)),
          req.query,
        ),
      );
    })
    .add("GET", "/restapis/{restApiId}/resources/{resourceId}", async (req, p) => {
      const api = await apis.get(id(p));
      const embed = req.query.getAll("embed").includes("methods");
      return jsonResult(200, resourceOut(resourceOf(api, p.resourceId ?? ""), embed));
    })
    .add("POST", "/restapis/{restApiId}/resources/{parentId}", async (req, p) => {
      const pathPart = read.required(readJsonBody(req), "pathPart");
      return jsonResult(
        201,
        resourceOut(await apis.createResource(id(p), p.parentId ?? "", pathPart), false),
      );
    })
    .add("DELETE", "/restapis/{restApiId}/resources/{resourceId}", async (_req, p) => {
      await apis.deleteResource(id(p), p.resourceId ?? "");
      return jsonResult(202, undefined);
    })
    .add("PUT", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}", async (req, p) => {
      const method = methodIn(p.httpMethod ?? "", readJsonBody(req));
      return jsonResult(201, methodOut(await apis.putMethod(id(p), p.resourceId ?? "", method)));
    })
    .add("GET", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}", async (_req, p) => {
      const api = await apis.get(id(p));
      return jsonResult(200, methodOut(methodOf(resourceOf(api, p.resourceId ?? ""), p.httpMethod ?? "")));
    })
    .add("DELETE", "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}", async (_req, p) => {
      await apis.deleteMethod(id(p), p.resourceId ?? "", p.httpMethod ?? "");
      return jsonResult(204, undefined);
    })
    .add(
      "PUT",
      "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration",
      async (req, p) => {
        const integration = integrationIn(readJsonBody(req));
        return jsonResult(
          201,
          integrationOut(
            await apis.putIntegration(id(p), p.resourceId ?? "", p.httpMethod ?? "", integration),
          ),
        );
      },
    )
    .add(
      "GET",
      "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration",
      async (_req, p) => {
        const api = await apis.get(id(p));
        const method = methodOf(resourceOf(api, p.resourceId ?? ""), p.httpMethod ?? "");
        if (!method.integration) throw badRequest("No integration defined for method");
        return jsonResult(200, integrationOut(method.integration));
      },
    )
    .add(
      "DELETE",
      "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration",
      async (_req, p) => {
        await apis.deleteIntegration(id(p), p.resourceId ?? "", p.httpMethod ?? "");
        return jsonResult(204, undefined);
      },
    )
    .add(
      "PUT",
      "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/responses/{statusCode}",
      async (req, p) => {
        const body = readJsonBody(req);
        const response = {
          statusCode: p.statusCode ?? "",
          responseParameters: read.map<boolean>(body, "responseParameters", "boolean") ?? {},
          responseModels: read.map<string>(body, "responseModels", "string") ?? {},
        };
        return jsonResult(
          201,
          await apis.putMethodResponse(id(p), p.resourceId ?? "", p.httpMethod ?? "", response),
        );
      },
    )
    .add(
      "PUT",
      "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}/integration/responses/{statusCode}",
      async (req, p) => {
        const body = readJsonBody(req);
        const responseHandling = contentHandlingOf(body);
        const selectionPattern = read.str(body, "selectionPattern");
        const response = {
          statusCode: p.statusCode ?? "",
          ...(selectionPattern !== undefined && selectionPattern !== "" ? { selectionPattern } : {}),
          ...(responseHandling ? { contentHandling: responseHandling } : {}),
          responseParameters: read.map<string>(body, "responseParameters", "string") ?? {},
          responseTemplates: read.map<string>(body, "responseTemplates", "string") ?? {},
        };
        for (const [target, source] of Object.entries(response.responseParameters)) {
          if (!/^method\.response\.header\.[^.]+$/.test(target))
            throw badRequest(`Invalid mapping expression specified: ${target}`);
          if (
            !/^('[^']*'|integration\.response\.header\.[^.]+|integration\.response\.body(\..+)?)$/.test(
              source,
            )
          ) {
            throw badRequest(`Invalid mapping expression specified: ${source}`);
          }
        }
        return jsonResult(
          201,
          await apis.putIntegrationResponse(id(p), p.resourceId ?? "", p.httpMethod ?? "", response),
        );
      },
    )
    .add("POST", "/restapis/{restApiId}/authorizers", async (req, p) => {
      const body = readJsonBody(req);
      read.refuse(body, {
        providerARNs: "Cognito user pool authorizers",
        authorizerCredentials: "authorizer credentials",
      });
      const identitySource = read.str(body, "identitySource");
      const identityValidationExpression = read.str(body, "identityValidationExpression");
      const type = read.required(body, "type");
      const authorizer = await apis.createAuthorizer(id(p), {
        name: read.required(body, "name"),
        type: type as "TOKEN" | "REQUEST",
        authorizerUri: read.required(body, "authorizerUri"),
        ...(identitySource !== undefined ? { identitySource } : {}),
        ...(identityValidationExpression !== undefined ? { identityValidationExpression } : {}),
        authorizerResultTtlInSeconds: read.num(body, "authorizerResultTtlInSeconds") ?? 300,
      });
      return jsonResult(201, authorizerOut(authorizer));
    })
    .add("GET", "/restapis/{restApiId}/authorizers", async (req, p) => {
      const api = await apis.get(id(p));
      return jsonResult(200, page(Object.values(api.authorizers).map(authorizerOut), req.query));
    })
    .add("GET", "/restapis/{restApiId}/authorizers/{authorizerId}", async (_req, p) => {
      const authorizer = (await apis.get(id(p))).authorizers[p.authorizerId ?? ""];
      if (!authorizer) throw badRequest("Invalid authorizer ID specified");
      return jsonResult(200, authorizerOut(authorizer));
    })
    .add("DELETE", "/restapis/{restApiId}/authorizers/{authorizerId}", async (_req, p) => {
      await apis.deleteAuthorizer(id(p), p.authorizerId ?? "");
      return jsonResult(202, undefined);
    });
}

/**
 * Query parameters of ImportRestApi / PutRestApi: `basepath` other than `ignore` and
 * `endpointConfigurationTypes` would change the API, so they are refused; `ignore=documentation`
 * matches what Nimbus does anyway (documentation is not imported).
 */
function checkImportParameters(query: URLSearchParams): void {
  for (const [name, value] of query) {
    if (name === "mode" || name === "failonwarnings") continue;
    if (name === "basepath" && value === "ignore") continue;
    if (name === "ignore" && value === "documentation") continue;
    throw unsupported(`the import parameter ${name}=${value}`);
  }
}

function id(params: Record<string, string>): string {
  return params.restApiId ?? "";
}

function methodIn(httpMethod: string, body: Record<string, unknown>): MethodDoc {
  read.refuse(body, {
    requestModels: "request models",
    authorizationScopes: "authorization scopes",
  });
  const authorizerId = read.str(body, "authorizerId");
  const operationName = read.str(body, "operationName");
  const requestValidatorId = read.str(body, "requestValidatorId");
  return {
    httpMethod,
    authorizationType: read.required(body, "authorizationType") as MethodDoc["authorizationType"],
    ...(authorizerId !== undefined ? { authorizerId } : {}),
    apiKeyRequired: read.bool(body, "apiKeyRequired") ?? false,
    ...(operationName !== undefined ? { operationName } : {}),
    ...(requestValidatorId !== undefined ? { requestValidatorId } : {}),
    requestParameters: read.map<boolean>(body, "requestParameters", "boolean") ?? {},
    methodResponses: {},
  };
}

function integrationIn(body: Record<string, unknown>): IntegrationDoc {
  read.refuse(body, {
    connectionType: "VPC links",
    connectionId: "VPC links",
    tlsConfig: "integration TLS settings",
    cacheKeyParameters: "integration caching",
    responseTransferMode: "response streaming integrations",
    integrationTarget: "integration targets",
  });
  const type = read.required(body, "type") as IntegrationDoc["type"];
  const httpMethod = read.str(body, "httpMethod");
  const uri = read.str(body, "uri");
  const credentials = read.str(body, "credentials");
  const passthrough = read.str(body, "passthroughBehavior") ?? "WHEN_NO_MATCH";
  const contentHandling = contentHandlingOf(body);
  if (passthrough !== "WHEN_NO_MATCH" && passthrough !== "WHEN_NO_TEMPLATES" && passthrough !== "NEVER") {
    throw badRequest(`Invalid passthrough behavior specified: ${passthrough}`);
  }
  return {
    type,
    ...(httpMethod !== undefined ? { httpMethod } : {}),
    ...(uri !== undefined ? { uri } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    requestParameters: read.map<string>(body, "requestParameters", "string") ?? {},
    requestTemplates: read.map<string>(body, "requestTemplates", "string") ?? {},
    passthroughBehavior: passthrough,
    ...(contentHandling ? { contentHandling } : {}),
    timeoutInMillis: read.num(body, "timeoutInMillis") ?? 29_000,
    cacheNamespace: read.str(body, "cacheNamespace") ?? "",
    cacheKeyParameters: [],
    integrationResponses: {},
  };
}

/** `contentHandling` of an integration or integration response (absent: pass through). */
export function contentHandlingOf(body: Record<string, unknown>): ContentHandling | undefined {
  const value = read.str(body, "contentHandling");
  if (value === undefined) return undefined;
  if (value !== "CONVERT_TO_TEXT" && value !== "CONVERT_TO_BINARY") {
    throw badRequest(`Invalid content handling specified: ${value}`);
  }
  return value;
}

/** `patchOperations` of an Update* call. */
export function patchOps(body: Record<string, unknown>): { op: string; path: string; value?: string }[] {
  const ops = body.patchOperations ?? [];
  if (!Array.isArray(ops)) throw badRequest("patchOperations must be a list");
  return ops.map((o: unknown) => {
    if (typeof o !== "object" || o === null) throw badRequest("Invalid patch operation");
    const r = o as Record<string, unknown>;
    if (typeof r.op !== "string" || typeof r.path !== "string")
      throw badRequest("A patch operation needs op and path");
    return { op: r.op, path: r.path, ...(typeof r.value === "string" ? { value: r.value } : {}) };
  });
}
