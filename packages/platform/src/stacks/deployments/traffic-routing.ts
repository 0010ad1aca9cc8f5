import { PlatformError } from "../../core/errors.js";
import { DEPLOYMENT_ERRORS } from "./errors.js";

/**
 * How a Lambda deployment moves traffic (CodeDeploy's TrafficRoutingConfig), with the predefined
 * `CodeDeployDefault.Lambda*` configurations, and the schedule of weights it makes.
 */
export type TrafficRouting =
  | { type: "AllAtOnce" }
  | { type: "TimeBasedCanary"; percentage: number; intervalMinutes: number }
  | { type: "TimeBasedLinear"; percentage: number; intervalMinutes: number };

/** One step: `atMs` after traffic starts shifting, the new version gets `percent` of it. */
export interface TrafficStep {
  atMs: number;
  percent: number;
}

const canary = (percentage: number, intervalMinutes: number): TrafficRouting => ({
  type: "TimeBasedCanary",
  percentage,
  intervalMinutes,
});
const linear = (percentage: number, intervalMinutes: number): TrafficRouting => ({
  type: "TimeBasedLinear",
  percentage,
  intervalMinutes,
});

/** CodeDeploy's predefined configurations for the Lambda compute platform. */
export const PREDEFINED_LAMBDA_CONFIGS: Readonly<Record<string, TrafficRouting>> = {
  "CodeDeployDefault.LambdaAllAtOnce": { type: "AllAtOnce" },
  "CodeDeployDefault.LambdaCanary10Percent5Minutes": canary(10, 5),
  "CodeDeployDefault.LambdaCanary10Percent10Minutes": canary(10, 10),
  "CodeDeployDefault.LambdaCanary10Percent15Minutes": canary(10, 15),
  "CodeDeployDefault.LambdaCanary10Percent30Minutes": canary(10, 30),
  "CodeDeployDefault.LambdaLinear10PercentEvery1Minute": linear(10, 1),
  "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes": linear(10, 2),
  "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes": linear(10, 3),
  "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes": linear(10, 10),
};

/**
 * The weights over time. Canary: `p%` at once, everything after the interval. Linear: `p%` at
 * once, then `p%` more after each interval until all traffic is on the new version
 * (Linear10PercentEvery1Minute: 10% at 0, 20% at 1 min, ..., 90% at 8 min, 100% at 9 min).
 * AWS does not document whether the first linear increment waits one interval; we shift it at
 * the start, as the canary does.
 */
export function trafficSteps(routing: TrafficRouting): TrafficStep[] {
  if (routing.type === "AllAtOnce") return [{ atMs: 0, percent: 100 }];
  const intervalMs = routing.intervalMinutes * 60_000;
  if (routing.type === "TimeBasedCanary") {
    return [
      { atMs: 0, percent: routing.percentage },
      { atMs: intervalMs, percent: 100 },
    ];
  }
  const steps: TrafficStep[] = [];
  for (let k = 0; ; k++) {
    const percent = Math.min(100, routing.percentage * (k + 1));
    steps.push({ atMs: k * intervalMs, percent });
    if (percent >= 100) return steps;
  }
}

/** Total time from the first shift to all traffic on the new version. */
export function trafficDurationMs(routing: TrafficRouting): number {
  return trafficSteps(routing).at(-1)?.atMs ?? 0;
}

/** Reads a TrafficRoutingConfig as CreateDeploymentConfig receives it (camelCase wire names). */
export function readTrafficRouting(input: unknown): TrafficRouting {
  const config = asObject(input, "trafficRoutingConfig");
  const type = config.type;
  if (type === "AllAtOnce") return { type: "AllAtOnce" };
  if (type === "TimeBasedCanary") {
    const canaryConfig = asObject(config.timeBasedCanary, "trafficRoutingConfig.timeBasedCanary");
    return canary(
      percentage(canaryConfig.canaryPercentage, "canaryPercentage"),
      interval(canaryConfig.canaryInterval, "canaryInterval"),
    );
  }
  if (type === "TimeBasedLinear") {
    const linearConfig = asObject(config.timeBasedLinear, "trafficRoutingConfig.timeBasedLinear");
    return linear(
      percentage(linearConfig.linearPercentage, "linearPercentage"),
      interval(linearConfig.linearInterval, "linearInterval"),
    );
  }
  throw invalidConfig(
    `Invalid trafficRoutingConfig type ${JSON.stringify(type)}: expected TimeBasedCanary, TimeBasedLinear or AllAtOnce.`,
  );
}

/** The wire form of a TrafficRouting (GetDeploymentConfig). */
export function trafficRoutingWire(routing: TrafficRouting): Record<string, unknown> {
  if (routing.type === "AllAtOnce") return { type: "AllAtOnce" };
  if (routing.type === "TimeBasedCanary")
    return {
      type: "TimeBasedCanary",
      timeBasedCanary: { canaryPercentage: routing.percentage, canaryInterval: routing.intervalMinutes },
    };
  return {
    type: "TimeBasedLinear",
    timeBasedLinear: { linearPercentage: routing.percentage, linearInterval: routing.intervalMinutes },
  };
}

function asObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalidConfig(`${name} is required for this traffic routing type.`);
  return value as Record<string, unknown>;
}

function percentage(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 99)
    throw invalidConfig(`${name} must be an integer from 1 to 99.`);
  return value;
}

function interval(value: unknown, name: string): number {
  // CodeDeploy takes whole minutes here (2880 = two days, the longest a Lambda deployment may bake).
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 2880)
    throw invalidConfig(`${name} must be a whole number of minutes from 1 to 2880.`);
  return value;
}

function invalidConfig(message: string): PlatformError {
  return new PlatformError({
    code: DEPLOYMENT_ERRORS.invalidConfig,
    message,
    awsName: "InvalidTrafficRoutingConfigurationException",
  });
}
