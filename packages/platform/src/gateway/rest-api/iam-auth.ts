import type { AwsRequest } from "../../aws/http-types.js";
import { parseAuthorization, verifySignature } from "../../aws/sigv4.js";
import type { Clock } from "../../core/clock.js";
import type { IdentityV1 } from "../payload-v1/event-v1.js";
import { type GatewayAnswer, gatewayResponse } from "./gateway-response.js";

/** The server's SigV4 settings: with `enabled`, signatures must verify against these keys. */
export interface IamAuthSettings {
  enabled: boolean;
  credentials: readonly { accessKeyId: string; secretAccessKey: string }[];
}

/** The `identity` members an AWS_IAM method fills. */
export type IamIdentity = Pick<IdentityV1, "accessKey" | "accountId" | "caller" | "user" | "userArn">;

/**
 * AWS_IAM authorization of a method: the request must be SigV4-signed for `execute-api`. With
 * server auth enabled the signature must verify against a configured key; without it any
 * signed request passes, as Nimbus's AWS APIs do locally. Nimbus has no IAM policies: a valid
 * signature is allowed. Unsigned requests get 403 `Missing Authentication Token`, as on AWS.
 */
export function authorizeIam(
  req: AwsRequest,
  auth: IamAuthSettings,
  clock: Clock,
  accountId: string,
): IamIdentity | GatewayAnswer {
  const scope = parseAuthorization(req.headers, req.query);
  if (!scope) {
    return gatewayResponse(
      403,
      "MissingAuthenticationTokenException",
      "Missing Authentication Token",
      "MISSING_AUTHENTICATION_TOKEN",
    );
  }
  if (scope.service !== "execute-api") {
    return gatewayResponse(
      403,
      "InvalidSignatureException",
      `Credential should be scoped to correct service: 'execute-api'.`,
      "INVALID_SIGNATURE",
    );
  }
  if (auth.enabled) {
    const secret = auth.credentials.find((c) => c.accessKeyId === scope.accessKeyId)?.secretAccessKey;
    if (secret === undefined) {
      return gatewayResponse(
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        "INVALID_SIGNATURE",
      );
    }
    const verified = verifySignature(
      {
        method: req.method,
        rawPath: req.rawPath,
        rawQuery: req.rawQuery,
        headers: req.headers,
        body: req.body,
      },
      scope,
      secret,
      clock.now(),
    );
    if (!verified.ok) {
      return gatewayResponse(
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
        "INVALID_SIGNATURE",
      );
    }
  }
  return {
    accessKey: scope.accessKeyId,
    accountId,
    caller: scope.accessKeyId,
    user: scope.accessKeyId,
    userArn: `arn:aws:iam::${accountId}:user/${scope.accessKeyId}`,
  };
}
