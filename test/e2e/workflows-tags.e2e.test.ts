import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  ListTagsForResourceCommand,
  PublishStateMachineVersionCommand,
  SFNClient,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const ROLE = "arn:aws:iam::000000000000:role/sfn-role";
const DEFINITION = JSON.stringify({ StartAt: "P", States: { P: { Type: "Pass", End: true } } });
const MACHINE_PREFIX = "arn:aws:states:us-east-1:000000000000:stateMachine:";

const many = (n: number, prefix = "k"): Tag[] =>
  Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: `v${i}` }));

async function rejection(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; resourceName?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string };
  }
  throw new Error("expected the call to fail");
}

describe("Step Functions tags", () => {
  let nimbus: TestNimbus;
  let sfn: SFNClient;

  beforeAll(async () => {
    nimbus = await startNimbus();
    sfn = new SFNClient(clientConfig(nimbus.url));
  }, 60_000);

  afterAll(async () => {
    sfn?.destroy();
    await nimbus?.stop();
  });

  const create = async (name: string, tags?: Tag[]) =>
    (
      await sfn.send(
        new CreateStateMachineCommand({ name, definition: DEFINITION, roleArn: ROLE, ...(tags && { tags }) }),
      )
    ).stateMachineArn ?? "";
  const list = async (resourceArn: string) =>
    (await sfn.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

  it("tags a state machine at creation, then tags, retags and untags it", async () => {
    const arn = await create("tagged", [
      { key: "team", value: "payments" },
      { key: "env", value: "dev" },
    ]);
    expect(await list(arn)).toEqual([
      { key: "team", value: "payments" },
      { key: "env", value: "dev" },
    ]);
    await sfn.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: "env", value: "prod" },
          { key: "cost-center", value: "cc:42 / ops@example.com" },
        ],
      }),
    );
    expect(await list(arn)).toEqual([
      { key: "team", value: "payments" },
      { key: "env", value: "prod" },
      { key: "cost-center", value: "cc:42 / ops@example.com" },
    ]);
    await sfn.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["team", "not-there"] }));
    expect(await list(arn)).toEqual([
      { key: "env", value: "prod" },
      { key: "cost-center", value: "cc:42 / ops@example.com" },
    ]);
    await sfn.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["env", "cost-center"] }));
    expect(await list(arn)).toEqual([]);
  });

  it("answers ResourceNotFound for unknown machines and InvalidArn for malformed or qualified ARNs", async () => {
    const unknown = `${MACHINE_PREFIX}nobody`;
    for (const call of [
      sfn.send(new ListTagsForResourceCommand({ resourceArn: unknown })),
      sfn.send(new TagResourceCommand({ resourceArn: unknown, tags: [{ key: "a", value: "b" }] })),
      sfn.send(new UntagResourceCommand({ resourceArn: unknown, tagKeys: ["a"] })),
    ]) {
      const error = await rejection(call);
      expect(error.name).toBe("ResourceNotFound");
      expect(error.resourceName).toBe(unknown);
    }
    expect((await rejection(sfn.send(new ListTagsForResourceCommand({ resourceArn: "nope" })))).name).toBe(
      "InvalidArn",
    );
    const arn = await create("qualified");
    const { stateMachineVersionArn } = await sfn.send(
      new PublishStateMachineVersionCommand({ stateMachineArn: arn }),
    );
    const { stateMachineAliasArn } = await sfn.send(
      new CreateStateMachineAliasCommand({
        name: "live",
        routingConfiguration: [{ stateMachineVersionArn, weight: 100 }],
      }),
    );
    for (const resourceArn of [stateMachineVersionArn, stateMachineAliasArn])
      expect(
        (await rejection(sfn.send(new TagResourceCommand({ resourceArn, tags: [{ key: "a", value: "b" }] }))))
          .name,
      ).toBe("InvalidArn");
  });

  it("allows 50 tags and answers TooManyTags beyond, counting the tags already there", async () => {
    const tooMany = await rejection(create("fifty-one", many(51)));
    expect(tooMany.name).toBe("TooManyTags");
    expect(tooMany.resourceName).toBe(`${MACHINE_PREFIX}fifty-one`);
    // Nothing was created.
    expect((await rejection(list(`${MACHINE_PREFIX}fifty-one`))).name).toBe("ResourceNotFound");

    const arn = await create("fifty", many(40));
    await sfn.send(new TagResourceCommand({ resourceArn: arn, tags: many(10, "x") }));
    expect(await list(arn)).toHaveLength(50);
    // Replacing a value adds no tag.
    await sfn.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "k0", value: "new" }] }));
    const error = await rejection(
      sfn.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: "one-more", value: "v" }] })),
    );
    expect(error.name).toBe("TooManyTags");
    expect(error.resourceName).toBe(arn);
    expect(await list(arn)).toHaveLength(50);
    expect((await list(arn))?.[0]).toEqual({ key: "k0", value: "new" });
  });

  it("checks key (1-128) and value (0-256) lengths", async () => {
    const arn = await create("lengths");
    await sfn.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: "k".repeat(128), value: "v".repeat(256) },
          { key: "empty", value: "" },
        ],
      }),
    );
    expect(await list(arn)).toEqual([
      { key: "k".repeat(128), value: "v".repeat(256) },
      { key: "empty", value: "" },
    ]);
    for (const tag of [
      { key: "k".repeat(129), value: "v" },
      { key: "", value: "v" },
      { key: "k", value: "v".repeat(257) },
      { key: "hash#", value: "v" },
    ]) {
      const error = await rejection(sfn.send(new TagResourceCommand({ resourceArn: arn, tags: [tag] })));
      expect(error.name).toBe("ValidationException");
      expect(error.message).toMatch(
        /^1 validation error detected: Value '.*' at 'tags\.1\.member\.(key|value)'/,
      );
    }
    const longKey = await rejection(
      sfn.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["k".repeat(129)] })),
    );
    expect(longKey.name).toBe("ValidationException");
    expect(longKey.message).toContain("tagKeys.1.member");
    const tooLong = await rejection(create("bad-create", [{ key: "k", value: "v".repeat(257) }]));
    expect(tooLong.name).toBe("ValidationException");
    expect(await list(arn)).toHaveLength(2);
  });

  it("drops a machine's tags with it: a new machine of the same name starts untagged", async () => {
    const arn = await create("recreated", [{ key: "a", value: "1" }]);
    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
    expect((await rejection(list(arn))).name).toBe("ResourceNotFound");
    expect(await create("recreated")).toBe(arn);
    expect(await list(arn)).toEqual([]);
  });
});

describe("Step Functions tags across a restart", () => {
  it("keeps tags in the metadata store", async () => {
    const first = await startNimbus();
    let sfn = new SFNClient(clientConfig(first.url));
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: "durable",
        definition: DEFINITION,
        roleArn: ROLE,
        tags: [{ key: "team", value: "a" }],
      }),
    );
    await sfn.send(
      new TagResourceCommand({ resourceArn: stateMachineArn, tags: [{ key: "env", value: "prod" }] }),
    );
    sfn.destroy();
    await first.stop(false);
    const second = await startNimbus({ dataDir: first.dataDir });
    sfn = new SFNClient(clientConfig(second.url));
    try {
      expect((await sfn.send(new ListTagsForResourceCommand({ resourceArn: stateMachineArn }))).tags).toEqual(
        [
          { key: "team", value: "a" },
          { key: "env", value: "prod" },
        ],
      );
    } finally {
      sfn.destroy();
      await second.stop();
    }
  }, 60_000);
});
