import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import {
  PREDEFINED_LAMBDA_CONFIGS,
  readTrafficRouting,
  type TrafficRouting,
  trafficDurationMs,
  trafficSteps,
} from "./traffic-routing.js";

const MIN = 60_000;

/** The weights a deployment sets when it follows the steps on a manual clock. */
function walk(routing: TrafficRouting, clock: ManualClock, lookAtMs: number[]): number[] {
  const start = clock.now();
  let weight = 0;
  for (const step of trafficSteps(routing)) clock.setTimer(step.atMs, () => (weight = step.percent));
  clock.advance(0);
  const seen: number[] = [];
  for (const at of lookAtMs) {
    clock.advance(start + at - clock.now());
    seen.push(weight);
  }
  return seen;
}

describe("traffic routing", () => {
  it("AllAtOnce moves everything at once", () => {
    expect(trafficSteps({ type: "AllAtOnce" })).toEqual([{ atMs: 0, percent: 100 }]);
    expect(
      trafficDurationMs(PREDEFINED_LAMBDA_CONFIGS["CodeDeployDefault.LambdaAllAtOnce"] as TrafficRouting),
    ).toBe(0);
  });

  it("a canary shifts its share, then the rest after the interval", () => {
    const routing = PREDEFINED_LAMBDA_CONFIGS[
      "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    ] as TrafficRouting;
    expect(trafficSteps(routing)).toEqual([
      { atMs: 0, percent: 10 },
      { atMs: 5 * MIN, percent: 100 },
    ]);
    expect(walk(routing, new ManualClock(), [0, 4 * MIN, 5 * MIN - 1, 5 * MIN, 6 * MIN])).toEqual([
      10, 10, 10, 100, 100,
    ]);
  });

  it("linear adds its share every interval until all traffic moved", () => {
    const routing = PREDEFINED_LAMBDA_CONFIGS[
      "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
    ] as TrafficRouting;
    const steps = trafficSteps(routing);
    expect(steps.map((s) => s.percent)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(steps.map((s) => s.atMs / MIN)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(walk(routing, new ManualClock(), [0, MIN, 2.5 * MIN, 9 * MIN])).toEqual([10, 20, 30, 100]);
    const threeMinutes = PREDEFINED_LAMBDA_CONFIGS["CodeDeployDefault.LambdaLinear10PercentEvery3Minutes"];
    expect(trafficDurationMs(threeMinutes as TrafficRouting)).toBe(27 * MIN);
  });

  it("a custom linear share that does not divide 100 ends with a last step to 100", () => {
    expect(trafficSteps({ type: "TimeBasedLinear", percentage: 30, intervalMinutes: 2 })).toEqual([
      { atMs: 0, percent: 30 },
      { atMs: 2 * MIN, percent: 60 },
      { atMs: 4 * MIN, percent: 90 },
      { atMs: 6 * MIN, percent: 100 },
    ]);
  });

  it("every predefined Lambda configuration is there", () => {
    expect(Object.keys(PREDEFINED_LAMBDA_CONFIGS).sort()).toEqual(
      [
        "AllAtOnce",
        "Canary10Percent5Minutes",
        "Canary10Percent10Minutes",
        "Canary10Percent15Minutes",
        "Canary10Percent30Minutes",
        "Linear10PercentEvery1Minute",
        "Linear10PercentEvery2Minutes",
        "Linear10PercentEvery3Minutes",
        "Linear10PercentEvery10Minutes",
      ]
        .map((n) => `CodeDeployDefault.Lambda${n}`)
        .sort(),
    );
  });

  it("reads CreateDeploymentConfig's trafficRoutingConfig and refuses bad values", () => {
    expect(
      readTrafficRouting({
        type: "TimeBasedCanary",
        timeBasedCanary: { canaryPercentage: 25, canaryInterval: 7 },
      }),
    ).toEqual({ type: "TimeBasedCanary", percentage: 25, intervalMinutes: 7 });
    expect(() => readTrafficRouting({ type: "TimeBasedLinear" })).toThrow(/timeBasedLinear is required/);
    expect(() =>
      readTrafficRouting({
        type: "TimeBasedLinear",
        timeBasedLinear: { linearPercentage: 0, linearInterval: 1 },
      }),
    ).toThrow(/linearPercentage/);
    expect(() => readTrafficRouting({ type: "Blue" })).toThrow(/Invalid trafficRoutingConfig type/);
  });
});
