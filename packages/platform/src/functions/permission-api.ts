import { jsonResult, readJsonBody } from "../aws/rest-json.js";
import type { RestRouter } from "../aws/rest-router.js";
import { WireReader } from "../aws/wire-validation.js";
import { PlatformError } from "../core/errors.js";
import type { PermissionStatement } from "./permission-policy.js";
import type { PermissionService } from "./permission-service.js";

const FUNCTION_NAME =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const STATEMENT_ID = /^([a-zA-Z0-9-_.]+)$/;
const ACTION = /^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/;
const PRINCIPAL = /^[^\s]+$/;
const SOURCE_ARN = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;
const SOURCE_ACCOUNT = /^\d{12}$/;
const EVENT_SOURCE_TOKEN = /^[a-zA-Z0-9._-]+$/;
const PRINCIPAL_ORG_ID = /^o-[a-z0-9]{10,32}$/;
const QUALIFIER = /^(|[a-zA-Z0-9$_-]+)$/;
const AUTH_TYPES = ["NONE", "AWS_IAM"] as const;
const BASE = "/2015-03-31/functions/{FunctionName}/policy";

/**
 * AddPermission / RemovePermission / GetPolicy (restJson1): a function's (or version's, or
 * alias's) resource-based policy. Recorded and reported, not enforced (docs/function-permissions.md).
 */
export function addPermissionRoutes(router: RestRouter, permissions: PermissionService): void {
  router.add("POST", BASE, async (req, p) => {
    const name = checked(p.FunctionName, "functionName", FUNCTION_NAME, 140);
    const qualifier = qualifierOf(req.query);
    const reader = new WireReader(readJsonBody(req));
    const sid = reader.string("StatementId", { min: 1, max: 100, pattern: STATEMENT_ID });
    const action = reader.string("Action", { pattern: ACTION });
    const principal = reader.string("Principal", { pattern: PRINCIPAL });
    const sourceArn = reader.string("SourceArn", { pattern: SOURCE_ARN });
    const sourceAccount = reader.string("SourceAccount", { max: 12, pattern: SOURCE_ACCOUNT });
    const eventSourceToken = reader.string("EventSourceToken", { max: 256, pattern: EVENT_SOURCE_TOKEN });
    const principalOrgId = reader.string("PrincipalOrgID", { min: 12, max: 34, pattern: PRINCIPAL_ORG_ID });
    const functionUrlAuthType = reader.enumValue("FunctionUrlAuthType", AUTH_TYPES);
    const revisionId = reader.string("RevisionId");
    // Qualifier is a query parameter on the wire; a body member of that name is not read by AWS.
    reader.done();
    if (sid === undefined) throw missing("statementId");
    if (action === undefined) throw missing("action");
    if (principal === undefined) throw missing("principal");
    const statement: PermissionStatement = {
      sid,
      action,
      principal,
      ...(sourceArn === undefined ? {} : { sourceArn }),
      ...(sourceAccount === undefined ? {} : { sourceAccount }),
      ...(eventSourceToken === undefined ? {} : { eventSourceToken }),
      ...(principalOrgId === undefined ? {} : { principalOrgId }),
      ...(functionUrlAuthType === undefined ? {} : { functionUrlAuthType }),
    };
    const rendered = await permissions.add(name, qualifier, statement, revisionId);
    return jsonResult(201, { Statement: JSON.stringify(rendered) });
  });

  router.add("GET", BASE, async (req, p) => {
    const name = checked(p.FunctionName, "functionName", FUNCTION_NAME, 170);
    const { policy, revisionId } = await permissions.get(name, qualifierOf(req.query));
    return jsonResult(200, { Policy: JSON.stringify(policy), RevisionId: revisionId });
  });

  router.add("DELETE", `${BASE}/{StatementId}`, async (req, p) => {
    const name = checked(p.FunctionName, "functionName", FUNCTION_NAME, 140);
    const sid = checked(p.StatementId, "statementId", STATEMENT_ID, 100);
    await permissions.remove(name, qualifierOf(req.query), sid, req.query.get("RevisionId") ?? undefined);
    return jsonResult(204, undefined);
  });
}

function qualifierOf(query: URLSearchParams): string | undefined {
  const value = query.get("Qualifier");
  if (value === null) return undefined;
  checked(value, "qualifier", QUALIFIER, 128);
  return value === "" ? undefined : value;
}

/** A path or query member checked against its model constraints (ValidationException). */
function checked(raw: string | undefined, member: string, pattern: RegExp, max: number): string {
  const value = raw ?? "";
  const reader = new WireReader({ [member]: value });
  reader.string(member, { min: member === "qualifier" ? 0 : 1, max, pattern });
  reader.done();
  return value;
}

function missing(member: string): PlatformError {
  return new PlatformError({
    code: "ERR_AWS_VALIDATION",
    message: `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    status: 400,
    awsName: "ValidationException",
  });
}
