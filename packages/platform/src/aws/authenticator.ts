import type { IncomingHttpHeaders } from "node:http";
import type { AccountScope } from "../core/arn.js";
import type { Clock } from "../core/clock.js";
import { PlatformError } from "../core/errors.js";
import type { FunctionCredentials } from "../core/function-credentials.js";
import { awsError } from "./aws-errors.js";
import type { AwsRequest, CallerIdentity } from "./http-types.js";
import { chunkSignatureChain, parseAuthorization, verifySignature } from "./sigv4.js";

export interface AuthenticatorConfig {
  enabled: boolean;
  credentials: readonly { accessKeyId: string; secretAccessKey: string }[];
}

/**
 * Who is calling. By default any SigV4-signed (or unsigned) request is accepted and only its
 * scope is read, as local AWS endpoints do. With auth enabled, only configured access keys are
 * accepted and their signatures are verified.
 */
export class Authenticator {
  private readonly secrets: Map<string, string>;

  constructor(
    private readonly config: AuthenticatorConfig,
    private readonly scope: AccountScope,
    private readonly clock: Clock,
    private readonly functionCredentials?: FunctionCredentials,
  ) {
    this.secrets = new Map(config.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  identify(headers: IncomingHttpHeaders, query: URLSearchParams): CallerIdentity {
    const sig = parseAuthorization(headers, query);
    return {
      accessKeyId: sig?.accessKeyId,
      signingService: sig?.service,
      region: sig?.region ?? this.scope.region,
      accountId: this.scope.accountId,
      functionName: sig ? this.functionCredentials?.lookup(sig.accessKeyId)?.functionName : undefined,
    };
  }

  /**
   * With auth on, for uploads signed chunk by chunk (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD...`):
   * a checker of each chunk's signature, chained from the seed signature, that throws the AWS
   * error on a mismatch. Undefined otherwise. Call after `verify` accepted the headers.
   */
  chunkVerifier(req: AwsRequest): ((signature: string, chunkSha256Hex: string) => void) | undefined {
    if (!this.config.enabled) return undefined;
    const mode = req.headers["x-amz-content-sha256"];
    if (typeof mode !== "string" || !mode.startsWith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")) return undefined;
    const sig = parseAuthorization(req.headers, req.query);
    if (!sig || sig.presigned) return undefined;
    const secret =
      this.secrets.get(sig.accessKeyId) ?? this.functionCredentials?.lookup(sig.accessKeyId)?.secretAccessKey;
    if (secret === undefined) return undefined;
    const check = chunkSignatureChain(sig, secret);
    return (signature, chunkSha256Hex) => {
      const result = check(signature, chunkSha256Hex);
      if (!result.ok) {
        throw new PlatformError({
          code: result.code,
          message: result.message,
          status: result.status,
          awsName: result.awsName,
        });
      }
    };
  }

  /**
   * Throws the AWS error when auth is enabled and the request is not validly signed.
   * `payloadHash`: the body's SHA-256 as declared, for streamed bodies (S3) that are checked
   * against it while they are stored.
   */
  verify(req: AwsRequest, payloadHash?: string): void {
    if (!this.config.enabled) return;
    const sig = parseAuthorization(req.headers, req.query);
    if (!sig) throw awsError.missingAuth();
    const secret =
      this.secrets.get(sig.accessKeyId) ?? this.functionCredentials?.lookup(sig.accessKeyId)?.secretAccessKey;
    if (secret === undefined) throw awsError.unrecognizedClient();
    const result = verifySignature(
      {
        method: req.method,
        rawPath: req.rawPath,
        rawQuery: req.rawQuery,
        headers: req.headers,
        body: req.body,
        payloadHash,
      },
      sig,
      secret,
      this.clock.now(),
    );
    if (!result.ok) {
      throw new PlatformError({
        code: result.code,
        message: result.message,
        status: result.status,
        awsName: result.awsName,
      });
    }
  }
}
