import {
  boolOf,
  checkMembers,
  invalid,
  numberOf,
  type Obj,
  objectOf,
  type Props,
  scalarText,
  stringMap,
} from "./props.js";

const TYPE = "AWS::ApiGateway::Method";

/** The API Gateway calls one AWS::ApiGateway::Method makes (PutMethod, PutIntegration, responses). */
export interface MethodCalls {
  httpMethod: string;
  method: Obj;
  integration?: Obj;
  integrationResponses: { statusCode: string; body: Obj }[];
  methodResponses: { statusCode: string; body: Obj }[];
}

const INTEGRATION_MEMBERS = [
  "Type",
  "IntegrationHttpMethod",
  "Uri",
  "RequestTemplates",
  "RequestParameters",
  "PassthroughBehavior",
  "TimeoutInMillis",
  "ContentHandling",
  "Credentials",
  "CacheNamespace",
  "IntegrationResponses",
];

/**
 * CloudFormation's Method properties as the API Gateway v1 request bodies. Members Nimbus does
 * not apply (RequestModels, AuthorizationScopes, VPC links, caching, TLS settings) are refused
 * with their names; `Credentials` is kept by the API and shown, with no effect (Nimbus does not
 * evaluate IAM roles).
 */
export function methodCalls(props: Props): MethodCalls {
  const httpMethod = props.required("HttpMethod").toUpperCase();
  const authorizerId = props.str("AuthorizerId");
  const operationName = props.str("OperationName");
  const requestValidatorId = props.str("RequestValidatorId");
  const method: Obj = {
    authorizationType: props.str("AuthorizationType") ?? "NONE",
    ...(authorizerId !== undefined ? { authorizerId } : {}),
    apiKeyRequired: props.bool("ApiKeyRequired") ?? false,
    ...(operationName !== undefined ? { operationName } : {}),
    ...(requestValidatorId !== undefined ? { requestValidatorId } : {}),
    requestParameters: boolMap(props.obj("RequestParameters"), "RequestParameters"),
  };
  const methodResponses = (props.list("MethodResponses") ?? []).map((item, i) => {
    const where = `MethodResponses[${i}]`;
    const r = objectOf(item, TYPE, where) ?? {};
    checkMembers(TYPE, where, r, ["StatusCode", "ResponseParameters", "ResponseModels"]);
    return {
      statusCode: statusOf(r.StatusCode, where),
      body: {
        responseParameters: boolMap(
          objectOf(r.ResponseParameters, TYPE, `${where}.ResponseParameters`),
          where,
        ),
        responseModels: stringMap(r.ResponseModels, TYPE, `${where}.ResponseModels`) ?? {},
      },
    };
  });
  const integration = props.obj("Integration");
  if (!integration) return { httpMethod, method, integrationResponses: [], methodResponses };
  return { httpMethod, method, methodResponses, ...integrationCalls(integration) };
}

function integrationCalls(value: Obj): Pick<MethodCalls, "integration" | "integrationResponses"> {
  checkMembers(TYPE, "Integration", value, INTEGRATION_MEMBERS, {
    ConnectionType: "INTERNET",
    CacheKeyParameters: [],
  });
  const text = (name: string) => scalarText(value[name], TYPE, `Integration.${name}`);
  const type = text("Type");
  if (!type) throw invalid(TYPE, "Integration.Type", "is required");
  const timeout = numberOf(value.TimeoutInMillis, TYPE, "Integration.TimeoutInMillis");
  const optional: Record<string, string | undefined> = {
    httpMethod: text("IntegrationHttpMethod"),
    uri: text("Uri"),
    passthroughBehavior: text("PassthroughBehavior"),
    contentHandling: text("ContentHandling"),
    credentials: text("Credentials"),
    cacheNamespace: text("CacheNamespace"),
  };
  const integration: Obj = {
    type: type.toUpperCase(),
    requestTemplates: stringMap(value.RequestTemplates, TYPE, "Integration.RequestTemplates") ?? {},
    requestParameters: stringMap(value.RequestParameters, TYPE, "Integration.RequestParameters") ?? {},
    ...(timeout !== undefined ? { timeoutInMillis: timeout } : {}),
  };
  for (const [name, v] of Object.entries(optional)) if (v !== undefined) integration[name] = v;
  const list = value.IntegrationResponses ?? [];
  if (!Array.isArray(list)) throw invalid(TYPE, "Integration.IntegrationResponses", "must be a list");
  const integrationResponses = list.map((item: unknown, i: number) => {
    const where = `Integration.IntegrationResponses[${i}]`;
    const r = objectOf(item, TYPE, where) ?? {};
    checkMembers(TYPE, where, r, [
      "StatusCode",
      "SelectionPattern",
      "ResponseParameters",
      "ResponseTemplates",
      "ContentHandling",
    ]);
    const selectionPattern = scalarText(r.SelectionPattern, TYPE, `${where}.SelectionPattern`);
    const contentHandling = scalarText(r.ContentHandling, TYPE, `${where}.ContentHandling`);
    return {
      statusCode: statusOf(r.StatusCode, where),
      body: {
        ...(selectionPattern !== undefined ? { selectionPattern } : {}),
        ...(contentHandling !== undefined ? { contentHandling } : {}),
        responseParameters: stringMap(r.ResponseParameters, TYPE, `${where}.ResponseParameters`) ?? {},
        responseTemplates: stringMap(r.ResponseTemplates, TYPE, `${where}.ResponseTemplates`) ?? {},
      },
    };
  });
  return { integration, integrationResponses };
}

function statusOf(value: unknown, where: string): string {
  const status = scalarText(value, TYPE, `${where}.StatusCode`);
  if (!status) throw invalid(TYPE, `${where}.StatusCode`, "is required");
  return status;
}

/** `{"method.request.header.x": true}` maps (CloudFormation also writes `"true"`). */
function boolMap(value: Obj | undefined, name: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [key, v] of Object.entries(value ?? {})) out[key] = boolOf(v, TYPE, `${name}.${key}`) ?? false;
  return out;
}
