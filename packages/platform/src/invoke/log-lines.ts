/** The platform lines Lambda writes around each invocation, byte for byte. */
export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export interface ReportFields {
  requestId: string;
  durationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs: number | undefined;
  status?: "timeout" | "error" | undefined;
  errorType?: string | undefined;
}

export function reportLine(f: ReportFields): string {
  let line =
    `REPORT RequestId: ${f.requestId}\tDuration: ${f.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${billedMs(f.durationMs)} ms\tMemory Size: ${f.memorySizeMb} MB\t` +
    `Max Memory Used: ${f.maxMemoryUsedMb} MB\t`;
  if (f.initDurationMs !== undefined) line += `Init Duration: ${f.initDurationMs.toFixed(2)} ms\t`;
  if (f.status === "timeout") line += "Status: timeout";
  else if (f.status === "error" && f.errorType) line += `Status: error\tError Type: ${f.errorType}`;
  return line;
}

/** Billing rounds the duration up to the next millisecond (at least 1). */
export function billedMs(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs));
}

export function timeoutLine(epochMs: number, requestId: string, timeoutSec: number): string {
  return `${new Date(epochMs).toISOString()} ${requestId} Task timed out after ${timeoutSec.toFixed(2)} seconds`;
}

/** The last `maxBytes` of `text`, cut on a UTF-8 character boundary. */
export function tailBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let start = bytes.length - maxBytes;
  // Skip UTF-8 continuation bytes so the tail starts on a whole character.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString("utf8");
}
