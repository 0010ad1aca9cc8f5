import { PlatformError } from "../../core/errors.js";

/** Error codes of HTTP APIs (API Gateway v2 management API and its data plane). */
export const HTTP_API_ERRORS = {
  notFound: "ERR_HTTPAPI_NOT_FOUND",
  badRequest: "ERR_HTTPAPI_BAD_REQUEST",
  unsupported: "ERR_HTTPAPI_UNSUPPORTED",
  conflict: "ERR_HTTPAPI_CONFLICT",
} as const;

/** The API Gateway v2 exceptions (restJson1: the name travels in `x-amzn-ErrorType`). */
export const httpApiError = {
  notFound: (what: string, id: string) =>
    new PlatformError({
      code: HTTP_API_ERRORS.notFound,
      message: `Invalid ${what} identifier specified ${id}`,
      status: 404,
      awsName: "NotFoundException",
    }),
  badRequest: (message: string) =>
    new PlatformError({
      code: HTTP_API_ERRORS.badRequest,
      message,
      status: 400,
      awsName: "BadRequestException",
    }),
  /** A member or value AWS accepts but Nimbus does not apply: refused, naming it. */
  unsupported: (what: string) =>
    new PlatformError({
      code: HTTP_API_ERRORS.unsupported,
      message: `${what} is not supported by Nimbus HTTP APIs.`,
      status: 400,
      awsName: "BadRequestException",
    }),
  conflict: (message: string) =>
    new PlatformError({
      code: HTTP_API_ERRORS.conflict,
      message,
      status: 409,
      awsName: "ConflictException",
    }),
};
