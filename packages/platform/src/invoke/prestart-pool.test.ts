import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { PrestartPool, type Standby } from "./prestart-pool.js";

class FakeStandby implements Standby {
  alive = true;
  startMs = 1;
  stopped = false;
  constructor(readonly family: string) {}
  async shutdown(): Promise<void> {
    this.alive = false;
    this.stopped = true;
  }
}

const settle = () => new Promise((r) => setImmediate(r));

function pool(initial = 2, max = 4) {
  const clock = new ManualClock();
  const started: FakeStandby[] = [];
  const p = new PrestartPool<FakeStandby>({
    start: async (family) => {
      const s = new FakeStandby(family);
      started.push(s);
      return s;
    },
    initial,
    max,
    decayMs: 60_000,
    clock,
  });
  return { p, clock, started };
}

describe("PrestartPool", () => {
  it("fills each family to its initial size and hands out ready environments", async () => {
    const { p, started } = pool();
    p.warm(["node", "python"]);
    await settle();
    expect(started.map((s) => s.family).sort()).toEqual(["node", "node", "python", "python"]);
    const taken = p.take("node");
    expect(taken?.family).toBe("node");
    await settle();
    expect(started.length).toBe(5);
  });

  it("raises a family's target when a take finds it empty, up to the maximum", async () => {
    const { p } = pool(1, 2);
    p.warm(["node"]);
    await settle();
    expect(p.take("node")).toBeDefined();
    expect(p.take("node")).toBeUndefined();
    await settle();
    expect((p.stats() as { families: { node: { target: number } } }).families.node.target).toBe(2);
    p.take("node");
    p.take("node");
    p.take("node");
    expect((p.stats() as { families: { node: { target: number } } }).families.node.target).toBe(2);
  });

  it("skips environments that died while waiting", async () => {
    const { p, started } = pool(2);
    p.warm(["node"]);
    await settle();
    const first = started[0];
    if (first) first.alive = false;
    expect(p.take("node")).toBe(started[1]);
  });

  it("shrinks an idle family's target after the decay time and stops the extra environment", async () => {
    const { p, clock, started } = pool(1, 4);
    p.warm(["node"]);
    await settle();
    p.take("node");
    p.take("node");
    await settle();
    const target = () => (p.stats() as { families: { node: { target: number } } }).families.node.target;
    expect(target()).toBe(2);
    clock.advance(60_000);
    expect(target()).toBe(1);
    expect(started.some((s) => s.stopped)).toBe(true);
  });

  it("gives nothing for a family it does not keep, and stops everything on close", async () => {
    const { p, started } = pool(1);
    p.warm(["node"]);
    await settle();
    expect(p.take("ruby")).toBeUndefined();
    await p.close();
    expect(started.every((s) => s.stopped)).toBe(true);
  });
});
