import { existsSync } from "node:fs";
import { CreateFunctionCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureFunction, invokeJson } from "../support/functions.js";
import { ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipFiles } from "../support/zip.js";

/**
 * Isolation under bubblewrap. CI installs bubblewrap and sets NIMBUS_REQUIRE_ISOLATION=1, which
 * turns a missing sandbox into a failure instead of a skip.
 */
let nimbus: TestNimbus;
let isolated = false;
const required = process.env.NIMBUS_REQUIRE_ISOLATION === "1";

beforeAll(async () => {
  nimbus = await startNimbus({ config: { sandbox: { isolation: "auto" } } });
  const health = nimbus.server.health() as { sandbox: { isolated: boolean; enforces: { memory: boolean } } };
  isolated = health.sandbox.isolated && health.sandbox.enforces.memory;
  if (!isolated) {
    const reason = `bubblewrap or cgroups unavailable: ${JSON.stringify(nimbus.server.health().warnings)}`;
    if (required) throw new Error(`isolation is required here but ${reason}`);
    console.warn(`SKIPPING isolation tests: ${reason}`);
  }
});

afterAll(async () => {
  await nimbus.stop();
});

describe("execution environments under bubblewrap", () => {
  it("reports an isolated sandbox with memory and process limits in health", ({ skip }) => {
    if (!isolated) skip();
    const health = nimbus.server.health() as { sandbox: Record<string, unknown> };
    expect(health.sandbox).toMatchObject({
      driver: "bubblewrap",
      isolated: true,
      enforces: { memory: true, processes: true, filesystem: true },
    });
  });

  it("cannot write outside /tmp", async ({ skip }) => {
    if (!isolated) skip();
    await createFixtureFunction(nimbus.lambda, "iso-write", "node/write-file");
    for (const path of ["/var/task/x", "/etc/x", "/x", "/usr/x", `${nimbus.dataDir}/x`]) {
      const { json } = await invokeJson(nimbus.lambda, "iso-write", { path });
      expect(json).toMatchObject({ written: false });
    }
    const tmp = await invokeJson(nimbus.lambda, "iso-write", { path: "/tmp/ok" });
    expect(tmp.json).toMatchObject({ written: true });
    expect(existsSync(`${nimbus.dataDir}/x`)).toBe(false);
  });

  it("cannot read the server's data directory or other host files", async ({ skip }) => {
    if (!isolated) skip();
    await createFixtureFunction(nimbus.lambda, "iso-read", "node/read-file");
    const data = await invokeJson(nimbus.lambda, "iso-read", { path: `${nimbus.dataDir}/nimbus.db` });
    expect(data.json).toMatchObject({ read: false, code: "ENOENT" });
    const own = await invokeJson(nimbus.lambda, "iso-read", { path: "/var/task/index.js" });
    expect(own.json).toMatchObject({ read: true });
    const root = await invokeJson(nimbus.lambda, "iso-read", { path: "/root/.bashrc" });
    expect(root.json).toMatchObject({ read: false });
  });

  it("sees only its own processes and has no capabilities", async ({ skip }) => {
    if (!isolated) skip();
    const zip = await zipFiles({
      "index.js": `const fs = require("node:fs");
exports.handler = async () => ({
  pids: fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n)).length,
  uid: process.getuid(),
  capEff: fs.readFileSync("/proc/self/status", "utf8").split("\\n").find((l) => l.startsWith("CapEff")),
  hostname: require("node:os").hostname(),
});`,
    });
    await nimbus.lambda.send(
      new CreateFunctionCommand({
        FunctionName: "iso-proc",
        Runtime: "nodejs20.x",
        Handler: "index.handler",
        Role: ROLE,
        Code: { ZipFile: zip },
      }),
    );
    const { json } = await invokeJson(nimbus.lambda, "iso-proc");
    const body = json as { pids: number; uid: number; capEff: string; hostname: string };
    expect(body.pids).toBeLessThan(5);
    expect(body.uid).not.toBe(0);
    expect(body.capEff).toMatch(/CapEff:\s+0+$/);
    expect(body.hostname).toBe("nimbus");
  });

  it("is killed past its memory size and says so", async ({ skip }) => {
    if (!isolated) skip();
    await createFixtureFunction(nimbus.lambda, "iso-memory", "node/memory", { memory: 128 });
    const { out, json } = await invokeJson(nimbus.lambda, "iso-memory", { mb: 400 });
    expect(out.FunctionError).toBe("Unhandled");
    const error = json as { errorType: string; errorMessage: string };
    expect(error.errorType).toBe("Runtime.OutOfMemory");
    expect(error.errorMessage).toContain("memory limit of 128 MB");
    const ok = await invokeJson(nimbus.lambda, "iso-memory", { mb: 1 });
    expect(ok.out.FunctionError).toBeUndefined();
  });
});
