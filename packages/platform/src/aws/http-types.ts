import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";

/** Who is calling, from the SigV4 scope (or defaults for unsigned requests). */
export interface CallerIdentity {
  accessKeyId: string | undefined;
  /** The service named in the SigV4 credential scope (`lambda`, `logs`, ...). */
  signingService: string | undefined;
  region: string;
  accountId: string;
  /** The function whose environment made the call, when it signed with its own credentials. */
  functionName?: string | undefined;
}

/** One HTTP request as the protocol codecs see it. The body is fully read. */
export interface AwsRequest {
  requestId: string;
  method: string;
  /** Path as sent, still percent-encoded, without the query string. */
  rawPath: string;
  query: URLSearchParams;
  /** Query string as sent (still encoded), for signature checks. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Host header without port. */
  hostname: string;
  /** `http://host:port` as the client addressed this server. */
  origin: string;
  /** Address of the connecting client. */
  sourceIp?: string | undefined;
  caller: CallerIdentity;
}

export interface HttpResult {
  status: number;
  /** Reason phrase of the status line, when not the standard one (ALB's `statusDescription`). */
  statusMessage?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Streamed body (takes precedence over `body`). */
  stream?: Readable;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(",") : value;
}
