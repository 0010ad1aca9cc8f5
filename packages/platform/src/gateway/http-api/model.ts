/**
 * The definitions of an HTTP API as stored. One document per API (kind `httpapi`) holds the API,
 * its routes, integrations, authorizers and stages; each deployment's snapshot of routes,
 * integrations and authorizers is its own document (kind `httpapi-deployment`), since stages
 * serve deployments, not the live definitions.
 */
export interface CorsConfig {
  allowCredentials?: boolean;
  allowHeaders?: string[];
  allowMethods?: string[];
  allowOrigins?: string[];
  exposeHeaders?: string[];
  maxAgeSec?: number;
}

export interface ApiRecord {
  apiId: string;
  name: string;
  description?: string;
  version?: string;
  cors?: CorsConfig;
  disableExecuteApiEndpoint: boolean;
  tags: Record<string, string>;
  createdAt: number;
}

export type AuthorizationType = "NONE" | "JWT" | "CUSTOM";

export interface RouteRecord {
  routeId: string;
  routeKey: string;
  authorizationType: AuthorizationType;
  authorizerId?: string;
  authorizationScopes?: string[];
  operationName?: string;
  /** `integrations/<integration-id>`. */
  target?: string;
  apiGatewayManaged: boolean;
}

export type IntegrationType = "AWS_PROXY" | "HTTP_PROXY";

export interface IntegrationRecord {
  integrationId: string;
  integrationType: IntegrationType;
  /** A function ARN (or its apigateway invocation form) for AWS_PROXY; a URL for HTTP_PROXY. */
  integrationUri: string;
  /** HTTP_PROXY: the method sent (`ANY` forwards the request's). */
  integrationMethod?: string;
  payloadFormatVersion: "1.0" | "2.0";
  timeoutInMillis: number;
  description?: string;
  apiGatewayManaged: boolean;
}

export interface JwtConfig {
  audience: string[];
  issuer: string;
}

export interface AuthorizerRecord {
  authorizerId: string;
  name: string;
  authorizerType: "JWT" | "REQUEST";
  identitySource: string[];
  jwtConfiguration?: JwtConfig;
  authorizerUri?: string;
  authorizerPayloadFormatVersion?: "1.0" | "2.0";
  authorizerResultTtlInSeconds: number;
  enableSimpleResponses: boolean;
}

export interface ThrottleSettings {
  throttlingBurstLimit?: number;
  throttlingRateLimit?: number;
}

export interface AccessLogConfig {
  /** A CloudWatch Logs log group ARN. */
  destinationArn: string;
  format: string;
}

export interface StageRecord {
  stageName: string;
  description?: string;
  autoDeploy: boolean;
  deploymentId?: string;
  stageVariables: Record<string, string>;
  defaultRouteSettings: ThrottleSettings;
  routeSettings: Record<string, ThrottleSettings>;
  accessLogSettings?: AccessLogConfig;
  tags: Record<string, string>;
  apiGatewayManaged: boolean;
  createdAt: number;
  updatedAt: number;
  lastDeploymentStatusMessage?: string;
}

export interface DeploymentInfo {
  deploymentId: string;
  description?: string;
  autoDeployed: boolean;
  createdAt: number;
}

/** What a deployment serves: the definitions as they were when it was made. */
export interface Snapshot {
  routes: RouteRecord[];
  integrations: IntegrationRecord[];
  authorizers: AuthorizerRecord[];
}

export interface HttpApiDocument {
  api: ApiRecord;
  routes: Record<string, RouteRecord>;
  integrations: Record<string, IntegrationRecord>;
  authorizers: Record<string, AuthorizerRecord>;
  stages: Record<string, StageRecord>;
  deployments: Record<string, DeploymentInfo>;
}

export interface DeploymentDocument {
  apiId: string;
  deploymentId: string;
  snapshot: Snapshot;
}

export const API_KIND = "httpapi";
export const DEPLOYMENT_KIND = "httpapi-deployment";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A random id of lowercase alphanumerics, as AWS makes them (10 for APIs, 7 for the rest). */
export function newId(length: number, random: () => number = Math.random): string {
  let id = "";
  for (let i = 0; i < length; i++) id += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return id;
}

/** The snapshot of a document's current definitions. */
export function snapshotOf(doc: HttpApiDocument): Snapshot {
  return {
    routes: Object.values(doc.routes),
    integrations: Object.values(doc.integrations),
    authorizers: Object.values(doc.authorizers),
  };
}
