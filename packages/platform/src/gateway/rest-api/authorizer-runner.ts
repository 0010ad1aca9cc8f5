import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { ResponseV1 } from "../payload-v1/response-v1.js";
import { GATEWAY_RESPONSES } from "./gateway-response.js";
import type { FunctionCall } from "./integration-call.js";
import { lambdaFunctionOf, withStageVariables } from "./lambda-uri.js";
import type { AuthorizerDoc } from "./model.js";
import { evaluatePolicy, isPolicyDocument } from "./policy.js";

/** What an authorizer let through: `requestContext.authorizer` and the API key it named. */
export interface Authorization {
  principalId: string;
  /** `requestContext.authorizer`: principalId, integrationLatency and the context values (as strings). */
  context: Record<string, unknown>;
  usageIdentifierKey?: string;
}

/** The request facts an authorizer reads. */
export interface AuthorizerRequest {
  methodArn: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  stageVariables: Record<string, string>;
  /** The REQUEST authorizer's event (payload 1.0 fields plus type and methodArn). */
  requestEvent: () => Record<string, unknown>;
}

/** Cached policies kept at most (one per authorizer and identity). */
const MAX_CACHED = 10_000;

interface CachedPolicy {
  expiresAt: number;
  policy: unknown;
  principalId: string;
  context: Record<string, string>;
  usageIdentifierKey: string | undefined;
}

/**
 * Runs TOKEN and REQUEST Lambda authorizers: takes the identity from its sources (401 when
 * one is missing or the token fails identityValidationExpression), calls the function through
 * the one invoke path, checks its output, caches the policy per identity for the TTL and
 * evaluates it against each method ARN (403 on deny).
 */
export class AuthorizerRunner {
  private readonly cache = new Map<string, CachedPolicy>();

  constructor(
    private readonly call: FunctionCall,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async authorize(
    apiId: string,
    authorizer: AuthorizerDoc,
    req: AuthorizerRequest,
  ): Promise<Authorization | ResponseV1> {
    const identity = identityOf(authorizer, req);
    if (identity === undefined) return GATEWAY_RESPONSES.unauthorized();
    if (authorizer.type === "TOKEN" && authorizer.identityValidationExpression !== undefined) {
      if (!new RegExp(`^(?:${authorizer.identityValidationExpression})$`).test(identity[0] ?? "")) {
        return GATEWAY_RESPONSES.unauthorized();
      }
    }
    const cacheKey = `${apiId}/${authorizer.id}/${JSON.stringify(identity)}`;
    const now = this.clock.now();
    let entry = authorizer.authorizerResultTtlInSeconds > 0 ? this.cache.get(cacheKey) : undefined;
    let latency = 0;
    if (!entry || entry.expiresAt <= now) {
      const started = this.clock.monotonic();
      const result = await this.invoke(authorizer, req, identity[0] ?? "");
      latency = Math.round(this.clock.monotonic() - started);
      if (!("policy" in result)) return result;
      entry = { ...result, expiresAt: now + authorizer.authorizerResultTtlInSeconds * 1000 };
      if (authorizer.authorizerResultTtlInSeconds > 0) this.remember(cacheKey, entry, now);
    }
    const decision = evaluatePolicy(entry.policy, req.methodArn);
    if (decision === "explicit-deny") return GATEWAY_RESPONSES.explicitDeny();
    if (decision === "deny") return GATEWAY_RESPONSES.accessDenied();
    return {
      principalId: entry.principalId,
      context: { ...entry.context, principalId: entry.principalId, integrationLatency: latency },
      ...(entry.usageIdentifierKey !== undefined ? { usageIdentifierKey: entry.usageIdentifierKey } : {}),
    };
  }

  /** Caches a policy; past MAX_CACHED entries the expired ones go, then the oldest. */
  private remember(key: string, entry: CachedPolicy, now: number): void {
    if (this.cache.size >= MAX_CACHED) {
      for (const [k, v] of this.cache) if (v.expiresAt <= now) this.cache.delete(k);
      const oldest = this.cache.keys().next();
      if (this.cache.size >= MAX_CACHED && !oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(key, entry);
  }

  private async invoke(
    authorizer: AuthorizerDoc,
    req: AuthorizerRequest,
    token: string,
  ): Promise<Omit<CachedPolicy, "expiresAt"> | ResponseV1> {
    const event =
      authorizer.type === "TOKEN"
        ? { type: "TOKEN", authorizationToken: token, methodArn: req.methodArn }
        : { type: "REQUEST", methodArn: req.methodArn, ...req.requestEvent() };
    const functionName = lambdaFunctionOf(withStageVariables(authorizer.authorizerUri, req.stageVariables));
    const result = await this.call(functionName, Buffer.from(JSON.stringify(event)), 29_000);
    if (result === "timeout" || "refused" in result) return GATEWAY_RESPONSES.authorizerFailure();
    if (result.functionError !== undefined) {
      const message = errorMessageOf(result.payload);
      // The documented way for an authorizer to answer 401: fail with the message "Unauthorized".
      if (message === "Unauthorized") return GATEWAY_RESPONSES.unauthorized();
      this.logger.info({ authorizer: authorizer.name, message }, "REST API authorizer failed");
      return GATEWAY_RESPONSES.authorizerFailure();
    }
    let output: Record<string, unknown>;
    try {
      output = JSON.parse(result.payload.toString("utf8")) as Record<string, unknown>;
    } catch {
      return GATEWAY_RESPONSES.authorizerFailure();
    }
    const problem = outputProblem(output);
    if (problem) {
      this.logger.info(
        { authorizer: authorizer.name, problem },
        "REST API authorizer answered an invalid policy",
      );
      return GATEWAY_RESPONSES.authorizerFailure();
    }
    const context: Record<string, string> = {};
    for (const [key, value] of Object.entries(
      (output.context as Record<string, unknown> | undefined) ?? {},
    )) {
      context[key] = String(value);
    }
    return {
      policy: output.policyDocument,
      principalId: String(output.principalId),
      context,
      usageIdentifierKey:
        typeof output.usageIdentifierKey === "string" ? output.usageIdentifierKey : undefined,
    };
  }
}

/** The identity values of a request (cache key and TOKEN value), or undefined when one is missing. */
function identityOf(authorizer: AuthorizerDoc, req: AuthorizerRequest): string[] | undefined {
  const sources = (authorizer.identitySource ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const values: string[] = [];
  for (const source of sources) {
    let value: string | undefined;
    if (source.startsWith("method.request.header.")) value = headerOf(req.headers, source.slice(22));
    else if (source.startsWith("method.request.querystring.")) value = req.query[source.slice(27)];
    else if (source.startsWith("stageVariables.")) value = req.stageVariables[source.slice(15)];
    if (value === undefined || value === "") return undefined;
    values.push(value);
  }
  return values;
}

function headerOf(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function outputProblem(output: unknown): string | undefined {
  if (typeof output !== "object" || output === null) return "the output is not an object";
  const o = output as Record<string, unknown>;
  if (typeof o.principalId !== "string" && typeof o.principalId !== "number") return "principalId is missing";
  if (!isPolicyDocument(o.policyDocument)) return "policyDocument is missing or has no Statement";
  if (o.context !== undefined && o.context !== null) {
    if (typeof o.context !== "object" || Array.isArray(o.context)) return "context is not an object";
    for (const value of Object.values(o.context)) {
      if (typeof value === "object" && value !== null)
        return "context values must be strings, numbers or booleans";
    }
  }
  return undefined;
}

/** `errorMessage` of a function error payload. */
export function errorMessageOf(payload: Buffer): string {
  try {
    const parsed = JSON.parse(payload.toString("utf8")) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === "string" ? parsed.errorMessage : "";
  } catch {
    return payload.toString("utf8");
  }
}
