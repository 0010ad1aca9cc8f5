import type { QueryService } from "../aws/query-protocol.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { MetadataStore } from "../storage/metadata-store.js";
import type { AwsCalls } from "./aws-calls.js";
import { createCloudFormationApi } from "./cfn-api/index.js";
import type { SamTransform } from "./engine/operation-context.js";
import { StackEngine } from "./engine/stack-engine.js";
import { StackStore } from "./engine/stack-store.js";
import type { GradualDeployments, ProviderRegistry, ResourceProvider } from "./model.js";
import { apiGatewayProviders } from "./providers/apigateway/index.js";
import { apiGatewayV2Providers } from "./providers/apigatewayv2/index.js";
import { cloudWatchProviders } from "./providers/cloudwatch.js";
import { codeDeployProviders } from "./providers/codedeploy.js";
import { eventsProviders } from "./providers/events.js";
import { iamProviders } from "./providers/iam.js";
import { lambdaProviders } from "./providers/lambda/index.js";
import { logsProviders } from "./providers/logs.js";
import { s3Providers } from "./providers/s3.js";
import { schedulerProviders } from "./providers/scheduler.js";
import { snsProviders } from "./providers/sns.js";
import { sqsProviders } from "./providers/sqs.js";
import { stepFunctionsProviders } from "./providers/stepfunctions.js";
import { isSamTemplate, transformSam } from "./sam/index.js";

export { STRICT_HEADER } from "./cfn-api/index.js";
export type { StackEngine } from "./engine/stack-engine.js";
export { STACK_ENGINE_ERRORS } from "./errors.js";

/** Every resource provider Nimbus has, by type (docs/stacks.md lists them). */
export function providerRegistry(extra: ResourceProvider[] = []): ProviderRegistry {
  const all = [
    ...lambdaProviders(),
    ...iamProviders(),
    ...logsProviders(),
    ...sqsProviders(),
    ...snsProviders(),
    ...s3Providers(),
    ...eventsProviders(),
    ...schedulerProviders(),
    ...stepFunctionsProviders(),
    ...apiGatewayProviders(),
    ...apiGatewayV2Providers(),
    ...codeDeployProviders(),
    ...cloudWatchProviders(),
    ...extra,
  ];
  return new Map(all.map((p) => [p.type, p]));
}

export interface StacksConfig {
  /** Unsupported types/properties fail the deploy (also per request: `x-nimbus-strict: 1`). */
  strict: boolean;
  /** Resources applied at once when independent. */
  parallel: number;
  /** Operation calls answer when the operation ends or after this long (0: at once, as AWS). */
  answerAfterMs: number;
}

export interface StacksDeps {
  metadata: MetadataStore;
  /** In-process API calls (server.api), built by server.ts after the front door (used once running). */
  api: () => AwsCalls;
  clock: Clock;
  logger: Logger;
  scope: { region: string; accountId: string };
  config: StacksConfig;
  gradual?: GradualDeployments | undefined;
  /** The SAM transform (default: stacks/sam). */
  sam?: SamTransform | undefined;
  /** Providers wired from other areas (CodeDeploy, CloudWatch alarms...). */
  providers?: ResourceProvider[] | undefined;
}

export interface Stacks {
  /** The CloudFormation API (awsQuery). */
  readonly api: QueryService;
  readonly engine: StackEngine;
  readonly registry: ProviderRegistry;
  /** Marks operations a restart interrupted as failed. */
  start(): Promise<void>;
  close(graceMs?: number): Promise<void>;
}

/** The stacks area: CloudFormation/SAM deploys (docs/stacks.md). */
export function createStacks(deps: StacksDeps): Stacks {
  const registry = providerRegistry(deps.providers ?? []);
  const store = new StackStore(deps.metadata, deps.clock);
  const engine = new StackEngine(
    {
      store,
      registry,
      get api() {
        return deps.api();
      },
      clock: deps.clock,
      logger: deps.logger,
      scope: deps.scope,
      gradual: deps.gradual,
      sam: deps.sam ?? { isSamTemplate, transformSam },
      parallel: deps.config.parallel,
    },
    { strict: deps.config.strict, answerAfterMs: deps.config.answerAfterMs },
  );
  return {
    api: createCloudFormationApi(engine),
    engine,
    registry,
    start: () => engine.recover(),
    close: (graceMs) => engine.close(graceMs),
  };
}
