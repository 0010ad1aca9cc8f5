import { describe, expect, it } from "vitest";
import { deletionOrder, runInOrder } from "./apply.js";
import type { ResourceState } from "./records.js";

const graph = (edges: Record<string, string[]>) =>
  new Map(Object.entries(edges).map(([id, deps]) => [id, new Set(deps)]));

describe("runInOrder", () => {
  it("starts a step once its dependencies have ended, independent ones together", async () => {
    const log: string[] = [];
    let running = 0;
    let most = 0;
    await runInOrder(
      ["A", "B", "C", "D"],
      graph({ A: [], B: [], C: ["A", "B"], D: ["C"] }),
      4,
      async (id) => {
        running += 1;
        most = Math.max(most, running);
        log.push(`start ${id}`);
        await new Promise((r) => setImmediate(r));
        log.push(`end ${id}`);
        running -= 1;
      },
    );
    expect(most).toBe(2);
    expect(log.indexOf("start C")).toBeGreaterThan(Math.max(log.indexOf("end A"), log.indexOf("end B")));
    expect(log.indexOf("start D")).toBeGreaterThan(log.indexOf("end C"));
  });

  it("keeps to the parallel bound", async () => {
    let running = 0;
    let most = 0;
    await runInOrder(["A", "B", "C", "D", "E"], graph({}), 2, async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running -= 1;
    });
    expect(most).toBe(2);
  });

  it("starts nothing new after a failure, lets running steps end, then throws the failure", async () => {
    const started: string[] = [];
    const ended: string[] = [];
    const run = runInOrder(["A", "B", "C"], graph({ A: [], B: [], C: ["A"] }), 2, async (id) => {
      started.push(id);
      await new Promise((r) => setImmediate(r));
      if (id === "A") throw new Error("A failed");
      await new Promise((r) => setImmediate(r));
      ended.push(id);
    });
    await expect(run).rejects.toThrow("A failed");
    expect(started).toEqual(["A", "B"]);
    expect(ended).toEqual(["B"]);
  });
});

describe("deletionOrder", () => {
  const state = (logicalId: string, dependsOn: string[]): ResourceState => ({
    logicalId,
    type: "T",
    attributes: {},
    properties: {},
    status: "CREATE_COMPLETE",
    updatedAt: 0,
    dependsOn,
  });

  it("deletes dependents before what they depend on", () => {
    const order = deletionOrder([
      state("Queue", []),
      state("Mapping", ["Queue", "Fn"]),
      state("Fn", ["Role"]),
      state("Role", []),
    ]);
    expect(order.indexOf("Mapping")).toBeLessThan(order.indexOf("Queue"));
    expect(order.indexOf("Mapping")).toBeLessThan(order.indexOf("Fn"));
    expect(order.indexOf("Fn")).toBeLessThan(order.indexOf("Role"));
  });

  it("ignores dependencies on resources that are not being deleted", () => {
    expect(deletionOrder([state("Old", ["Kept"])])).toEqual(["Old"]);
  });
});
