import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { AliasService } from "./alias-service.js";
import { MachineTargets } from "./machine-targets.js";
import { StateMachineService } from "./state-machine-service.js";
import { MAX_TAGS, mergeTags, TAGS_KIND, TagService, withoutTags } from "./tag-service.js";
import { VersionService } from "./version-service.js";

const scope = { region: "us-east-1", accountId: "000000000000" };
const ROLE = "arn:aws:iam::000000000000:role/r";
const DEFINITION = JSON.stringify({ StartAt: "P", States: { P: { Type: "Pass", End: true } } });
const ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:m";

const many = (n: number, prefix = "k") =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `v${i}`]));

describe("tag maps", () => {
  it("merges with new values winning and refuses more than 50 keys", () => {
    expect(mergeTags(ARN, { a: "1", b: "2" }, { b: "3", c: "4" })).toEqual({ a: "1", b: "3", c: "4" });
    expect(Object.keys(mergeTags(ARN, many(49), { x: "y" }))).toHaveLength(MAX_TAGS);
    // Replacing existing keys does not count twice.
    expect(Object.keys(mergeTags(ARN, many(50), { k0: "new" }))).toHaveLength(50);
    expect(() => mergeTags(ARN, many(50), { x: "y" })).toThrow(
      expect.objectContaining({ awsName: "TooManyTags", details: { resourceName: ARN } }),
    );
  });

  it("removes keys and ignores keys that are not there", () => {
    expect(withoutTags({ a: "1", b: "2" }, ["a", "zz"])).toEqual({ b: "2" });
  });
});

describe("tag service", () => {
  let store: SqliteMetadataStore;
  let machines: StateMachineService;
  let targets: MachineTargets;
  let tags: TagService;

  beforeEach(async () => {
    store = new SqliteMetadataStore(":memory:");
    const clock = new ManualClock();
    machines = new StateMachineService(store, scope, clock);
    targets = new MachineTargets(
      store,
      machines,
      new VersionService(store, clock),
      new AliasService(store, clock, () => 0),
    );
    tags = new TagService(store, machines);
  });
  afterEach(async () => {
    await store.close();
  });

  const create = (extra: { tags?: Record<string, string> } = {}) =>
    machines.create({ name: "m", definition: DEFINITION, roleArn: ROLE, type: "STANDARD", ...extra });

  it("writes CreateStateMachine's tags with the machine and keeps them on an idempotent create", async () => {
    await create({ tags: { team: "a" } });
    expect(await tags.list(ARN)).toEqual({ team: "a" });
    await create({ tags: { other: "b" } });
    expect(await tags.list(ARN)).toEqual({ team: "a" });
    await expect(create({ tags: many(51) })).rejects.toMatchObject({ awsName: "TooManyTags" });
  });

  it("refuses more than 50 tags at create and writes nothing", async () => {
    await expect(create({ tags: many(51) })).rejects.toMatchObject({ awsName: "TooManyTags" });
    expect(await machines.find(ARN)).toBeUndefined();
  });

  it("tags, retags, untags, and counts existing tags against the quota", async () => {
    await create();
    expect(await tags.list(ARN)).toEqual({});
    await tags.tag(ARN, { a: "1", b: "2" });
    await tags.tag(ARN, { b: "3" });
    expect(await tags.list(ARN)).toEqual({ a: "1", b: "3" });
    await tags.tag(ARN, many(48));
    await expect(tags.tag(ARN, { extra: "x" })).rejects.toMatchObject({ awsName: "TooManyTags" });
    expect(Object.keys(await tags.list(ARN))).toHaveLength(50);
    await tags.untag(ARN, ["a", "missing"]);
    await tags.tag(ARN, { extra: "x" });
    expect(await tags.list(ARN)).toMatchObject({ b: "3", extra: "x" });
    await tags.untag(ARN, Object.keys(await tags.list(ARN)));
    expect(await tags.list(ARN)).toEqual({});
    expect(await store.get(TAGS_KIND, ARN)).toBeUndefined();
  });

  it("answers ResourceNotFound for unknown machines and activities, InvalidArn for other ARNs", async () => {
    await expect(tags.list(ARN)).rejects.toMatchObject({
      awsName: "ResourceNotFound",
      details: { resourceName: ARN },
    });
    await expect(
      tags.tag("arn:aws:states:us-east-1:000000000000:activity:a", { a: "1" }),
    ).rejects.toMatchObject({ awsName: "ResourceNotFound" });
    await create();
    for (const arn of [
      "not-an-arn",
      `${ARN}:1`,
      `${ARN}:live`,
      "arn:aws:states:us-east-1:000000000000:execution:m:e",
      "arn:aws:lambda:us-east-1:000000000000:function:m",
    ])
      await expect(tags.untag(arn, ["a"])).rejects.toMatchObject({ awsName: "InvalidArn" });
  });

  it("drops the tags with the machine, so a new machine of the same name starts untagged", async () => {
    await create({ tags: { a: "1" } });
    await targets.deleteMachine(ARN);
    expect(await store.get(TAGS_KIND, ARN)).toBeUndefined();
    await create();
    expect(await tags.list(ARN)).toEqual({});
    await tags.tag(ARN, { b: "2" });
    await machines.delete(ARN);
    expect(await store.get(TAGS_KIND, ARN)).toBeUndefined();
  });
});
