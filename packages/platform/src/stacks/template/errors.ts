import { PlatformError } from "../../core/errors.js";
import { STACK_ERRORS } from "../model.js";

/** Error codes of template handling (listed in docs/errors.md, "Stacks (templates)"). */
export const TEMPLATE_ERRORS = {
  /** The template breaks the format, or an intrinsic cannot be evaluated. */
  invalid: STACK_ERRORS.templateInvalid,
  /** A parameter value is missing, unknown or breaks a constraint. */
  parameterInvalid: "ERR_STACK_PARAMETER_INVALID",
  /** Valid CloudFormation that Nimbus does not run (macros, SSM parameter types, Rules...). */
  unsupported: "ERR_STACK_TEMPLATE_UNSUPPORTED",
  /** Fn::ImportValue of a name that no stack exports. */
  exportNotFound: "ERR_STACK_EXPORT_NOT_FOUND",
} as const;

function validationError(code: string, message: string): PlatformError {
  return new PlatformError({ code, awsName: "ValidationError", message, status: 400 });
}

/** CloudFormation answers every template problem as a `ValidationError` (400). */
export const templateError = {
  /** `Template format error: ...`: the template's structure. */
  format: (message: string) => validationError(TEMPLATE_ERRORS.invalid, `Template format error: ${message}`),
  /** `Template error: ...`: an intrinsic that cannot be evaluated. */
  evaluation: (message: string) => validationError(TEMPLATE_ERRORS.invalid, `Template error: ${message}`),
  parameter: (message: string) => validationError(TEMPLATE_ERRORS.parameterInvalid, message),
  unsupported: (what: string) =>
    validationError(
      TEMPLATE_ERRORS.unsupported,
      `Template format error: ${what} is not supported by Nimbus.`,
    ),
  exportNotFound: (name: string) =>
    validationError(TEMPLATE_ERRORS.exportNotFound, `No export named ${name} found.`),
  /** A Ref / GetAtt / Sub / DependsOn naming something the block cannot reach. */
  unresolved: (names: Iterable<string>, block: string) =>
    validationError(
      TEMPLATE_ERRORS.invalid,
      `Template format error: Unresolved resource dependencies [${[...names].join(", ")}] in the ${block} block of the template`,
    ),
};
