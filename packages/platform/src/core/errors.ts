/**
 * The one error base of the platform. Areas list their codes in their own `errors.ts`;
 * callers branch on `code`, never on message text. The AWS edge (`aws/`) maps codes to the
 * wire error of each protocol exactly once.
 */
export type ErrorKind = "user" | "system" | "dependency";

export interface PlatformErrorOptions {
  code: string;
  message: string;
  kind?: ErrorKind;
  /** HTTP status the edge should answer with. */
  status?: number;
  /** The AWS exception name (`ResourceNotFoundException`) the edge should answer with. */
  awsName?: string;
  /**
   * The error code of the awsQuery protocol when it differs from `awsName` (SQS's
   * `AWS.SimpleQueueService.NonExistentQueue`; also sent as `x-amzn-query-error` in JSON mode).
   */
  queryCode?: string;
  /** Extra members for the AWS error body (for example `Reason` on throttles). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class PlatformError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly awsName: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly queryCode: string | undefined;

  constructor(options: PlatformErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PlatformError";
    this.code = options.code;
    this.kind = options.kind ?? "user";
    this.status = options.status ?? (this.kind === "user" ? 400 : 500);
    this.awsName = options.awsName;
    this.details = options.details;
    this.queryCode = options.queryCode;
  }
}

/** True when `value` is a PlatformError, checked by shape so it works across module copies. */
export function isPlatformError(value: unknown): value is PlatformError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { kind?: unknown }).kind === "string" &&
    typeof (value as { status?: unknown }).status === "number"
  );
}
