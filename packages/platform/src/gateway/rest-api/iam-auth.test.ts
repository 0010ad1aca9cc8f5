import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import type { AwsRequest } from "../../aws/http-types.js";
import { ManualClock } from "../../core/clock.js";
import { authorizeIam } from "./iam-auth.js";

const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5));
const keys = { accessKeyId: "AKIDGOOD", secretAccessKey: "good-secret" };

async function request(service: string, secretAccessKey = keys.secretAccessKey): Promise<AwsRequest> {
  const signer = new SignatureV4({
    service,
    region: "us-east-1",
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: "GET",
      protocol: "http:",
      hostname: "abc1234567.execute-api.localhost",
      path: "/prod/items",
      headers: { host: "abc1234567.execute-api.localhost" },
    },
    { signingDate: new Date(clock.now()) },
  );
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    requestId: "r",
    method: "GET",
    rawPath: "/prod/items",
    query: new URLSearchParams(),
    rawQuery: "",
    headers,
    body: Buffer.alloc(0),
    hostname: "abc1234567.execute-api.localhost",
    origin: "http://abc1234567.execute-api.localhost",
    caller: {
      accessKeyId: undefined,
      signingService: undefined,
      region: "us-east-1",
      accountId: "000000000000",
    },
  };
}

describe("authorizeIam with verified signatures", () => {
  const auth = { enabled: true, credentials: [keys] };

  it("accepts a signature made with a configured key", async () => {
    const identity = authorizeIam(await request("execute-api"), auth, clock, "000000000000");
    expect(identity).toEqual({
      accessKey: "AKIDGOOD",
      accountId: "000000000000",
      caller: "AKIDGOOD",
      user: "AKIDGOOD",
      userArn: "arn:aws:iam::000000000000:user/AKIDGOOD",
    });
  });

  it("refuses a wrong secret, a wrong service and no signature with 403", async () => {
    const wrongSecret = authorizeIam(await request("execute-api", "other"), auth, clock, "000000000000");
    expect(wrongSecret).toMatchObject({ status: 403, responseType: "INVALID_SIGNATURE" });
    const wrongService = authorizeIam(await request("lambda"), auth, clock, "000000000000");
    expect(wrongService).toMatchObject({ status: 403 });
    const unsigned = {
      ...(await request("execute-api")),
      headers: { host: "abc1234567.execute-api.localhost" },
    };
    expect(authorizeIam(unsigned, auth, clock, "000000000000")).toMatchObject({
      status: 403,
      responseType: "MISSING_AUTHENTICATION_TOKEN",
    });
  });
});
