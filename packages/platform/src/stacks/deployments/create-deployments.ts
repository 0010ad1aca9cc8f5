import type { JsonRpcService } from "../../aws/json-rpc.js";
import type { QueryService } from "../../aws/query-protocol.js";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { Metrics } from "../../observe/index.js";
import type { MetadataStore } from "../../storage/metadata-store.js";
import type { AwsCalls } from "../aws-calls.js";
import type { GradualDeployments } from "../model.js";
import { Alarms } from "./alarms.js";
import { createCloudWatchApi } from "./cloudwatch-api.js";
import { createCodeDeployApi } from "./codedeploy-api.js";
import { DeploymentRunner } from "./deployment-runner.js";
import { DeploymentStore } from "./deployment-store.js";
import { LambdaMetricSeries } from "./lambda-metric-series.js";

export interface DeploymentsOptions {
  metadata: MetadataStore;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  scope: { region: string; accountId: string };
  /** In-process API calls (built after the front door that serves these APIs). */
  api: () => AwsCalls;
}

export interface Deployments {
  /** CodeDeploy (awsJson1_1) for server.ts's jsonServices. */
  readonly codeDeployApi: JsonRpcService;
  /** CloudWatch alarms (awsQuery `monitoring`) for server.ts's queryServices. */
  readonly cloudWatchApi: QueryService;
  /** What stack deploys shift aliases through (ProviderContext.gradual). */
  readonly gradual: GradualDeployments;
  /** After the listener is up: deployments cut short by a restart are failed and rolled back. */
  start(): Promise<void>;
  /** Running deployments end (Failed) and roll back. */
  close(): void;
}

/** Gradual deployments (docs/gradual-deployments.md): wiring of the area's parts. */
export function createDeployments(options: DeploymentsOptions): Deployments {
  const store = new DeploymentStore(options.metadata);
  const series = new LambdaMetricSeries();
  const unsubscribe = options.metrics.onSample((sample) => series.record(sample));
  const alarms = new Alarms(store, series, options.clock, options.scope);
  const runner = new DeploymentRunner({
    store,
    alarms,
    clock: options.clock,
    logger: options.logger,
    api: options.api,
  });
  return {
    codeDeployApi: createCodeDeployApi({ store, runner, clock: options.clock }),
    cloudWatchApi: createCloudWatchApi(alarms),
    gradual: runner,
    start: () => runner.recover(),
    close: () => {
      unsubscribe();
      runner.close();
    },
  };
}
