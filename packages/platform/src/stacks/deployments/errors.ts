import { PlatformError } from "../../core/errors.js";

/** Error codes of gradual deployments, the CodeDeploy API and alarms (docs/errors.md). */
export const DEPLOYMENT_ERRORS = {
  invalidInput: "ERR_STACK_DEPLOY_INVALID_INPUT",
  invalidConfig: "ERR_STACK_DEPLOY_INVALID_CONFIG",
  notFound: "ERR_STACK_DEPLOY_NOT_FOUND",
  exists: "ERR_STACK_DEPLOY_EXISTS",
  inUse: "ERR_STACK_DEPLOY_IN_USE",
  active: "ERR_STACK_DEPLOY_ACTIVE",
  completed: "ERR_STACK_DEPLOY_COMPLETED",
  hookInvalid: "ERR_STACK_DEPLOY_HOOK_INVALID",
  failed: "ERR_STACK_DEPLOY_FAILED",
  alarmInvalid: "ERR_STACK_ALARM_INVALID",
  alarmUnsupported: "ERR_STACK_ALARM_UNSUPPORTED",
} as const;

/** A CodeDeploy client error: `awsName` is the exception CodeDeploy answers with. */
export function codeDeployError(
  code: (typeof DEPLOYMENT_ERRORS)[keyof typeof DEPLOYMENT_ERRORS],
  awsName: string,
  message: string,
): PlatformError {
  return new PlatformError({ code, awsName, message, status: 400 });
}

/** A CloudWatch (awsQuery) client error: `InvalidParameterValue`, `MissingParameter`, ... */
export function alarmError(awsName: string, message: string, unsupported = false): PlatformError {
  return new PlatformError({
    code: unsupported ? DEPLOYMENT_ERRORS.alarmUnsupported : DEPLOYMENT_ERRORS.alarmInvalid,
    awsName,
    message,
    status: 400,
  });
}
