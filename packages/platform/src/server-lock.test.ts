import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockDataDir } from "./server-support.js";

describe("the data directory lock", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nimbus-lock-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is held once, names its owner, and is released", async () => {
    const release = await lockDataDir(dir);
    expect(JSON.parse(await readFile(join(dir, "nimbus.lock"), "utf8"))).toEqual({ pid: process.pid });
    await expect(lockDataDir(dir)).rejects.toMatchObject({ code: "ERR_DATA_DIR_IN_USE" });
    await release();
    const again = await lockDataDir(dir);
    await again();
  });

  it("refuses a directory a live process holds", async () => {
    // The parent of this test process is alive for the whole test.
    await writeFile(join(dir, "nimbus.lock"), JSON.stringify({ pid: process.ppid }));
    await expect(lockDataDir(dir)).rejects.toThrow(
      new RegExp(`in use by another Nimbus server \\(pid ${process.ppid}\\)`),
    );
  });

  it("takes over the lock of a process that is gone, and an unreadable lock", async () => {
    await writeFile(join(dir, "nimbus.lock"), JSON.stringify({ pid: 2 ** 22 + 17 }));
    const release = await lockDataDir(dir);
    await release();
    await writeFile(join(dir, "nimbus.lock"), "not json");
    await (await lockDataDir(dir))();
  });
});
