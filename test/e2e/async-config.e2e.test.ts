import {
  DeleteFunctionCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  ListFunctionEventInvokeConfigsCommand,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";

const ARN = "arn:aws:lambda:us-east-1:000000000000:function";
const QUEUE = "arn:aws:sqs:us-east-1:000000000000:dlq";

describe("FunctionEventInvokeConfig and DeadLetterConfig", () => {
  let nimbus: TestNimbus;

  beforeAll(async () => {
    nimbus = await startNimbus();
    await createFixtureFunction(nimbus.lambda, "configured", "node/async-probe");
    await createFixtureFunction(nimbus.lambda, "target", "node/async-probe");
  });

  afterAll(async () => {
    await nimbus.stop();
  });

  it("puts, gets, merges, lists and deletes the config of $LATEST", async () => {
    const put = await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "configured",
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: `${ARN}:target` } },
      }),
    );
    expect(put).toMatchObject({
      FunctionArn: `${ARN}:configured:$LATEST`,
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnSuccess: {}, OnFailure: { Destination: `${ARN}:target` } },
    });
    expect(put.LastModified).toBeInstanceOf(Date);

    const merged = await nimbus.lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({ FunctionName: "configured", MaximumRetryAttempts: 0 }),
    );
    expect(merged).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 });
    expect(merged.DestinationConfig?.OnFailure?.Destination).toBe(`${ARN}:target`);

    // Put replaces the whole config: what it leaves out goes back to the defaults.
    const replaced = await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: "configured", MaximumEventAgeInSeconds: 60 }),
    );
    expect(replaced.MaximumRetryAttempts).toBeUndefined();
    expect(replaced.DestinationConfig).toEqual({ OnSuccess: {}, OnFailure: {} });

    const got = await nimbus.lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: "configured" }),
    );
    expect(got).toMatchObject({ FunctionArn: `${ARN}:configured:$LATEST`, MaximumEventAgeInSeconds: 60 });

    await nimbus.lambda.send(new PublishVersionCommand({ FunctionName: "configured" }));
    await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: "configured",
        Qualifier: "1",
        MaximumRetryAttempts: 2,
      }),
    );
    const listed = await nimbus.lambda.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: "configured", MaxItems: 1 }),
    );
    expect(listed.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn)).toEqual([
      `${ARN}:configured:$LATEST`,
    ]);
    const rest = await nimbus.lambda.send(
      new ListFunctionEventInvokeConfigsCommand({ FunctionName: "configured", Marker: listed.NextMarker }),
    );
    expect(rest.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn)).toEqual([`${ARN}:configured:1`]);
    expect(rest.NextMarker).toBeUndefined();

    await nimbus.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: "configured" }));
    await expect(
      nimbus.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: "configured" })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    const left = await nimbus.lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: "configured", Qualifier: "1" }),
    );
    expect(left.MaximumRetryAttempts).toBe(2);
  });

  it("refuses values out of range, bad destinations and missing things with AWS's errors", async () => {
    await expect(
      nimbus.lambda.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: "configured", MaximumRetryAttempts: 3 }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      nimbus.lambda.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: "configured", MaximumEventAgeInSeconds: 59 }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      nimbus.lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: "configured",
          DestinationConfig: { OnSuccess: { Destination: "not-an-arn" } },
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValueException" });
    await expect(
      nimbus.lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: "configured",
          DestinationConfig: { OnSuccess: { Destination: "arn:aws:s3:::bucket" } },
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValueException" });
    await expect(
      nimbus.lambda.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: "nope", MaximumRetryAttempts: 1 }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(
      nimbus.lambda.send(
        new PutFunctionEventInvokeConfigCommand({
          FunctionName: "configured",
          Qualifier: "9",
          MaximumRetryAttempts: 1,
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(
      nimbus.lambda.send(
        new UpdateFunctionEventInvokeConfigCommand({ FunctionName: "target", MaximumRetryAttempts: 1 }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("deletes a function's configs with the function", async () => {
    await createFixtureFunction(nimbus.lambda, "ephemeral", "node/async-probe");
    await nimbus.lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: "ephemeral", MaximumRetryAttempts: 0 }),
    );
    await nimbus.lambda.send(new DeleteFunctionCommand({ FunctionName: "ephemeral" }));
    await createFixtureFunction(nimbus.lambda, "ephemeral", "node/async-probe");
    await expect(
      nimbus.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: "ephemeral" })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("keeps DeadLetterConfig on the function, accepts only queues and topics, and clears it with {}", async () => {
    const updated = await nimbus.lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: "target",
        DeadLetterConfig: { TargetArn: QUEUE },
      }),
    );
    expect(updated.DeadLetterConfig).toEqual({ TargetArn: QUEUE });
    const read = await nimbus.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "target" }));
    expect(read.DeadLetterConfig).toEqual({ TargetArn: QUEUE });
    await expect(
      nimbus.lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: "target",
          DeadLetterConfig: { TargetArn: `${ARN}:configured` },
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValueException" });
    const cleared = await nimbus.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "target", DeadLetterConfig: {} }),
    );
    expect(cleared.DeadLetterConfig).toBeUndefined();
  });
});
