import { PlatformError } from "../../core/errors.js";

/** Stable codes of the REST API (API Gateway v1) area; docs/errors.md lists them. */
export const REST_API_ERRORS = {
  badRequest: "ERR_RESTAPI_BAD_REQUEST",
  notFound: "ERR_RESTAPI_NOT_FOUND",
  conflict: "ERR_RESTAPI_CONFLICT",
  unsupported: "ERR_RESTAPI_UNSUPPORTED",
  importFailed: "ERR_RESTAPI_IMPORT",
} as const;

/** API Gateway's BadRequestException (400). */
export function badRequest(message: string): PlatformError {
  return new PlatformError({
    code: REST_API_ERRORS.badRequest,
    message,
    status: 400,
    awsName: "BadRequestException",
  });
}

/** A feature Nimbus does not implement: refused with BadRequestException naming it. */
export function unsupported(what: string): PlatformError {
  return new PlatformError({
    code: REST_API_ERRORS.unsupported,
    message: `Nimbus does not support ${what}`,
    status: 400,
    awsName: "BadRequestException",
  });
}

/** A definition that cannot be imported (ImportRestApi / PutRestApi). */
export function importFailed(message: string): PlatformError {
  return new PlatformError({
    code: REST_API_ERRORS.importFailed,
    message,
    status: 400,
    awsName: "BadRequestException",
  });
}

/** API Gateway's NotFoundException (404): `Invalid <thing> identifier specified`. */
export function notFound(message: string): PlatformError {
  return new PlatformError({
    code: REST_API_ERRORS.notFound,
    message,
    status: 404,
    awsName: "NotFoundException",
  });
}

/** API Gateway's ConflictException (409). */
export function conflict(message: string): PlatformError {
  return new PlatformError({
    code: REST_API_ERRORS.conflict,
    message,
    status: 409,
    awsName: "ConflictException",
  });
}
