import { isPlatformError, PlatformError } from "../core/errors.js";

/** Constructors for the AWS exceptions that several services share. */
export const awsError = {
  validation: (message: string) =>
    new PlatformError({ code: "ERR_AWS_VALIDATION", message, status: 400, awsName: "ValidationException" }),
  unknownOperation: (message: string) =>
    new PlatformError({
      code: "ERR_AWS_UNKNOWN_OPERATION",
      message,
      status: 404,
      awsName: "UnknownOperationException",
    }),
  serialization: (message: string) =>
    new PlatformError({
      code: "ERR_AWS_SERIALIZATION",
      message,
      status: 400,
      awsName: "SerializationException",
    }),
  unrecognizedClient: () =>
    new PlatformError({
      code: "ERR_AWS_UNRECOGNIZED_CLIENT",
      message: "The security token included in the request is invalid.",
      status: 403,
      awsName: "UnrecognizedClientException",
    }),
  invalidSignature: (message: string) =>
    new PlatformError({
      code: "ERR_AWS_INVALID_SIGNATURE",
      message,
      status: 403,
      awsName: "InvalidSignatureException",
    }),
  missingAuth: () =>
    new PlatformError({
      code: "ERR_AWS_MISSING_AUTH",
      message: "Missing Authentication Token",
      status: 403,
      awsName: "MissingAuthenticationTokenException",
    }),
};

export interface WireError {
  name: string;
  message: string;
  status: number;
  /** True for server-side faults (5xx). */
  fault: boolean;
  details: Record<string, unknown>;
  /** awsQuery code when it differs from `name` (see PlatformError.queryCode). */
  queryCode?: string | undefined;
}

/** Normalizes anything thrown into the AWS error to put on the wire. */
export function toWireError(error: unknown): WireError {
  if (isPlatformError(error)) {
    const status = error.status;
    return {
      name: error.awsName ?? (status >= 500 ? "ServiceException" : "InvalidParameterValueException"),
      message: error.message,
      status,
      fault: status >= 500,
      details: error.details ?? {},
      queryCode: error.queryCode,
    };
  }
  return {
    name: "ServiceException",
    message: "An internal error occurred. See the Nimbus server log for details.",
    status: 500,
    fault: true,
    details: {},
  };
}
