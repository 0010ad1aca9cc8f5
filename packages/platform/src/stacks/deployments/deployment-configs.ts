import type { DeploymentStore } from "./deployment-store.js";
import { codeDeployError, DEPLOYMENT_ERRORS } from "./errors.js";
import { PREDEFINED_LAMBDA_CONFIGS, type TrafficRouting } from "./traffic-routing.js";

/** A deployment configuration by name: a predefined `CodeDeployDefault.Lambda*` one or a stored custom one. */
export async function resolveDeploymentConfig(store: DeploymentStore, name: string): Promise<TrafficRouting> {
  const predefined = PREDEFINED_LAMBDA_CONFIGS[name];
  if (predefined) return predefined;
  const custom = await store.get("config", name);
  if (custom) return custom.routing;
  throw codeDeployError(
    DEPLOYMENT_ERRORS.notFound,
    "DeploymentConfigDoesNotExistException",
    name.startsWith("CodeDeployDefault.")
      ? `Deployment config ${name} does not exist for the Lambda compute platform (Nimbus runs Lambda deployments only).`
      : `No deployment configuration found for name: ${name}`,
  );
}
