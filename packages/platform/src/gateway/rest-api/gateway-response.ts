import type { HttpResult } from "../../aws/http-types.js";
import type { ResponseV1 } from "../payload-v1/response-v1.js";

/**
 * API Gateway's own answers (its "gateway responses"): a JSON body with `message` and the
 * error type in `x-amzn-ErrorType`.
 */
export function gatewayResponse(
  status: number,
  errorType: string,
  message: string | null,
  key: "message" | "Message" = "message",
): ResponseV1 {
  return {
    status,
    headers: { "Content-Type": ["application/json"], "x-amzn-ErrorType": [errorType] },
    body: Buffer.from(JSON.stringify({ [key]: message })),
  };
}

export const GATEWAY_RESPONSES = {
  missingToken: () =>
    gatewayResponse(403, "MissingAuthenticationTokenException", "Missing Authentication Token"),
  forbidden: () => gatewayResponse(403, "ForbiddenException", "Forbidden"),
  unauthorized: () => gatewayResponse(401, "UnauthorizedException", "Unauthorized"),
  accessDenied: () =>
    gatewayResponse(
      403,
      "AccessDeniedException",
      "User is not authorized to access this resource",
      "Message",
    ),
  explicitDeny: () =>
    gatewayResponse(
      403,
      "AccessDeniedException",
      "User is not authorized to access this resource with an explicit deny",
      "Message",
    ),
  authorizerFailure: () => gatewayResponse(500, "AuthorizerConfigurationException", null),
  throttled: () => gatewayResponse(429, "TooManyRequestsException", "Too Many Requests"),
  quotaExceeded: () => gatewayResponse(429, "LimitExceededException", "Limit Exceeded"),
  timeout: () => gatewayResponse(504, "IntegrationTimeout", "Endpoint request timed out"),
  internalError: () => gatewayResponse(500, "InternalServerErrorException", "Internal server error"),
  badGateway: () => gatewayResponse(502, "BadGatewayException", "Internal server error"),
  unsupportedMediaType: () => gatewayResponse(415, "UnsupportedMediaTypeException", "Unsupported Media Type"),
  tooLarge: () => gatewayResponse(413, "RequestTooLargeException", "Request Too Long"),
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
