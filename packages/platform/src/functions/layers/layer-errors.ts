import { PlatformError } from "../../core/errors.js";

/** Error codes of layers (part of the functions area), each with the AWS exception it surfaces as. */
export const LAYER_ERRORS = {
  notFound: "ERR_FUNCTIONS_LAYER_NOT_FOUND",
  invalidReference: "ERR_FUNCTIONS_LAYER_REFERENCE",
  tooLarge: "ERR_FUNCTIONS_LAYERS_TOO_LARGE",
} as const;

export const layerError = {
  /** A layer version, its policy or a policy statement does not exist. */
  notFound: (message: string) =>
    new PlatformError({
      code: LAYER_ERRORS.notFound,
      message,
      status: 404,
      awsName: "ResourceNotFoundException",
    }),
  /** A function's Layers list names a missing layer version, too many layers, or one layer twice. */
  invalidReference: (message: string) =>
    new PlatformError({
      code: LAYER_ERRORS.invalidReference,
      message,
      status: 400,
      awsName: "InvalidParameterValueException",
    }),
  /** The function's code and its layers together unpack past the unzipped limit. */
  tooLarge: (limitBytes: number, actualBytes: number) =>
    new PlatformError({
      code: LAYER_ERRORS.tooLarge,
      message: `Function code combined with layers exceeds the maximum allowed size of ${limitBytes} bytes. The actual size is ${actualBytes} bytes.`,
      status: 400,
      awsName: "InvalidParameterValueException",
    }),
};
