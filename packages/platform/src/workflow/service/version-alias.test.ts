import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { AliasService, MAX_ALIASES_PER_MACHINE } from "./alias-service.js";
import { MachineTargets } from "./machine-targets.js";
import { StateMachineService } from "./state-machine-service.js";
import { VersionService } from "./version-service.js";

const scope = { region: "us-east-1", accountId: "000000000000" };
const pass = (value: string) =>
  JSON.stringify({ StartAt: "P", States: { P: { Type: "Pass", Result: value, End: true } } });
const ROLE = "arn:aws:iam::000000000000:role/r";

describe("versions and aliases", () => {
  let store: SqliteMetadataStore;
  let rolls: number[];
  let targets: MachineTargets;
  let machine: string;

  beforeEach(async () => {
    store = new SqliteMetadataStore(":memory:");
    const clock = new ManualClock();
    rolls = [];
    const machines = new StateMachineService(store, scope, clock);
    targets = new MachineTargets(
      store,
      machines,
      new VersionService(store, clock),
      new AliasService(store, clock, () => rolls.shift() ?? 0),
    );
    machine = (await machines.create({ name: "m", definition: pass("v1"), roleArn: ROLE, type: "STANDARD" }))
      .arn;
  });
  afterEach(async () => {
    await store.close();
  });

  const publishNew = async (value: string) => {
    await targets.machines.update(machine, { definition: pass(value) });
    return targets.versions.publish(machine, {});
  };

  it("numbers versions from 1, answers the same version for the same revision, never reuses numbers", async () => {
    const v1 = await targets.versions.publish(machine, { description: "first" });
    expect(v1.arn).toBe(`${machine}:1`);
    expect((await targets.versions.publish(machine, {})).arn).toBe(v1.arn);
    const v2 = await publishNew("v2");
    await targets.deleteVersion(v2.arn);
    expect((await publishNew("v3")).arn).toBe(`${machine}:3`);
  });

  it("refuses a stale revisionId with ConflictException", async () => {
    await expect(targets.versions.publish(machine, { revisionId: "old" })).rejects.toMatchObject({
      awsName: "ConflictException",
    });
  });

  it("routes an alias by weight with the injected random source", async () => {
    const v1 = await targets.versions.publish(machine, {});
    const v2 = await publishNew("v2");
    const alias = await targets.aliases.create("live", [
      { stateMachineVersionArn: v1.arn, weight: 30 },
      { stateMachineVersionArn: v2.arn, weight: 70 },
    ]);
    rolls.push(0.29, 0.3, 0.99);
    const picked = [];
    for (let i = 0; i < 3; i++) picked.push((await targets.resolve(alias.arn)).versionArn);
    expect(picked).toEqual([v1.arn, v2.arn, v2.arn]);
    const resolved = await targets.resolve(alias.arn);
    expect(resolved).toMatchObject({ machineArn: machine, aliasArn: alias.arn, definition: pass("v1") });
  });

  it(`allows ${MAX_ALIASES_PER_MACHINE} aliases per machine, then ServiceQuotaExceededException`, async () => {
    const v1 = await targets.versions.publish(machine, {});
    const routing = [{ stateMachineVersionArn: v1.arn, weight: 100 }];
    for (let i = 0; i < MAX_ALIASES_PER_MACHINE; i++) await targets.aliases.create(`a${i}`, routing);
    await expect(targets.aliases.create("one-too-many", routing)).rejects.toMatchObject({
      awsName: "ServiceQuotaExceededException",
    });
    // Creating an existing alias again with the same routing is not a new alias.
    expect((await targets.aliases.create("a0", routing)).name).toBe("a0");
  });

  it("refuses to delete a routed version and deletes versions and aliases with their machine", async () => {
    const v1 = await targets.versions.publish(machine, {});
    await targets.aliases.create("live", [{ stateMachineVersionArn: v1.arn, weight: 100 }]);
    await expect(targets.deleteVersion(v1.arn)).rejects.toMatchObject({ awsName: "ConflictException" });
    await targets.deleteMachine(machine);
    expect(await targets.versions.find(v1.arn)).toBeUndefined();
    expect(await targets.aliases.find(`${machine}:live`)).toBeUndefined();
  });
});
