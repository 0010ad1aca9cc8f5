import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeLines, waitFor } from "../support/async.js";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { createFixtureFunction } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

const FN = "arn:aws:lambda:us-east-1:000000000000:function";
let nimbus: TestNimbus;
let cli: string | undefined;

beforeAll(async () => {
  cli = requireAwsCli();
  nimbus = await startNimbus({ config: { async: { retryDelayScale: 0.001 } } });
  await createFixtureFunction(nimbus.lambda, "my-fn", "node/async-probe");
  await createFixtureFunction(nimbus.lambda, "next", "node/async-probe");
});

afterAll(async () => {
  await nimbus.stop();
});

describe("asynchronous invocation with the AWS CLI (Debian awscli), as docs/async-invocation.md shows it", () => {
  it("configures, invokes with --invocation-type Event, and reaches the OnSuccess function", async ({
    skip,
  }) => {
    if (!cli) skip();
    const path = cli as string;
    const put = JSON.parse(
      await aws(path, nimbus.url, [
        "lambda",
        "put-function-event-invoke-config",
        "--function-name",
        "my-fn",
        "--maximum-retry-attempts",
        "1",
        "--maximum-event-age-in-seconds",
        "3600",
        "--destination-config",
        JSON.stringify({ OnSuccess: { Destination: `${FN}:next` } }),
      ]),
    );
    expect(put).toMatchObject({
      FunctionArn: `${FN}:my-fn:$LATEST`,
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnSuccess: { Destination: `${FN}:next` } },
    });
    const updated = JSON.parse(
      await aws(path, nimbus.url, [
        "lambda",
        "update-function-event-invoke-config",
        "--function-name",
        "my-fn",
        "--maximum-retry-attempts",
        "0",
      ]),
    );
    expect(updated).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 });
    const listed = JSON.parse(
      await aws(path, nimbus.url, [
        "lambda",
        "list-function-event-invoke-configs",
        "--function-name",
        "my-fn",
      ]),
    );
    expect(listed.FunctionEventInvokeConfigs).toHaveLength(1);

    const invoked = JSON.parse(
      await aws(path, nimbus.url, [
        "lambda",
        "invoke",
        "--function-name",
        "my-fn",
        "--invocation-type",
        "Event",
        "--cli-binary-format",
        "raw-in-base64-out",
        "--payload",
        '{"order":42}',
        "/dev/null",
      ]),
    );
    expect(invoked).toEqual({ StatusCode: 202 });
    const lines = await waitFor(
      () => probeLines(nimbus, "next"),
      (l) => l.length > 0,
    );
    expect(lines[0]?.event).toMatchObject({
      requestContext: { condition: "Success", functionArn: `${FN}:my-fn:$LATEST` },
      requestPayload: { order: 42 },
    });

    await aws(path, nimbus.url, [
      "lambda",
      "delete-function-event-invoke-config",
      "--function-name",
      "my-fn",
    ]);
    await expect(
      aws(path, nimbus.url, ["lambda", "get-function-event-invoke-config", "--function-name", "my-fn"]),
    ).rejects.toThrow(/ResourceNotFoundException/);
  });
});
