import { importFailed, unsupported } from "./errors.js";
import type { AuthorizerDoc, ContentHandling, IntegrationDoc, MethodDoc, RestApiDoc } from "./model.js";
import { addValidator } from "./request-validators.js";
import { contentHandlingOf } from "./rest-api-api.js";
import { checkAuthorizer, checkIntegration } from "./rest-api-service.js";
import { newGatewayId } from "./rest-api-store.js";

/**
 * The per-operation half of the OpenAPI importer: security schemes (Lambda authorizers, API
 * keys, SigV4), methods with their parameters and responses, `x-amazon-apigateway-integration`
 * and request validators.
 */

type Obj = Record<string, unknown>;

const OPERATION_EXTENSIONS = new Set([
  "x-amazon-apigateway-integration",
  "x-amazon-apigateway-auth",
  "x-amazon-apigateway-request-validator",
]);

export interface Schemes {
  authorizers: Map<string, string>;
  apiKey: Set<string>;
  /** Schemes with `x-amazon-apigateway-authtype: awsSigv4`: AWS_IAM. */
  sigv4: Set<string>;
}

/** The definition's security schemes: Lambda authorizers (created on the API), API key and SigV4 schemes. */
export function securitySchemes(api: RestApiDoc, doc: Obj): Schemes {
  const raw = ((doc.components as Obj | undefined)?.securitySchemes ?? doc.securityDefinitions ?? {}) as Obj;
  const schemes: Schemes = { authorizers: new Map(), apiKey: new Set(), sigv4: new Set() };
  for (const [name, value] of Object.entries(raw)) {
    const scheme = value as Obj;
    for (const key of Object.keys(scheme)) {
      if (
        key.startsWith("x-amazon-apigateway-") &&
        key !== "x-amazon-apigateway-authorizer" &&
        key !== "x-amazon-apigateway-authtype"
      ) {
        throw unsupported(`the OpenAPI extension ${key} on security scheme ${name}`);
      }
    }
    const ext = scheme["x-amazon-apigateway-authorizer"] as Obj | undefined;
    if (ext) {
      const type = String(ext.type ?? "").toUpperCase();
      const headerName = typeof scheme.name === "string" ? scheme.name : "Authorization";
      const input: Omit<AuthorizerDoc, "id"> = {
        name,
        type: type as AuthorizerDoc["type"],
        authorizerUri: String(ext.authorizerUri ?? ""),
        identitySource:
          typeof ext.identitySource === "string"
            ? ext.identitySource
            : type === "TOKEN"
              ? `method.request.header.${headerName}`
              : "",
        authorizerResultTtlInSeconds:
          typeof ext.authorizerResultTtlInSeconds === "number" ? ext.authorizerResultTtlInSeconds : 300,
        ...(typeof ext.identityValidationExpression === "string"
          ? { identityValidationExpression: ext.identityValidationExpression }
          : {}),
      };
      if (ext.authorizerCredentials !== undefined)
        throw unsupported(`authorizer credentials on security scheme ${name}`);
      if (input.type === ("COGNITO_USER_POOLS" as string))
        throw unsupported(`Cognito user pool authorizers (security scheme ${name})`);
      checkAuthorizer(input);
      const existing = Object.values(api.authorizers).find((a) => a.name === name);
      const id = existing?.id ?? newGatewayId().slice(0, 6);
      api.authorizers[id] = { id, ...input };
      schemes.authorizers.set(name, id);
    } else if (
      scheme.type === "apiKey" &&
      scheme.in === "header" &&
      String(scheme.name).toLowerCase() === "x-api-key"
    ) {
      schemes.apiKey.add(name);
    } else if (String(scheme["x-amazon-apigateway-authtype"] ?? "").toLowerCase() === "awssigv4") {
      schemes.sigv4.add(name);
    }
  }
  return schemes;
}

/** One OpenAPI operation as a method: authorization, parameters, method responses and integration. */
export function methodFrom(
  api: RestApiDoc,
  op: Obj,
  httpMethod: string,
  schemes: Schemes,
  security: unknown,
  pathParameters: unknown,
  path: string,
): MethodDoc {
  for (const key of Object.keys(op)) {
    if (key.startsWith("x-amazon-apigateway-") && !OPERATION_EXTENSIONS.has(key)) {
      throw unsupported(`the OpenAPI extension ${key} on ${httpMethod} ${path}`);
    }
  }
  const auth = op["x-amazon-apigateway-auth"] as Obj | undefined;
  const authType = String(auth?.type ?? "NONE").toUpperCase();
  if (authType !== "NONE" && authType !== "AWS_IAM")
    throw unsupported(`x-amazon-apigateway-auth type ${authType}`);
  const method: MethodDoc = {
    httpMethod,
    authorizationType: authType === "AWS_IAM" ? "AWS_IAM" : "NONE",
    apiKeyRequired: false,
    requestParameters: {},
    methodResponses: {},
  };
  if (typeof op.operationId === "string") method.operationName = op.operationId;
  for (const requirement of Array.isArray(security) ? security : []) {
    for (const name of Object.keys(requirement as Obj)) {
      const authorizerId = schemes.authorizers.get(name);
      if (authorizerId) {
        method.authorizationType = "CUSTOM";
        method.authorizerId = authorizerId;
      } else if (schemes.apiKey.has(name)) {
        method.apiKeyRequired = true;
      } else if (schemes.sigv4.has(name)) {
        method.authorizationType = "AWS_IAM";
      } else {
        throw unsupported(
          `the security scheme ${name} on ${httpMethod} ${path} (Lambda authorizers, awsSigv4 and x-api-key are supported)`,
        );
      }
    }
  }
  const parameters = [
    ...(Array.isArray(pathParameters) ? pathParameters : []),
    ...(Array.isArray(op.parameters) ? op.parameters : []),
  ];
  for (const p of parameters as Obj[]) {
    const where = p.in === "query" ? "querystring" : p.in;
    if ((where === "path" || where === "querystring" || where === "header") && typeof p.name === "string") {
      method.requestParameters[`method.request.${where}.${p.name}`] = p.required === true;
    }
  }
  for (const code of Object.keys((op.responses as Obj | undefined) ?? {})) {
    if (/^[1-5]\d\d$/.test(code))
      method.methodResponses[code] = { statusCode: code, responseParameters: {}, responseModels: {} };
  }
  const ext = op["x-amazon-apigateway-integration"] as Obj | undefined;
  if (ext) method.integration = integrationFrom(ext, `${httpMethod} ${path}`);
  void api;
  return method;
}

function integrationFrom(ext: Obj, where: string): IntegrationDoc {
  for (const key of ["connectionType", "connectionId", "tlsConfig", "credentials"]) {
    if (ext[key] !== undefined && key !== "credentials")
      throw unsupported(`${key} in x-amazon-apigateway-integration of ${where}`);
  }
  if (Array.isArray(ext.cacheKeyParameters) && ext.cacheKeyParameters.length > 0) {
    throw unsupported(`integration caching (cacheKeyParameters) of ${where}`);
  }
  const passthrough = String(ext.passthroughBehavior ?? "when_no_match").toUpperCase();
  const integration: IntegrationDoc = {
    type: String(ext.type ?? "").toUpperCase() as IntegrationDoc["type"],
    ...(typeof ext.httpMethod === "string" ? { httpMethod: ext.httpMethod.toUpperCase() } : {}),
    ...(typeof ext.uri === "string" ? { uri: ext.uri } : {}),
    ...(typeof ext.credentials === "string" ? { credentials: ext.credentials } : {}),
    requestParameters: stringMap(ext.requestParameters),
    requestTemplates: stringMap(ext.requestTemplates),
    passthroughBehavior: passthrough as IntegrationDoc["passthroughBehavior"],
    ...(contentHandlingOf(ext) ? { contentHandling: contentHandlingOf(ext) as ContentHandling } : {}),
    timeoutInMillis: typeof ext.timeoutInMillis === "number" ? ext.timeoutInMillis : 29_000,
    cacheNamespace: typeof ext.cacheNamespace === "string" ? ext.cacheNamespace : "",
    cacheKeyParameters: [],
    integrationResponses: {},
  };
  for (const [pattern, value] of Object.entries((ext.responses as Obj | undefined) ?? {})) {
    const r = value as Obj;
    const statusCode = String(r.statusCode ?? "");
    const responseHandling = contentHandlingOf(r);
    integration.integrationResponses[statusCode] = {
      statusCode,
      ...(pattern !== "default" ? { selectionPattern: pattern } : {}),
      ...(responseHandling ? { contentHandling: responseHandling } : {}),
      responseParameters: stringMap(r.responseParameters),
      responseTemplates: stringMap(r.responseTemplates),
    };
  }
  try {
    checkIntegration(integration);
  } catch (error) {
    throw importFailed(`${where}: ${(error as Error).message}`);
  }
  return integration;
}

/** A map of the definition with every value as text (YAML may give numbers and booleans). */
export function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(Object.entries(value as Obj).map(([k, v]) => [k, String(v)]));
}

/** YAML and JSON definitions often write `statusCode: 403`; the API takes it as text. */
export function withStringStatus(value: unknown): Obj {
  const obj = { ...((value ?? {}) as Obj) };
  if (typeof obj.statusCode === "number") obj.statusCode = String(obj.statusCode);
  return obj;
}

/** `x-amazon-apigateway-request-validators`: the API's validators, by name. */
export function importValidators(api: RestApiDoc, doc: Obj): Map<string, string> {
  const byName = new Map<string, string>();
  for (const v of Object.values(api.requestValidators ?? {})) byName.set(v.name, v.id);
  const raw = doc["x-amazon-apigateway-request-validators"];
  if (raw === undefined) return byName;
  if (typeof raw !== "object" || raw === null)
    throw importFailed("x-amazon-apigateway-request-validators must be an object");
  for (const [name, value] of Object.entries(raw as Obj)) {
    if (byName.has(name)) continue;
    const v = (value ?? {}) as Obj;
    const validator = addValidator(
      api,
      name,
      v.validateRequestBody === true,
      v.validateRequestParameters === true,
    );
    byName.set(name, validator.id);
  }
  return byName;
}
