import { createHmac, randomBytes } from "node:crypto";

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/**
 * Credentials Nimbus gives each function's environments (AWS_ACCESS_KEY_ID, ...), so a
 * function's own SDK calls reach Nimbus signed as that function. With authentication on they
 * are accepted alongside the configured keys and name the function in the server log.
 * Derived from a per-process secret: valid while this server runs, like the short-lived
 * credentials of an execution role.
 */
export class FunctionCredentials {
  private readonly byKey = new Map<string, { functionName: string; secretAccessKey: string }>();

  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  issue(functionName: string): IssuedCredentials {
    const digest = createHmac("sha256", this.secret).update(`key:${functionName}`).digest();
    const accessKeyId = `ASIANIMBUS${base32(digest).slice(0, 10)}`;
    const secretAccessKey = createHmac("sha256", this.secret)
      .update(`secret:${functionName}`)
      .digest("base64");
    const sessionToken = createHmac("sha256", this.secret).update(`token:${functionName}`).digest("base64");
    this.byKey.set(accessKeyId, { functionName, secretAccessKey });
    return { accessKeyId, secretAccessKey, sessionToken };
  }

  lookup(accessKeyId: string): { functionName: string; secretAccessKey: string } | undefined {
    return this.byKey.get(accessKeyId);
  }
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(bytes: Buffer): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}
