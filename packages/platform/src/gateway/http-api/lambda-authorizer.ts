/**
 * The answers of Lambda REQUEST authorizers: a simple response (`isAuthorized`, payload 2.0 with
 * EnableSimpleResponses) or an IAM policy (`principalId`, `policyDocument`, `context`), checked
 * against the route ARN (`arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`).
 */
export type AuthorizerDecision =
  | { allow: true; context: Record<string, unknown> | null; principalId?: string }
  | { allow: false; status: 403 | 500; problem: string };

/** Reads a REQUEST authorizer's response; `routeArn` is what an IAM policy must allow. */
export function decideAuthorizer(response: unknown, simple: boolean, routeArn: string): AuthorizerDecision {
  if (!isRecord(response))
    return { allow: false, status: 500, problem: "the authorizer's response is not an object" };
  const context = response.context === undefined || response.context === null ? null : response.context;
  if (context !== null && !isRecord(context)) {
    return { allow: false, status: 500, problem: "the authorizer's context is not an object" };
  }
  if (simple) {
    if (typeof response.isAuthorized !== "boolean") {
      return { allow: false, status: 500, problem: "isAuthorized is missing from a simple response" };
    }
    return response.isAuthorized
      ? { allow: true, context }
      : { allow: false, status: 403, problem: "isAuthorized is false" };
  }
  const policy = response.policyDocument;
  if (!isRecord(policy) || !Array.isArray(policy.Statement)) {
    return { allow: false, status: 500, problem: "policyDocument is missing or has no Statement list" };
  }
  const effect = evaluatePolicy(policy.Statement, routeArn);
  if (effect !== "Allow")
    return {
      allow: false,
      status: 403,
      problem: `the policy ${effect === "Deny" ? "denies" : "does not allow"} ${routeArn}`,
    };
  const principalId = typeof response.principalId === "string" ? response.principalId : undefined;
  return principalId === undefined ? { allow: true, context } : { allow: true, context, principalId };
}

/** IAM's rule: an explicit Deny wins, else an Allow is needed. Only `execute-api:Invoke` counts. */
export function evaluatePolicy(statements: unknown[], resource: string): "Allow" | "Deny" | "None" {
  let allowed = false;
  for (const statement of statements) {
    if (!isRecord(statement)) continue;
    const actions = list(statement.Action);
    if (!actions.some((a) => wildcard(a, "execute-api:Invoke"))) continue;
    if (!list(statement.Resource).some((r) => wildcard(r, resource))) continue;
    if (statement.Effect === "Deny") return "Deny";
    if (statement.Effect === "Allow") allowed = true;
  }
  return allowed ? "Allow" : "None";
}

/** IAM wildcards: `*` any run of characters, `?` one character; case-sensitive. */
function wildcard(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(value);
}

function list(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
