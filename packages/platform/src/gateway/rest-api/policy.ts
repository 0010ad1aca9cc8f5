/**
 * Evaluates a Lambda authorizer's IAM policy against a method ARN
 * (`arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>`): an explicit Deny
 * wins, then any Allow; nothing matching is a deny. `*` and `?` are wildcards in Resource.
 */
export type PolicyDecision = "allow" | "deny" | "explicit-deny";

/** Evaluates a Lambda authorizer's policy document against a method ARN. */
export function evaluatePolicy(policy: unknown, methodArn: string): PolicyDecision {
  const statements = statementsOf(policy);
  let allowed = false;
  for (const s of statements) {
    if (!actionMatches(s.Action ?? s.action)) continue;
    const resources = listOf(s.Resource ?? s.resource);
    if (!resources.some((r) => wildcardMatch(r, methodArn))) continue;
    const effect = String(s.Effect ?? s.effect ?? "");
    if (effect === "Deny") return "explicit-deny";
    if (effect === "Allow") allowed = true;
  }
  return allowed ? "allow" : "deny";
}

/** Whether a policy document has the shape API Gateway accepts (Version and Statement). */
export function isPolicyDocument(policy: unknown): boolean {
  if (typeof policy !== "object" || policy === null) return false;
  const statement = (policy as Record<string, unknown>).Statement;
  return Array.isArray(statement) || (typeof statement === "object" && statement !== null);
}

function statementsOf(policy: unknown): Record<string, unknown>[] {
  if (!isPolicyDocument(policy)) return [];
  const statement = (policy as Record<string, unknown>).Statement;
  const list = Array.isArray(statement) ? statement : [statement];
  return list.filter((s): s is Record<string, unknown> => typeof s === "object" && s !== null);
}

function actionMatches(action: unknown): boolean {
  return listOf(action).some((a) => wildcardMatch(a, "execute-api:Invoke"));
}

function listOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/** IAM wildcard matching: `*` any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "s",
  );
  return re.test(value);
}
