import { GetAccountSettingsCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

let nimbus: TestNimbus;

beforeAll(async () => {
  nimbus = await startNimbus({
    config: {
      auth: { enabled: true, credentials: [{ accessKeyId: "AKIDNIMBUS", secretAccessKey: "right-secret" }] },
    },
  });
});

afterAll(async () => {
  await nimbus.stop();
});

const client = (accessKeyId: string, secretAccessKey: string) =>
  new LambdaClient({
    endpoint: nimbus.url,
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });

describe("SigV4 authentication with configured keys (--auth)", () => {
  it("accepts a configured key with a valid signature", async () => {
    const out = await client("AKIDNIMBUS", "right-secret").send(new GetAccountSettingsCommand({}));
    expect(out.AccountLimit?.ConcurrentExecutions).toBe(1000);
  });

  it("refuses an unknown access key with UnrecognizedClientException", async () => {
    const error = await client("AKIDOTHER", "right-secret")
      .send(new GetAccountSettingsCommand({}))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("UnrecognizedClientException");
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(403);
  });

  it("refuses a wrong secret with InvalidSignatureException", async () => {
    const error = await client("AKIDNIMBUS", "wrong-secret")
      .send(new GetAccountSettingsCommand({}))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("InvalidSignatureException");
  });

  it("refuses unsigned requests", async () => {
    const res = await fetch(`${nimbus.url}/2016-08-19/account-settings`);
    expect(res.status).toBe(403);
    expect(res.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
  });

  it("still answers the health check unsigned", async () => {
    const res = await fetch(`${nimbus.url}/_nimbus/health`);
    expect(((await res.json()) as { auth: string }).auth).toBe("sigv4-verified");
  });
});
