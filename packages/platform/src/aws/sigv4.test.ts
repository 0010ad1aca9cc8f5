import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@aws-crypto/sha256-js";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest, QueryParameterBag } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canonicalPathDoubleEncoded,
  canonicalQuery,
  parseAuthorization,
  type SignedRequest,
  type SigV4Scope,
  verifySignature,
} from "./sigv4.js";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: SECRET };
const SIGNED_AT = new Date(Date.UTC(2025, 0, 1, 12, 0, 0));
const NOW = SIGNED_AT.getTime();
const MINUTE = 60_000;
const LAMBDA_INVOKE_PATH =
  "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations";
const MISMATCH_MESSAGE =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

function signer(service: string, options: { uriEscapePath?: boolean; applyChecksum?: boolean } = {}) {
  return new SignatureV4({
    credentials,
    region: "us-east-1",
    service,
    sha256: Sha256,
    uriEscapePath: options.uriEscapePath ?? true,
    applyChecksum: options.applyChecksum ?? true,
  });
}

function request(partial: Partial<HttpRequest> & Pick<HttpRequest, "method" | "path">): HttpRequest {
  return {
    protocol: "http:",
    hostname: "127.0.0.1",
    port: 4566,
    query: {},
    ...partial,
    headers: { host: "127.0.0.1:4566", ...partial.headers },
  };
}

/** The query string the SDK puts on the wire (smithy `buildQueryString`). */
function wireQuery(query: QueryParameterBag): string {
  const encode = (value: string) =>
    encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (Array.isArray(value)) for (const item of value) parts.push(`${encode(key)}=${encode(item)}`);
    else if (typeof value === "string") parts.push(`${encode(key)}=${encode(value)}`);
    else parts.push(encode(key));
  }
  return parts.join("&");
}

/** What a Node server receives for a signed request: lower-case headers, raw path and query. */
function onTheWire(signed: HttpRequest): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  const body = signed.body === undefined ? undefined : Buffer.from(signed.body as string | Uint8Array);
  return {
    method: signed.method,
    rawPath: signed.path,
    rawQuery: wireQuery(signed.query ?? {}),
    headers,
    body,
  };
}

function scopeOf(req: SignedRequest): SigV4Scope {
  const scope = parseAuthorization(req.headers, new URLSearchParams(req.rawQuery));
  if (!scope) throw new Error("request carries no SigV4 scope");
  return scope;
}

function verify(req: SignedRequest, secret = SECRET, now = NOW) {
  return verifySignature(req, scopeOf(req), secret, now);
}

async function signedInvoke(options: { applyChecksum?: boolean } = {}): Promise<SignedRequest> {
  const signed = await signer("lambda", options).sign(
    request({
      method: "POST",
      path: LAMBDA_INVOKE_PATH,
      query: { Qualifier: "$LATEST" },
      headers: {
        "content-type": "application/json",
        "x-amz-invocation-type": "RequestResponse",
        "amz-sdk-request": "attempt=1; max=3",
      },
      body: JSON.stringify({ hello: "world" }),
    }),
    { signingDate: SIGNED_AT },
  );
  return onTheWire(signed as HttpRequest);
}

describe("parseAuthorization", () => {
  it("reads key, scope, signed headers and date from the Authorization header", async () => {
    const req = await signedInvoke();
    const scope = scopeOf(req);
    expect(scope).toMatchObject({
      accessKeyId: "AKIDEXAMPLE",
      date: "20250101",
      region: "us-east-1",
      service: "lambda",
      amzDate: "20250101T120000Z",
      presigned: false,
      expiresSeconds: undefined,
      securityToken: undefined,
    });
    expect(scope.signedHeaders).toContain("host");
    expect(scope.signedHeaders).toContain("x-amz-date");
    expect(scope.signature).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads the same data from presigned query parameters, with the expiry and session token", async () => {
    const presigned = await new SignatureV4({
      credentials: { ...credentials, sessionToken: "token-123" },
      region: "eu-west-1",
      service: "lambda",
      sha256: Sha256,
    }).presign(request({ method: "GET", path: "/" }), { signingDate: SIGNED_AT, expiresIn: 300 });
    const scope = scopeOf(onTheWire(presigned));
    expect(scope).toMatchObject({
      accessKeyId: "AKIDEXAMPLE",
      region: "eu-west-1",
      service: "lambda",
      signedHeaders: ["host"],
      amzDate: "20250101T120000Z",
      presigned: true,
      expiresSeconds: 300,
      securityToken: "token-123",
    });
  });

  it("tolerates extra spaces between the Authorization header fields", () => {
    const scope = parseAuthorization(
      {
        authorization:
          "AWS4-HMAC-SHA256   Credential=AK/20250101/us-west-2/states/aws4_request ,SignedHeaders=host;x-amz-date,  Signature=abc",
      },
      new URLSearchParams(),
    );
    expect(scope).toMatchObject({
      region: "us-west-2",
      service: "states",
      signedHeaders: ["host", "x-amz-date"],
    });
  });

  it("returns undefined for unsigned requests, other schemes and malformed credentials", () => {
    const none = new URLSearchParams();
    expect(parseAuthorization({}, none)).toBeUndefined();
    expect(parseAuthorization({ authorization: "Bearer abc" }, none)).toBeUndefined();
    expect(
      parseAuthorization(
        {
          authorization:
            "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/lambda, SignedHeaders=host, Signature=x",
        },
        none,
      ),
    ).toBeUndefined();
    expect(
      parseAuthorization(
        { authorization: "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/lambda/aws4_request" },
        none,
      ),
    ).toBeUndefined();
    expect(parseAuthorization({}, new URLSearchParams("X-Amz-Algorithm=AWS4-HMAC-SHA256"))).toBeUndefined();
  });
});

describe("verifySignature", () => {
  describe("lambda restJson paths (double-encoded)", () => {
    it("accepts an Invoke of an ARN-named function with a $LATEST qualifier", async () => {
      const req = await signedInvoke();
      expect(req.rawQuery).toBe("Qualifier=%24LATEST");
      expect(verify(req)).toEqual({ ok: true });
    });

    it("accepts a request without x-amz-content-sha256 by hashing the body", async () => {
      const req = await signedInvoke({ applyChecksum: false });
      expect(req.headers["x-amz-content-sha256"]).toBeUndefined();
      expect(verify(req)).toEqual({ ok: true });
    });

    it("rejects a wrong secret with AWS's InvalidSignatureException", async () => {
      const result = verify(await signedInvoke(), "not-the-secret");
      expect(result).toEqual({
        ok: false,
        reason: "signature-mismatch",
        code: "ERR_AWS_INVALID_SIGNATURE",
        awsName: "InvalidSignatureException",
        status: 403,
        message: MISMATCH_MESSAGE,
      });
    });

    it("rejects a tampered body when the hash is computed from the body", async () => {
      const req = await signedInvoke({ applyChecksum: false });
      const result = verify({ ...req, body: Buffer.from(JSON.stringify({ hello: "mallory" })) });
      expect(result).toMatchObject({ ok: false, reason: "signature-mismatch", status: 403 });
    });

    it("rejects a tampered body even when x-amz-content-sha256 still names the old hash", async () => {
      const req = await signedInvoke();
      expect(req.headers["x-amz-content-sha256"]).toMatch(/^[0-9a-f]{64}$/);
      const result = verify({ ...req, body: Buffer.from("{}") });
      expect(result).toMatchObject({
        ok: false,
        reason: "payload-hash-mismatch",
        awsName: "InvalidSignatureException",
      });
    });

    it("accepts a body hash supplied by the caller instead of the body", async () => {
      const req = await signedInvoke({ applyChecksum: false });
      const { createHash } = await import("node:crypto");
      const payloadHash = createHash("sha256")
        .update(req.body ?? "")
        .digest("hex");
      expect(verify({ ...req, body: undefined, payloadHash })).toEqual({ ok: true });
    });

    it("rejects a tampered signed header but ignores unsigned ones", async () => {
      const req = await signedInvoke();
      const tampered = { ...req, headers: { ...req.headers, "x-amz-invocation-type": "Event" } };
      expect(verify(tampered)).toMatchObject({ ok: false, reason: "signature-mismatch" });
      const extra = {
        ...req,
        headers: { ...req.headers, "user-agent": "curl/8", "x-forwarded-for": "1.2.3.4" },
      };
      expect(verify(extra)).toEqual({ ok: true });
    });

    it("rejects a changed path, query or method", async () => {
      const req = await signedInvoke();
      expect(verify({ ...req, rawPath: req.rawPath.replace("function%3Af", "function%3Ag") }).ok).toBe(false);
      expect(verify({ ...req, rawQuery: "Qualifier=1" }).ok).toBe(false);
      expect(verify({ ...req, method: "PUT" }).ok).toBe(false);
    });

    it("rejects a request whose signed header is missing", async () => {
      const req = await signedInvoke();
      const { "x-amz-invocation-type": _dropped, ...rest } = req.headers;
      expect(verify({ ...req, headers: rest })).toMatchObject({ ok: false, reason: "signature-mismatch" });
    });

    it("trims header values and collapses inner spaces as the signer does", async () => {
      const signed = await signer("lambda").sign(
        request({ method: "GET", path: "/2015-03-31/functions/", headers: { "x-custom": "  a   b \t c  " } }),
        { signingDate: SIGNED_AT },
      );
      const req = onTheWire(signed as HttpRequest);
      // Node strips the outer whitespace of header values; inner runs remain.
      expect(verify({ ...req, headers: { ...req.headers, "x-custom": "a   b \t c" } })).toEqual({ ok: true });
    });

    it("normalizes empty and dot path segments like the SDK", async () => {
      const signed = await signer("lambda").sign(
        request({ method: "GET", path: "/2015-03-31//functions/./my-fn/../f/configuration/" }),
        { signingDate: SIGNED_AT },
      );
      expect(verify(onTheWire(signed as HttpRequest))).toEqual({ ok: true });
    });

    it("encodes and sorts repeated and special query parameters", async () => {
      const signed = await signer("lambda").sign(
        request({
          method: "GET",
          path: "/2015-03-31/functions/",
          query: { b: ["2", "10", "1"], a: "x y+z/é*", "c~": "", Marker: "abc=" },
        }),
        { signingDate: SIGNED_AT },
      );
      const req = onTheWire(signed as HttpRequest);
      expect(verify(req)).toEqual({ ok: true });
      // Order on the wire does not matter.
      const shuffled = req.rawQuery.split("&").reverse().join("&");
      expect(verify({ ...req, rawQuery: shuffled })).toEqual({ ok: true });
    });
  });

  describe("clock", () => {
    it("accepts a request up to 5 minutes old or ahead", async () => {
      const req = await signedInvoke();
      expect(verify(req, SECRET, NOW + 5 * MINUTE)).toEqual({ ok: true });
      expect(verify(req, SECRET, NOW - 5 * MINUTE)).toEqual({ ok: true });
    });

    it("rejects a request more than 5 minutes old as expired", async () => {
      const result = verify(await signedInvoke(), SECRET, NOW + 10 * MINUTE);
      expect(result).toEqual({
        ok: false,
        reason: "expired",
        code: "ERR_AWS_INVALID_SIGNATURE",
        awsName: "InvalidSignatureException",
        status: 403,
        message:
          "Signature expired: 20250101T120000Z is now earlier than 20250101T120500Z (20250101T121000Z - 5 min.)",
      });
    });

    it("rejects a request from more than 5 minutes in the future", async () => {
      const result = verify(await signedInvoke(), SECRET, NOW - 6 * MINUTE);
      expect(result).toMatchObject({ ok: false, reason: "expired", status: 403 });
      expect(result.ok ? "" : result.message).toMatch(/^Signature not yet current: 20250101T120000Z/);
    });

    it("rejects a request without a date and a scope whose date differs from X-Amz-Date", async () => {
      const req = await signedInvoke();
      const { "x-amz-date": _date, ...noDate } = req.headers;
      expect(verify({ ...req, headers: noDate })).toMatchObject({
        ok: false,
        reason: "malformed",
        awsName: "IncompleteSignatureException",
        status: 400,
      });
      const otherDay = { ...req, headers: { ...req.headers, "x-amz-date": "20250102T120000Z" } };
      expect(verifySignature(otherDay, scopeOf(otherDay), SECRET, NOW + 24 * 60 * MINUTE)).toMatchObject({
        ok: false,
        reason: "malformed",
      });
      const badDate = { ...req, headers: { ...req.headers, "x-amz-date": "20251301T120000Z" } };
      expect(verify(badDate)).toMatchObject({ ok: false, reason: "malformed" });
    });
  });

  describe("awsJson", () => {
    it("accepts a JSON-RPC POST to / and rejects it with a changed X-Amz-Target", async () => {
      const signed = await signer("logs").sign(
        request({
          method: "POST",
          path: "/",
          headers: {
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": "Logs_20140328.PutLogEvents",
          },
          body: JSON.stringify({ logGroupName: "/aws/lambda/f", logEvents: [] }),
        }),
        { signingDate: SIGNED_AT },
      );
      const req = onTheWire(signed as HttpRequest);
      expect(verify(req)).toEqual({ ok: true });
      const retargeted = {
        ...req,
        headers: { ...req.headers, "x-amz-target": "Logs_20140328.DeleteLogGroup" },
      };
      expect(verify(retargeted)).toMatchObject({ ok: false, reason: "signature-mismatch" });
    });
  });

  describe("s3 (single-encoded paths)", () => {
    const s3 = () => signer("s3", { uriEscapePath: false });

    it("accepts a key with encoded spaces, plus and double slashes signed as on the wire", async () => {
      const signed = await s3().sign(
        request({
          method: "PUT",
          path: "/bucket/dir//my%20file%2Bname%3A1.txt",
          headers: { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
          body: "file body",
        }),
        { signingDate: SIGNED_AT },
      );
      const req = onTheWire(signed as HttpRequest);
      expect(verify(req)).toEqual({ ok: true });
      // Double-encoding would have produced a different canonical path.
      expect(canonicalPathDoubleEncoded(req.rawPath)).not.toBe(req.rawPath);
    });

    it("signs UNSIGNED-PAYLOAD and STREAMING-* hashes as literal values", async () => {
      for (const hash of ["UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"]) {
        const signed = await s3().sign(
          request({
            method: "PUT",
            path: "/bucket/key",
            headers: { "x-amz-content-sha256": hash },
            body: "chunks",
          }),
          { signingDate: SIGNED_AT },
        );
        const req = onTheWire(signed as HttpRequest);
        expect(verify({ ...req, body: Buffer.from("anything else") })).toEqual({ ok: true });
        expect(verify(req, "wrong")).toMatchObject({
          ok: false,
          awsName: "SignatureDoesNotMatch",
          status: 403,
        });
      }
    });

    it("answers a body that does not match its declared hash with XAmzContentSHA256Mismatch", async () => {
      const signed = await s3().sign(request({ method: "PUT", path: "/bucket/key", body: "original" }), {
        signingDate: SIGNED_AT,
      });
      const req = onTheWire(signed as HttpRequest);
      expect(verify(req)).toEqual({ ok: true });
      expect(verify({ ...req, body: Buffer.from("modified") })).toMatchObject({
        ok: false,
        reason: "payload-hash-mismatch",
        awsName: "XAmzContentSHA256Mismatch",
        status: 400,
      });
    });

    it("answers clock skew with RequestTimeTooSkewed", async () => {
      const signed = await s3().sign(request({ method: "GET", path: "/bucket/key" }), {
        signingDate: SIGNED_AT,
      });
      expect(verify(onTheWire(signed as HttpRequest), SECRET, NOW + 20 * MINUTE)).toMatchObject({
        ok: false,
        reason: "expired",
        awsName: "RequestTimeTooSkewed",
      });
    });
  });

  describe("presigned URLs", () => {
    async function presignedGet(service: string, headers: Record<string, string> = {}) {
      const presigned = await signer(service, { uriEscapePath: service !== "s3" }).presign(
        request({
          method: "GET",
          path: service === "s3" ? "/bucket/a%20key.txt" : "/2015-03-31/functions/",
          headers,
        }),
        { signingDate: SIGNED_AT, expiresIn: 900 },
      );
      return onTheWire(presigned);
    }

    it("accepts a presigned URL until X-Amz-Expires and rejects it after", async () => {
      const req = await presignedGet("lambda");
      expect(req.headers.authorization).toBeUndefined();
      expect(verify(req, SECRET, NOW + 15 * MINUTE)).toEqual({ ok: true });
      expect(verify(req, SECRET, NOW + 15 * MINUTE + 1000)).toMatchObject({
        ok: false,
        reason: "expired",
        awsName: "InvalidSignatureException",
        status: 403,
      });
      const expired = verify(req, SECRET, NOW + 15 * MINUTE + 1000);
      expect(expired.ok ? "" : expired.message).toMatch(
        /^Signature expired: 20250101T120000Z is now earlier than /,
      );
    });

    it("rejects a presigned URL with a wrong secret or a changed parameter", async () => {
      const req = await presignedGet("lambda");
      expect(verify(req, "wrong")).toMatchObject({ ok: false, reason: "signature-mismatch" });
      const longer = { ...req, rawQuery: req.rawQuery.replace("X-Amz-Expires=900", "X-Amz-Expires=604800") };
      expect(verify(longer, SECRET, NOW + 60 * MINUTE)).toMatchObject({
        ok: false,
        reason: "signature-mismatch",
      });
    });

    it("rejects a presigned URL dated in the future", async () => {
      const req = await presignedGet("lambda");
      expect(verify(req, SECRET, NOW - 10 * MINUTE)).toMatchObject({ ok: false, reason: "expired" });
    });

    it("accepts an S3 presigned GET signed over UNSIGNED-PAYLOAD and expires it with AccessDenied", async () => {
      const req = await presignedGet("s3", { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" });
      expect(req.rawQuery.toLowerCase()).toContain("x-amz-content-sha256=unsigned-payload");
      expect(verify(req)).toEqual({ ok: true });
      expect(verify(req, SECRET, NOW + 16 * MINUTE)).toMatchObject({
        ok: false,
        reason: "expired",
        awsName: "AccessDenied",
        message: "Request has expired",
      });
    });

    it("rejects an X-Amz-Expires over one week", async () => {
      const req = await presignedGet("lambda");
      const tooLong = { ...req, rawQuery: req.rawQuery.replace("X-Amz-Expires=900", "X-Amz-Expires=604801") };
      expect(verify(tooLong)).toMatchObject({ ok: false, reason: "malformed", status: 400 });
    });
  });

  describe("canonical parts", () => {
    it("double-encodes lambda labels with : and $", () => {
      expect(canonicalPathDoubleEncoded("/2015-03-31/functions/arn%3Aaws%3Alambda/aliases/%24LATEST")).toBe(
        "/2015-03-31/functions/arn%253Aaws%253Alambda/aliases/%2524LATEST",
      );
    });

    it("sorts by encoded key, then value, and drops the presigned signature", () => {
      expect(canonicalQuery("b=2&a=%7E&b=1&X-Amz-Signature=abc&flag", true)).toBe("a=~&b=1&b=2&flag=");
      expect(canonicalQuery("X-Amz-Signature=abc", false)).toBe("X-Amz-Signature=abc");
      expect(canonicalQuery("a=%ZZ", false)).toBeUndefined();
    });
  });
});

describe("requests from the real AWS SDK over HTTP", () => {
  let server: Server;
  let endpoint: string;
  const received: { req: SignedRequest; at: number }[] = [];

  beforeAll(async () => {
    server = createServer((incoming: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => {
        const url = incoming.url ?? "/";
        const q = url.indexOf("?");
        received.push({
          at: Date.now(),
          req: {
            method: incoming.method ?? "GET",
            rawPath: q === -1 ? url : url.slice(0, q),
            rawQuery: q === -1 ? "" : url.slice(q + 1),
            headers: incoming.headers,
            body: Buffer.concat(chunks),
          },
        });
        const json = incoming.headers["x-amz-target"] !== undefined;
        res.writeHead(200, { "content-type": json ? "application/x-amz-json-1.1" : "application/json" });
        res.end(json ? "{}" : "null");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  });

  const clientConfig = () => ({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });

  it("verifies a LambdaClient Invoke of an ARN with a $LATEST qualifier", async () => {
    const client = new LambdaClient(clientConfig());
    try {
      await client.send(
        new InvokeCommand({
          FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:f",
          Qualifier: "$LATEST",
          Payload: Buffer.from('{"a":1}'),
        }),
      );
    } finally {
      client.destroy();
    }
    const last = received.at(-1);
    if (!last) throw new Error("server received nothing");
    expect(last.req.rawPath).toBe(`${LAMBDA_INVOKE_PATH}`);
    expect(last.req.rawQuery).toBe("Qualifier=%24LATEST");
    expect(verify(last.req, SECRET, last.at)).toEqual({ ok: true });
    expect(verify(last.req, "wrong", last.at)).toMatchObject({ ok: false, reason: "signature-mismatch" });
  });

  it("verifies a CloudWatchLogsClient awsJson call", async () => {
    const client = new CloudWatchLogsClient(clientConfig());
    try {
      await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/lambda/" }));
    } finally {
      client.destroy();
    }
    const last = received.at(-1);
    if (!last) throw new Error("server received nothing");
    expect(last.req.headers["x-amz-target"]).toBe("Logs_20140328.DescribeLogGroups");
    expect(scopeOf(last.req).service).toBe("logs");
    expect(verify(last.req, SECRET, last.at)).toEqual({ ok: true });
    expect(verify({ ...last.req, body: Buffer.from("{}") }, SECRET, last.at)).toMatchObject({ ok: false });
  });
});
