import { PlatformError } from "../../core/errors.js";

/** Error codes of the SAM transform (docs/errors.md, "Stacks (SAM transform)"). */
export const SAM_ERRORS = {
  /** The template breaks the SAM specification (one message lists every problem). */
  invalid: "ERR_STACK_SAM_INVALID",
  /** A CodeUri / ContentUri / DefinitionUri names a local path: package the template first. */
  notPackaged: "ERR_STACK_SAM_NOT_PACKAGED",
} as const;

/** One problem found while transforming, attached to a resource (or event) id. */
export interface SamProblem {
  logicalId: string;
  message: string;
  localPath?: boolean;
}

/**
 * The error of a failed transform, with every problem at once, in SAM's words:
 * `Invalid Serverless Application Specification document. Number of errors found: 2.
 * Resource with id [A] is invalid. ...`. The engine prefixes it with
 * `Transform AWS::Serverless-2016-10-31 failed with: `, as CloudFormation reports it.
 */
export function samTransformError(problems: readonly SamProblem[]): PlatformError {
  const details = problems.map((p) => `Resource with id [${p.logicalId}] is invalid. ${p.message}`).join(" ");
  const onlyLocal = problems.length > 0 && problems.every((p) => p.localPath === true);
  return new PlatformError({
    code: onlyLocal ? SAM_ERRORS.notPackaged : SAM_ERRORS.invalid,
    awsName: "ValidationError",
    message: `Invalid Serverless Application Specification document. Number of errors found: ${problems.length}. ${details}`,
  });
}

/** Thrown inside the transform of one resource; collected by the driver. */
export class SamResourceError extends Error {
  constructor(
    readonly logicalId: string,
    message: string,
    readonly localPath = false,
  ) {
    super(message);
    this.name = "SamResourceError";
  }
}
