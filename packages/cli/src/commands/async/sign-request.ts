import { createHash, createHmac } from "node:crypto";

/** Credentials of the AWS environment variables, when set. */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  region: string;
}

/** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN, AWS_REGION), or undefined. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): SigningCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return {
    accessKeyId,
    secretAccessKey,
    sessionToken: env.AWS_SESSION_TOKEN || undefined,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
  };
}

/**
 * SigV4 headers for a body-less request to a Nimbus server (its `/_nimbus/async/...` API
 * checks them when the server runs with `--auth`). Signed as the SDKs sign non-S3 services.
 */
export function signedHeaders(
  method: string,
  url: URL,
  credentials: SigningCredentials,
  now: Date,
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const date = amzDate.slice(0, 8);
  const service = "lambda";
  const headers: Record<string, string> = { host: url.host, "x-amz-date": amzDate };
  if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join("&");
  const canonical = [
    method,
    encode(url.pathname).replace(/%2F/g, "/"),
    query,
    ...names.map((n) => `${n}:${headers[n]}`),
    "",
    names.join(";"),
    sha256(""),
  ].join("\n");
  const scope = `${date}/${credentials.region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  let key: Buffer = Buffer.from(`AWS4${credentials.secretAccessKey}`, "utf8");
  for (const part of [date, credentials.region, service, "aws4_request"]) key = hmac(key, part);
  const signature = hmac(key, toSign).toString("hex");
  // fetch sets Host itself (to url.host, as signed).
  const { host: _host, ...sent } = headers;
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`,
  };
}

function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac("sha256", key).update(text, "utf8").digest();
}
