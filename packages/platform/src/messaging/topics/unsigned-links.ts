import { toWireError } from "../../aws/aws-errors.js";
import { type AwsRequest, type HttpResult, header } from "../../aws/http-types.js";
import { dispatchQuery, type QueryService, queryError } from "../../aws/query-protocol.js";
import { PlatformError } from "../../core/errors.js";
import { TOPIC_ERRORS } from "./errors.js";
import type { SubscriptionService } from "./subscription-service.js";

/**
 * The links SNS puts in its messages, opened with a plain unsigned GET: the SubscribeURL
 * (ConfirmSubscription, the token is the proof) and the UnsubscribeURL. SNS accepts both without
 * credentials, except an Unsubscribe of a subscription confirmed with AuthenticateOnUnsubscribe,
 * which needs a signed request. Served as a traffic route so they work with authentication on.
 */
export function unsignedLinksRoute(api: QueryService, subscriptions: SubscriptionService) {
  const serve = async (req: AwsRequest): Promise<HttpResult | undefined> => {
    const action = req.query.get("Action");
    if (action !== "ConfirmSubscription" && action !== "Unsubscribe") return undefined;
    if (req.query.get("Version") !== api.version) return undefined;
    // A signed request takes the ordinary path (and its signature check).
    if (header(req.headers, "authorization") !== undefined || req.query.has("X-Amz-Signature"))
      return undefined;
    try {
      if (action === "Unsubscribe") {
        const sub = await subscriptions.get(req.query.get("SubscriptionArn") ?? undefined);
        if (sub.confirmationWasAuthenticated && (sub.protocol === "http" || sub.protocol === "https"))
          throw new PlatformError({
            code: TOPIC_ERRORS.authorization,
            message:
              "Unsubscribe of a subscription confirmed with AuthenticateOnUnsubscribe needs a signed request",
            status: 403,
            awsName: "AuthorizationError",
          });
      }
      return await dispatchQuery(api, req.query, req);
    } catch (error) {
      return queryError(toWireError(error), api.xmlNamespace, req.requestId);
    }
  };
  // Other requests get no promise (TrafficRoute).
  return (req: AwsRequest) => (req.method === "GET" && req.rawPath === "/" ? serve(req) : undefined);
}
