/**
 * The stored shapes of REST APIs. API Gateway v1 speaks camelCase JSON, so these names are
 * also its wire names; the API layer (rest-api-api.ts) adds only the list and envelope shapes.
 */

export interface RestApiDoc {
  id: string;
  name: string;
  description?: string;
  createdAt: number;
  version?: string;
  binaryMediaTypes: string[];
  apiKeySource: "HEADER" | "AUTHORIZER";
  endpointConfiguration: { types: string[] };
  disableExecuteApiEndpoint: boolean;
  rootResourceId: string;
  tags: Record<string, string>;
  /** By id. The root resource (`/`) is always present. */
  resources: Record<string, ResourceDoc>;
  authorizers: Record<string, AuthorizerDoc>;
  /** Customized gateway responses, by response type (absent in APIs stored before they existed). */
  gatewayResponses?: Record<string, GatewayResponseDoc>;
  requestValidators?: Record<string, RequestValidatorDoc>;
}

/** A request validator: checks that the method's required request parameters are present. */
export interface RequestValidatorDoc {
  id: string;
  name: string;
  validateRequestParameters: boolean;
}

/** A customized answer of API Gateway itself (PutGatewayResponse). */
export interface GatewayResponseDoc {
  responseType: string;
  statusCode?: string;
  /** `gatewayresponse.header.<name>` -> `'literal'`, `method.request.*`, `stageVariables.*`, `context.*`. */
  responseParameters: Record<string, string>;
  responseTemplates: Record<string, string>;
}

export interface ResourceDoc {
  id: string;
  parentId?: string;
  pathPart?: string;
  path: string;
  /** By HTTP method (or ANY). */
  methods: Record<string, MethodDoc>;
}

export interface MethodDoc {
  httpMethod: string;
  authorizationType: "NONE" | "CUSTOM" | "AWS_IAM";
  authorizerId?: string;
  apiKeyRequired: boolean;
  /** A request validator of the API (parameters only: body validation needs models). */
  requestValidatorId?: string;
  operationName?: string;
  requestParameters: Record<string, boolean>;
  methodResponses: Record<string, MethodResponseDoc>;
  integration?: IntegrationDoc;
}

export interface MethodResponseDoc {
  statusCode: string;
  responseParameters: Record<string, boolean>;
  responseModels: Record<string, string>;
}

export type IntegrationType = "AWS" | "AWS_PROXY" | "MOCK" | "HTTP" | "HTTP_PROXY";

export interface IntegrationDoc {
  type: IntegrationType;
  /** The integration's own method (`integrationHttpMethod` on PutIntegration). */
  httpMethod?: string;
  uri?: string;
  credentials?: string;
  requestParameters: Record<string, string>;
  requestTemplates: Record<string, string>;
  passthroughBehavior: "WHEN_NO_MATCH" | "WHEN_NO_TEMPLATES" | "NEVER";
  /** Request body conversion: binary to base64 text, or base64 text to binary. */
  contentHandling?: ContentHandling;
  timeoutInMillis: number;
  cacheNamespace: string;
  cacheKeyParameters: string[];
  integrationResponses: Record<string, IntegrationResponseDoc>;
}

export type ContentHandling = "CONVERT_TO_TEXT" | "CONVERT_TO_BINARY";

export interface IntegrationResponseDoc {
  statusCode: string;
  selectionPattern?: string;
  /** Response body conversion, as for requests. */
  contentHandling?: ContentHandling;
  responseParameters: Record<string, string>;
  responseTemplates: Record<string, string>;
}

export interface AuthorizerDoc {
  id: string;
  name: string;
  type: "TOKEN" | "REQUEST";
  authorizerUri: string;
  identitySource?: string;
  identityValidationExpression?: string;
  authorizerResultTtlInSeconds: number;
}

/** A deployment: a frozen copy of what the API was when it was deployed. */
export interface DeploymentDoc {
  id: string;
  restApiId: string;
  description?: string;
  createdAt: number;
  snapshot: ApiSnapshot;
}

export interface ApiSnapshot {
  resources: Record<string, ResourceDoc>;
  authorizers: Record<string, AuthorizerDoc>;
  binaryMediaTypes: string[];
  apiKeySource: "HEADER" | "AUTHORIZER";
  gatewayResponses?: Record<string, GatewayResponseDoc>;
  requestValidators?: Record<string, RequestValidatorDoc>;
}

export interface CanarySettingsDoc {
  percentTraffic: number;
  deploymentId?: string;
  stageVariableOverrides: Record<string, string>;
  useStageCache: boolean;
}

export interface MethodSettingDoc {
  throttlingBurstLimit?: number;
  throttlingRateLimit?: number;
}

export interface StageDoc {
  restApiId: string;
  stageName: string;
  deploymentId: string;
  description?: string;
  variables: Record<string, string>;
  /** Keyed `<resourcePath>/<METHOD>` as in patch paths (`*\/*` for every method). */
  methodSettings: Record<string, MethodSettingDoc>;
  canarySettings?: CanarySettingsDoc;
  tracingEnabled: boolean;
  /** Access log lines of this stage: a `$context` format and a CloudWatch Logs log group ARN. */
  accessLogSettings?: { format: string; destinationArn: string };
  tags: Record<string, string>;
  createdAt: number;
  lastUpdatedAt: number;
}

export interface ApiKeyDoc {
  id: string;
  value: string;
  name: string;
  description?: string;
  customerId?: string;
  enabled: boolean;
  createdAt: number;
  lastUpdatedAt: number;
  stageKeys: string[];
  tags: Record<string, string>;
}

export interface ThrottleDoc {
  burstLimit?: number;
  rateLimit?: number;
}

export interface QuotaDoc {
  limit: number;
  offset: number;
  period: "DAY" | "WEEK" | "MONTH";
}

export interface UsagePlanDoc {
  id: string;
  name: string;
  description?: string;
  /** `throttle` by `<resource path>/<METHOD>`: per-method limits of this plan on that stage. */
  apiStages: { apiId: string; stage: string; throttle?: Record<string, ThrottleDoc> }[];
  throttle?: ThrottleDoc;
  quota?: QuotaDoc;
  tags: Record<string, string>;
  /** Ids of the API keys in the plan. */
  keyIds: string[];
}
