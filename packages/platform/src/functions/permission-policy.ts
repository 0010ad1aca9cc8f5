import { PlatformError } from "../core/errors.js";
import { functionsError } from "./errors.js";

/**
 * A function's resource-based policy statement as AddPermission records it (camelCase inside;
 * the wire names live in permission-api.ts). Nimbus records these and answers GetPolicy with
 * them; it does not enforce them (docs/function-permissions.md).
 */
export interface PermissionStatement {
  sid: string;
  /** `lambda:InvokeFunction`, `lambda:InvokeFunctionUrl`, `lambda:*`, ... */
  action: string;
  /** As given: a service (`s3.amazonaws.com`), an account id, an ARN or `*`. */
  principal: string;
  sourceArn?: string;
  sourceAccount?: string;
  eventSourceToken?: string;
  principalOrgId?: string;
  functionUrlAuthType?: "NONE" | "AWS_IAM";
}

/** The policy document of one resource (function, version or alias). */
export interface PermissionPolicy {
  functionName: string;
  /** A version number or alias name; absent for the unqualified function. */
  qualifier?: string;
  /** `createdAt` of the function it belongs to: a function deleted and created again does not inherit it. */
  functionCreatedAt: number;
  revisionId: string;
  statements: PermissionStatement[];
}

export const KIND_FUNCTION_POLICY = "function-policy";

/** Documents sort per function: `<function>/<qualifier or empty>` (names never hold `/`). */
export function policyKey(functionName: string, qualifier: string | undefined): string {
  return `${functionName}/${qualifier ?? ""}`;
}

/** AWS's limit on a function's policy document (PolicyLengthExceededException). */
export const MAX_POLICY_BYTES = 20_480;

export const PERMISSION_ERRORS = {
  policyTooLarge: "ERR_FUNCTIONS_POLICY_TOO_LARGE",
  policyNotFound: "ERR_FUNCTIONS_POLICY_NOT_FOUND",
} as const;

export const permissionError = {
  tooLarge: (size: number) =>
    new PlatformError({
      code: PERMISSION_ERRORS.policyTooLarge,
      message: `The final policy size (${size}) is bigger than the limit (${MAX_POLICY_BYTES}).`,
      status: 400,
      awsName: "PolicyLengthExceededException",
    }),
  notFound: (message: string) =>
    new PlatformError({
      code: PERMISSION_ERRORS.policyNotFound,
      message,
      status: 404,
      awsName: "ResourceNotFoundException",
    }),
};

const ACCOUNT_ID = /^\d{12}$/;
/** Service principals: `s3.amazonaws.com`, `events.amazonaws.com`, `elasticloadbalancing.amazonaws.com`. */
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;
const IAM_ARN = /^arn:aws[a-zA-Z-]*:(iam|sts)::\d{12}:[^\s]+$/;

/**
 * The `Principal` element AWS writes for an AddPermission `Principal`: `*` as is, an account id
 * as its root ARN, an IAM/STS ARN under `AWS`, a service under `Service`. Anything else is
 * refused as AWS refuses it (InvalidParameterValueException).
 */
export function principalJson(principal: string): string | Record<string, string> {
  if (principal === "*") return "*";
  if (ACCOUNT_ID.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (IAM_ARN.test(principal)) return { AWS: principal };
  if (SERVICE_PRINCIPAL.test(principal)) return { Service: principal };
  throw functionsError.invalid(
    "The provided principal was invalid. Please check the principal and try again.",
  );
}

/**
 * One statement as Lambda renders it in GetPolicy and AddPermission's `Statement`:
 * `{Sid, Effect: "Allow", Principal, Action, Resource, Condition?}` with SourceArn under
 * `ArnLike` and the rest under `StringEquals`.
 */
export function statementJson(s: PermissionStatement, resourceArn: string): Record<string, unknown> {
  const stringEquals: Record<string, string> = {};
  if (s.sourceAccount !== undefined) stringEquals["AWS:SourceAccount"] = s.sourceAccount;
  if (s.eventSourceToken !== undefined) stringEquals["lambda:EventSourceToken"] = s.eventSourceToken;
  if (s.principalOrgId !== undefined) stringEquals["aws:PrincipalOrgID"] = s.principalOrgId;
  if (s.functionUrlAuthType !== undefined) stringEquals["lambda:FunctionUrlAuthType"] = s.functionUrlAuthType;
  const condition: Record<string, Record<string, string>> = {};
  if (Object.keys(stringEquals).length > 0) condition.StringEquals = stringEquals;
  if (s.sourceArn !== undefined) condition.ArnLike = { "AWS:SourceArn": s.sourceArn };
  return {
    Sid: s.sid,
    Effect: "Allow",
    Principal: principalJson(s.principal),
    Action: s.action,
    Resource: resourceArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/** The whole policy document: `{Version: "2012-10-17", Id: "default", Statement: [...]}`. */
export function policyJson(statements: PermissionStatement[], resourceArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Id: "default",
    Statement: statements.map((s) => statementJson(s, resourceArn)),
  };
}
