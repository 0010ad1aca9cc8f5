import { PlatformError } from "../core/errors.js";

/** Error codes of the event source mappings area, each with the AWS exception it surfaces as. */
export const SOURCES_ERRORS = {
  notFound: "ERR_SOURCES_MAPPING_NOT_FOUND",
  conflict: "ERR_SOURCES_MAPPING_CONFLICT",
  invalidParameter: "ERR_SOURCES_INVALID_PARAMETER",
  unsupported: "ERR_SOURCES_UNSUPPORTED",
  invalidFilter: "ERR_SOURCES_INVALID_FILTER",
} as const;

export const sourcesError = {
  notFound: (uuid: string) =>
    new PlatformError({
      code: SOURCES_ERRORS.notFound,
      message: `The resource you requested does not exist. (Service: Lambda, Status Code: 404, Event source mapping: ${uuid})`,
      status: 404,
      awsName: "ResourceNotFoundException",
    }),
  conflict: (message: string) =>
    new PlatformError({
      code: SOURCES_ERRORS.conflict,
      message,
      status: 409,
      awsName: "ResourceConflictException",
    }),
  invalid: (message: string) =>
    new PlatformError({
      code: SOURCES_ERRORS.invalidParameter,
      message,
      status: 400,
      awsName: "InvalidParameterValueException",
    }),
  /** A parameter or event source AWS accepts but Nimbus cannot apply: refused by name, never ignored. */
  unsupported: (message: string) =>
    new PlatformError({
      code: SOURCES_ERRORS.unsupported,
      message,
      status: 400,
      awsName: "InvalidParameterValueException",
    }),
  invalidFilter: (message: string) =>
    new PlatformError({
      code: SOURCES_ERRORS.invalidFilter,
      message,
      status: 400,
      awsName: "InvalidParameterValueException",
    }),
};
