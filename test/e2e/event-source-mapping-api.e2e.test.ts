import {
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  InvalidParameterValueException,
  ListEventSourceMappingsCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateEventSourceMappingCommand,
} from "@aws-sdk/client-lambda";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { createFixtureFunction } from "../support/functions.js";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

let nimbus: TestNimbus;
let sqs: SQSClient;
let cli: string | undefined;

async function queueArn(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return out.Attributes?.QueueArn as string;
}

async function createError(
  input: Partial<CreateEventSourceMappingCommandInput>,
): Promise<Error & { name: string }> {
  try {
    await nimbus.lambda.send(
      new CreateEventSourceMappingCommand(input as CreateEventSourceMappingCommandInput),
    );
  } catch (error) {
    return error as Error & { name: string };
  }
  throw new Error(`CreateEventSourceMapping ${JSON.stringify(input)} was accepted`);
}

beforeAll(async () => {
  cli = requireAwsCli();
  nimbus = await startNimbus();
  sqs = new SQSClient(clientConfig(nimbus.url));
  // Mappings in this file stay disabled: only the API is under test here.
  await createFixtureFunction(nimbus.lambda, "esm-api", "node/hello");
  await createFixtureFunction(nimbus.lambda, "esm-api-2", "node/hello");
});

afterAll(async () => {
  sqs.destroy();
  await nimbus.stop();
});

describe("event source mapping API", () => {
  it("creates, gets, updates and deletes a mapping with Lambda's shapes and states", async () => {
    const arn = await queueArn("esm-api-crud");
    const created = await nimbus.lambda.send(
      new CreateEventSourceMappingCommand({
        EventSourceArn: arn,
        FunctionName: "esm-api",
        Enabled: false,
        BatchSize: 50,
        MaximumBatchingWindowInSeconds: 3,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
        ScalingConfig: { MaximumConcurrency: 4 },
      }),
    );
    expect(created.$metadata.httpStatusCode).toBe(202);
    expect(created).toMatchObject({
      EventSourceArn: arn,
      FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:esm-api",
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 3,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 4 },
      State: "Creating",
      StateTransitionReason: "USER_INITIATED",
      LastProcessingResult: "No records processed",
      EventSourceMappingArn: `arn:aws:lambda:us-east-1:000000000000:event-source-mapping:${created.UUID}`,
    });
    expect(created.UUID).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.LastModified).toBeInstanceOf(Date);

    const got = await nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID }));
    expect(got).toMatchObject({ UUID: created.UUID, State: "Disabled", BatchSize: 50 });

    const updated = await nimbus.lambda.send(
      new UpdateEventSourceMappingCommand({
        UUID: created.UUID,
        BatchSize: 5,
        MaximumBatchingWindowInSeconds: 0,
        FunctionResponseTypes: [],
        ScalingConfig: {},
      }),
    );
    expect(updated.$metadata.httpStatusCode).toBe(202);
    expect(updated).toMatchObject({ State: "Updating", BatchSize: 5, MaximumBatchingWindowInSeconds: 0 });
    expect(updated.FunctionResponseTypes).toEqual([]);
    expect(updated.ScalingConfig).toBeUndefined();

    const moved = await nimbus.lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: created.UUID, FunctionName: "esm-api-2" }),
    );
    expect(moved.FunctionArn).toBe("arn:aws:lambda:us-east-1:000000000000:function:esm-api-2");

    const deleted = await nimbus.lambda.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID }));
    expect(deleted.$metadata.httpStatusCode).toBe(202);
    expect(deleted.State).toBe("Deleting");
    await expect(
      nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      nimbus.lambda.send(new DeleteEventSourceMappingCommand({ UUID: created.UUID })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      nimbus.lambda.send(
        new UpdateEventSourceMappingCommand({ UUID: "00000000-0000-4000-8000-000000000000", BatchSize: 1 }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("keeps the qualifier of FunctionName in FunctionArn and refuses a duplicate mapping", async () => {
    const arn = await queueArn("esm-api-dup");
    const first = await nimbus.lambda.send(
      new CreateEventSourceMappingCommand({ EventSourceArn: arn, FunctionName: "esm-api", Enabled: false }),
    );
    const qualified = await nimbus.lambda.send(
      new CreateEventSourceMappingCommand({
        EventSourceArn: arn,
        FunctionName: "esm-api:$LATEST",
        Enabled: false,
      }),
    );
    expect(qualified.FunctionArn).toBe("arn:aws:lambda:us-east-1:000000000000:function:esm-api:$LATEST");
    const duplicate = await createError({ EventSourceArn: arn, FunctionName: "esm-api", Enabled: false });
    expect(duplicate).toBeInstanceOf(ResourceConflictException);
    expect(duplicate.message).toContain(first.UUID as string);
    // Moving the second mapping onto the first one's function is the same conflict.
    await expect(
      nimbus.lambda.send(
        new UpdateEventSourceMappingCommand({ UUID: qualified.UUID, FunctionName: "esm-api" }),
      ),
    ).rejects.toBeInstanceOf(ResourceConflictException);
  });

  it("lists with EventSourceArn and FunctionName filters, page by page", async () => {
    const arns = await Promise.all(["esm-api-l1", "esm-api-l2", "esm-api-l3"].map((n) => queueArn(n)));
    for (const arn of arns) {
      await nimbus.lambda.send(
        new CreateEventSourceMappingCommand({
          EventSourceArn: arn,
          FunctionName: "esm-api-2",
          Enabled: false,
        }),
      );
    }
    const byQueue = await nimbus.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: arns[1] }));
    expect(byQueue.EventSourceMappings?.map((m) => m.EventSourceArn)).toEqual([arns[1]]);

    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await nimbus.lambda.send(
        new ListEventSourceMappingsCommand({ FunctionName: "esm-api-2", MaxItems: 2, Marker: marker }),
      );
      expect(page.EventSourceMappings?.length).toBeLessThanOrEqual(2);
      seen.push(...(page.EventSourceMappings ?? []).map((m) => m.EventSourceArn as string));
      marker = page.NextMarker;
      pages++;
    } while (marker);
    expect(pages).toBe(2);
    expect(seen.sort()).toEqual([...arns].sort());
  });

  it("answers bad input with Lambda's named exceptions", async () => {
    const arn = await queueArn("esm-api-bad");
    const fifo = await queueArn("esm-api-bad.fifo", { FifoQueue: "true" });
    const quick = await queueArn("esm-api-quick", { VisibilityTimeout: "5" });
    const cases: [Partial<CreateEventSourceMappingCommandInput>, string, RegExp][] = [
      [
        { EventSourceArn: `${arn}-missing`, FunctionName: "esm-api" },
        "InvalidParameterValueException",
        /NonExistentQueue/,
      ],
      [
        { EventSourceArn: quick, FunctionName: "esm-api" },
        "InvalidParameterValueException",
        /Queue visibility timeout: 5 seconds is less than Function timeout: 10 seconds/,
      ],
      [
        { EventSourceArn: arn, FunctionName: "no-such-function" },
        "ResourceNotFoundException",
        /Function not found/,
      ],
      [
        { EventSourceArn: "arn:aws:kinesis:us-east-1:000000000000:stream/s", FunctionName: "esm-api" },
        "InvalidParameterValueException",
        /Kinesis/,
      ],
      [
        { EventSourceArn: arn, FunctionName: "esm-api", StartingPosition: "LATEST" },
        "InvalidParameterValueException",
        /StartingPosition/,
      ],
      [
        { EventSourceArn: arn, FunctionName: "esm-api", ParallelizationFactor: 2 },
        "InvalidParameterValueException",
        /ParallelizationFactor/,
      ],
      [
        { EventSourceArn: arn, FunctionName: "esm-api", Tags: { a: "b" } },
        "InvalidParameterValueException",
        /Tags/,
      ],
      [{ EventSourceArn: arn, FunctionName: "esm-api", BatchSize: 0 }, "ValidationException", /batchSize/],
      [
        { EventSourceArn: arn, FunctionName: "esm-api", BatchSize: 10_001 },
        "ValidationException",
        /batchSize/,
      ],
      [
        { EventSourceArn: arn, FunctionName: "esm-api", BatchSize: 20 },
        "InvalidParameterValueException",
        /batch window/,
      ],
      [
        { EventSourceArn: arn, FunctionName: "esm-api", MaximumBatchingWindowInSeconds: 301 },
        "ValidationException",
        /maximumBatchingWindowInSeconds/,
      ],
      [
        { EventSourceArn: fifo, FunctionName: "esm-api", BatchSize: 11, MaximumBatchingWindowInSeconds: 1 },
        "InvalidParameterValueException",
        /FIFO/,
      ],
      [
        { EventSourceArn: fifo, FunctionName: "esm-api", MaximumBatchingWindowInSeconds: 1 },
        "InvalidParameterValueException",
        /FIFO/,
      ],
      [
        { EventSourceArn: arn, FunctionName: "esm-api", ScalingConfig: { MaximumConcurrency: 1 } },
        "ValidationException",
        /maximumConcurrency/,
      ],
      [
        {
          EventSourceArn: arn,
          FunctionName: "esm-api",
          FunctionResponseTypes: ["Nope" as "ReportBatchItemFailures"],
        },
        "ValidationException",
        /functionResponseTypes/,
      ],
      [
        {
          EventSourceArn: arn,
          FunctionName: "esm-api",
          FilterCriteria: { Filters: [{ Pattern: '{"body":"x"}' }] },
        },
        "InvalidParameterValueException",
        /filter pattern/,
      ],
    ];
    for (const [input, name, message] of cases) {
      const error = await createError(input);
      expect({ input, name: error.name }).toEqual({ input, name });
      expect(error.message).toMatch(message);
    }
    expect(await createError({ EventSourceArn: `${arn}-missing`, FunctionName: "esm-api" })).toBeInstanceOf(
      InvalidParameterValueException,
    );
  });

  it("works with the AWS CLI: create, list, get, update, delete", async ({ skip }) => {
    if (!cli) skip();
    const path = cli as string;
    const arn = await queueArn("esm-api-cli");
    const created = JSON.parse(
      await aws(path, nimbus.url, [
        "lambda",
        "create-event-source-mapping",
        "--function-name",
        "esm-api",
        "--event-source-arn",
        arn,
        "--batch-size",
        "100",
        "--maximum-batching-window-in-seconds",
        "2",
        "--function-response-types",
        "ReportBatchItemFailures",
        "--scaling-config",
        "MaximumConcurrency=3",
        "--filter-criteria",
        JSON.stringify({ Filters: [{ Pattern: JSON.stringify({ body: { kind: ["order"] } }) }] }),
        "--no-enabled",
      ]),
    ) as { UUID: string; State: string; BatchSize: number; ScalingConfig: unknown; LastModified: unknown };
    expect(created).toMatchObject({
      State: "Creating",
      BatchSize: 100,
      ScalingConfig: { MaximumConcurrency: 3 },
      FilterCriteria: { Filters: [{ Pattern: '{"body":{"kind":["order"]}}' }] },
    });
    // The CLI read LastModified as a timestamp (epoch seconds on the wire) and prints it as a date.
    expect(Math.abs(Date.parse(String(created.LastModified)) - Date.now())).toBeLessThan(600_000);

    const listed = JSON.parse(
      await aws(path, nimbus.url, ["lambda", "list-event-source-mappings", "--event-source-arn", arn]),
    ) as { EventSourceMappings: { UUID: string; State: string }[] };
    expect(listed.EventSourceMappings).toEqual([
      expect.objectContaining({ UUID: created.UUID, State: "Disabled" }),
    ]);

    const got = JSON.parse(
      await aws(path, nimbus.url, ["lambda", "get-event-source-mapping", "--uuid", created.UUID]),
    ) as { FunctionArn: string; FunctionResponseTypes: string[] };
    expect(got).toMatchObject({
      FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:esm-api",
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });

    const updated = JSON.parse(
      await aws(path, nimbus.url, [
        "lambda",
        "update-event-source-mapping",
        "--uuid",
        created.UUID,
        "--batch-size",
        "7",
        "--maximum-batching-window-in-seconds",
        "0",
      ]),
    ) as { State: string; BatchSize: number };
    expect(updated).toMatchObject({ State: "Updating", BatchSize: 7 });

    const deleted = JSON.parse(
      await aws(path, nimbus.url, ["lambda", "delete-event-source-mapping", "--uuid", created.UUID]),
    ) as { State: string };
    expect(deleted.State).toBe("Deleting");
    await expect(
      aws(path, nimbus.url, ["lambda", "get-event-source-mapping", "--uuid", created.UUID]),
    ).rejects.toThrow(/ResourceNotFoundException/);
  });
});
