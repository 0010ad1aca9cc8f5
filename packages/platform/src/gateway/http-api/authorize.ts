import type { Clock } from "../../core/clock.js";
import { isPlatformError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { Invoker } from "../../invoke/index.js";
import type { EventAuthorizer } from "../function-url/event-v2.js";
import type { JwksCache } from "./jwks.js";
import { checkJwt, claimsForEvent, decodeJwt, tokenScopes } from "./jwt.js";
import { functionTarget } from "./lambda-arn.js";
import { decideAuthorizer } from "./lambda-authorizer.js";
import type { AuthorizerRecord, RouteRecord } from "./model.js";
import { eventV1, eventV2, identityValue, type RequestView, routeArn } from "./request-view.js";

/** What an authorizer said: the caller's identity for the event, or the answer to send instead. */
export type AuthOutcome =
  | { ok: true; v2: EventAuthorizer; v1: Record<string, unknown> }
  | { ok: false; status: 401 | 403 | 500; message: string; problem: string };

export interface AuthorizeDeps {
  invoker: Invoker;
  clock: Clock;
  jwks: JwksCache;
  logger: Logger;
}

const UNAUTHORIZED = (problem: string): AuthOutcome => ({
  ok: false,
  status: 401,
  message: "Unauthorized",
  problem,
});
const FORBIDDEN = (problem: string): AuthOutcome => ({
  ok: false,
  status: 403,
  message: "Forbidden",
  problem,
});
const FAILED = (problem: string): AuthOutcome => ({
  ok: false,
  status: 500,
  message: "Internal Server Error",
  problem,
});

/**
 * JWT and Lambda REQUEST authorizers of routes. Lambda results are cached per authorizer and
 * identity-source values for AuthorizerResultTtlInSeconds (a policy is cached and checked
 * against each request's route ARN, as AWS does).
 */
export class Authorize {
  private readonly cache = new Map<string, { expiresAt: number; response: unknown }>();

  constructor(private readonly deps: AuthorizeDeps) {}

  async run(route: RouteRecord, authorizer: AuthorizerRecord, view: RequestView): Promise<AuthOutcome> {
    return authorizer.authorizerType === "JWT"
      ? this.jwt(route, authorizer, view)
      : this.lambda(authorizer, view);
  }

  /** Forgets cached Lambda results of an API's authorizers. */
  forget(apiId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${apiId}/`)) this.cache.delete(key);
  }

  private async jwt(
    route: RouteRecord,
    authorizer: AuthorizerRecord,
    view: RequestView,
  ): Promise<AuthOutcome> {
    const config = authorizer.jwtConfiguration;
    const raw = identityValue(authorizer.identitySource[0] ?? "$request.header.Authorization", view);
    if (!config || raw === undefined) return UNAUTHORIZED("no token in the identity source");
    const token = raw.replace(/^Bearer\s+/i, "");
    const decoded = decodeJwt(token);
    if (!decoded) return UNAUTHORIZED("the token is not a JWT");
    let keys: Awaited<ReturnType<JwksCache["keys"]>>;
    try {
      keys = await this.deps.jwks.keys(config.issuer, decoded.header.kid);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, issuer: config.issuer },
        "the JWT issuer's keys could not be fetched",
      );
      return UNAUTHORIZED("the issuer's keys could not be fetched");
    }
    const check = checkJwt(decoded, {
      issuer: config.issuer,
      audience: config.audience,
      keys,
      nowMs: this.deps.clock.now(),
    });
    if (!check.ok) return UNAUTHORIZED(`invalid token: ${check.reason}`);
    const scopes = tokenScopes(check.claims);
    const wanted = route.authorizationScopes ?? [];
    if (wanted.length > 0 && !wanted.some((s) => scopes.includes(s)))
      return FORBIDDEN("the token has none of the route's scopes");
    const claims = claimsForEvent(check.claims);
    const eventScopes = scopes.length > 0 ? scopes : null;
    return { ok: true, v2: { jwt: { claims, scopes: eventScopes } }, v1: { claims, scopes: eventScopes } };
  }

  private async lambda(authorizer: AuthorizerRecord, view: RequestView): Promise<AuthOutcome> {
    const values: string[] = [];
    for (const source of authorizer.identitySource) {
      const value = identityValue(source, view);
      if (value === undefined) return UNAUTHORIZED(`identity source ${source} is missing`);
      values.push(value);
    }
    const simple = authorizer.enableSimpleResponses;
    const ttlMs = authorizer.authorizerResultTtlInSeconds * 1000;
    const key = `${view.apiId}/${authorizer.authorizerId}\n${values.join("\n")}`;
    const now = this.deps.clock.now();
    let response: unknown;
    const cached = ttlMs > 0 ? this.cache.get(key) : undefined;
    if (cached && cached.expiresAt > now) {
      response = cached.response;
    } else {
      const called = await this.callAuthorizer(authorizer, view, values);
      if ("problem" in called) return FAILED(called.problem);
      response = called.response;
      if (ttlMs > 0) this.cache.set(key, { expiresAt: now + ttlMs, response });
    }
    const decision = decideAuthorizer(response, simple, routeArn(view));
    if (!decision.allow) {
      if (decision.status === 500) return FAILED(decision.problem);
      return FORBIDDEN(decision.problem);
    }
    const context = decision.context;
    const v1: Record<string, unknown> = { lambda: context };
    if (decision.principalId !== undefined) v1.principalId = decision.principalId;
    return { ok: true, v2: { lambda: context }, v1 };
  }

  private async callAuthorizer(
    authorizer: AuthorizerRecord,
    view: RequestView,
    values: string[],
  ): Promise<{ response: unknown } | { problem: string }> {
    const target = functionTarget(authorizer.authorizerUri ?? "");
    if (!target) return { problem: "the authorizer names no function" };
    const event = authorizerEvent(authorizer, view, values);
    try {
      const result = await this.deps.invoker.invoke({
        functionName: target.functionArn,
        qualifier: target.qualifier,
        payload: Buffer.from(JSON.stringify(event)),
        tailLog: false,
        clientContext: undefined,
        dryRun: false,
      });
      if (result.functionError !== undefined)
        return { problem: `the authorizer failed with ${result.errorType ?? "an error"}` };
      return { response: JSON.parse(result.payload.toString("utf8")) as unknown };
    } catch (error) {
      if (!isPlatformError(error) && !(error instanceof SyntaxError)) throw error;
      return { problem: `the authorizer could not be invoked: ${(error as Error).message}` };
    }
  }
}

/** The REQUEST authorizer event: the request's event of that payload version, without the body. */
function authorizerEvent(
  authorizer: AuthorizerRecord,
  view: RequestView,
  values: string[],
): Record<string, unknown> {
  if (authorizer.authorizerPayloadFormatVersion === "2.0") {
    const { body: _body, isBase64Encoded: _b64, ...rest } = eventV2(view, undefined);
    return { ...rest, type: "REQUEST", routeArn: routeArn(view), identitySource: values };
  }
  const { body: _body, isBase64Encoded: _b64, ...rest } = eventV1(view, undefined);
  return {
    ...rest,
    type: "REQUEST",
    methodArn: routeArn(view),
    identitySource: values.join(","),
    authorizationToken: values.join(","),
  };
}
