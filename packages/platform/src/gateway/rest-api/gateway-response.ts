import type { HttpResult } from "../../aws/http-types.js";
import type { ResponseV1 } from "../payload-v1/response-v1.js";

/** An answer API Gateway makes itself, with the gateway response type that can customize it. */
export interface GatewayAnswer extends ResponseV1 {
  responseType?: GatewayResponseType;
  /** The error message (`$context.error.message`). */
  message?: string | null;
}

/** The gateway response types Nimbus produces (PutGatewayResponse accepts these and the defaults). */
export const GATEWAY_RESPONSE_TYPES = [
  "DEFAULT_4XX",
  "DEFAULT_5XX",
  "MISSING_AUTHENTICATION_TOKEN",
  "INVALID_API_KEY",
  "UNAUTHORIZED",
  "ACCESS_DENIED",
  "AUTHORIZER_FAILURE",
  "AUTHORIZER_CONFIGURATION_ERROR",
  "THROTTLED",
  "QUOTA_EXCEEDED",
  "INTEGRATION_TIMEOUT",
  "INTEGRATION_FAILURE",
  "API_CONFIGURATION_ERROR",
  "UNSUPPORTED_MEDIA_TYPE",
  "BAD_REQUEST_PARAMETERS",
  "INVALID_SIGNATURE",
] as const;
export type GatewayResponseType = (typeof GATEWAY_RESPONSE_TYPES)[number];

/**
 * API Gateway's own answers (its "gateway responses"): a JSON body with `message` and the
 * error type in `x-amzn-ErrorType`.
 */
export function gatewayResponse(
  status: number,
  errorType: string,
  message: string | null,
  responseType?: GatewayResponseType,
  key: "message" | "Message" = "message",
): GatewayAnswer {
  return {
    status,
    headers: { "Content-Type": ["application/json"], "x-amzn-ErrorType": [errorType] },
    body: Buffer.from(JSON.stringify({ [key]: message })),
    ...(responseType ? { responseType } : {}),
    message,
  };
}

export const GATEWAY_RESPONSES = {
  missingToken: () =>
    gatewayResponse(
      403,
      "MissingAuthenticationTokenException",
      "Missing Authentication Token",
      "MISSING_AUTHENTICATION_TOKEN",
    ),
  forbidden: () => gatewayResponse(403, "ForbiddenException", "Forbidden"),
  invalidApiKey: () => gatewayResponse(403, "ForbiddenException", "Forbidden", "INVALID_API_KEY"),
  unauthorized: () => gatewayResponse(401, "UnauthorizedException", "Unauthorized", "UNAUTHORIZED"),
  accessDenied: () =>
    gatewayResponse(
      403,
      "AccessDeniedException",
      "User is not authorized to access this resource",
      "ACCESS_DENIED",
      "Message",
    ),
  explicitDeny: () =>
    gatewayResponse(
      403,
      "AccessDeniedException",
      "User is not authorized to access this resource with an explicit deny",
      "ACCESS_DENIED",
      "Message",
    ),
  authorizerFailure: () =>
    gatewayResponse(500, "AuthorizerConfigurationException", null, "AUTHORIZER_CONFIGURATION_ERROR"),
  throttled: () => gatewayResponse(429, "TooManyRequestsException", "Too Many Requests", "THROTTLED"),
  quotaExceeded: () => gatewayResponse(429, "LimitExceededException", "Limit Exceeded", "QUOTA_EXCEEDED"),
  timeout: () =>
    gatewayResponse(504, "IntegrationTimeout", "Endpoint request timed out", "INTEGRATION_TIMEOUT"),
  internalError: () =>
    gatewayResponse(500, "InternalServerErrorException", "Internal server error", "API_CONFIGURATION_ERROR"),
  unsupportedMediaType: () =>
    gatewayResponse(415, "UnsupportedMediaTypeException", "Unsupported Media Type", "UNSUPPORTED_MEDIA_TYPE"),
};

/**
 * HttpResult's headers are typed `Record<string, string>`, but the front door hands them to
 * Node's `writeHead`, which writes an array value as one line per element (several Set-Cookie).
 */
export function toHttpResult(response: ResponseV1, requestId: string): HttpResult {
  const headers: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(response.headers)) {
    headers[name] = values.length === 1 ? (values[0] ?? "") : values;
  }
  headers["x-amz-apigw-id"] = requestId.slice(0, 8);
  return { status: response.status, headers: headers as Record<string, string>, body: response.body };
}
