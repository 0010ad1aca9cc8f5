import { randomBytes, randomUUID } from "node:crypto";

/** A request id in the UUID form AWS uses. */
export function newRequestId(): string {
  return randomUUID();
}

/** Lowercase hex of `bytes` random bytes. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}
