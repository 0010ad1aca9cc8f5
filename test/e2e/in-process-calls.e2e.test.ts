import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

// The in-process API calls stack deploys use: every protocol, same answers as over HTTP.
describe("in-process API calls (server.api)", () => {
  let nimbus: TestNimbus;
  beforeAll(async () => {
    nimbus = await startNimbus();
  });
  afterAll(async () => {
    await nimbus.stop();
  });

  it("calls an awsJson operation and gets the server's queue URL", async () => {
    const out = await nimbus.server.api.json<{ QueueUrl: string }>("AmazonSQS.CreateQueue", {
      QueueName: "q1",
    });
    expect(out.QueueUrl).toBe(`${nimbus.url}/000000000000/q1`);
  });

  it("calls an awsQuery operation and gets its structured result", async () => {
    const out = (await nimbus.server.api.query("sns", "CreateTopic", { Name: "t1" })) as { TopicArn: string };
    expect(out.TopicArn).toBe("arn:aws:sns:us-east-1:000000000000:t1");
  });

  it("calls a restJson operation, and its errors arrive with the AWS name", async () => {
    const out = await nimbus.server.api.rest<{ Functions: unknown[] }>(
      "lambda",
      "GET",
      "/2015-03-31/functions",
    );
    expect(out.Functions).toEqual([]);
    await expect(nimbus.server.api.rest("lambda", "GET", "/2015-03-31/functions/nope")).rejects.toMatchObject(
      {
        awsName: "ResourceNotFoundException",
      },
    );
  });

  it("calls S3 with a body and reads it back", async () => {
    await nimbus.server.api.s3("PUT", "/bucket-one");
    await nimbus.server.api.s3("PUT", "/bucket-one/a.txt", "hello");
    const got = await nimbus.server.api.s3("GET", "/bucket-one/a.txt");
    expect(got.body.toString()).toBe("hello");
    await expect(nimbus.server.api.s3("GET", "/bucket-one/missing")).rejects.toMatchObject({
      awsName: "NoSuchKey",
    });
  });
});
