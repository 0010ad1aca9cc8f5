import { DescribeStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { CliError } from "./cli-error.js";
import type { NimbusClients } from "./clients.js";

const FUNCTION_TYPES = new Set(["AWS::Lambda::Function", "AWS::Serverless::Function"]);

/**
 * The function name to call: `fn` itself, or, with a stack name, the physical name of the
 * stack's function whose logical id is `fn` (DescribeStackResources).
 */
export async function resolveFunctionName(
  clients: NimbusClients,
  fn: string,
  stackName: string | undefined,
): Promise<string> {
  if (!stackName) return fn;
  const out = await clients.cloudFormation.send(
    new DescribeStackResourcesCommand({ StackName: stackName, LogicalResourceId: fn }),
  );
  const resource = (out.StackResources ?? []).find((r) => r.LogicalResourceId === fn);
  if (!resource?.PhysicalResourceId) {
    throw new CliError(`stack ${stackName} has no resource ${fn}`);
  }
  if (resource.ResourceType && !FUNCTION_TYPES.has(resource.ResourceType)) {
    throw new CliError(`${fn} in stack ${stackName} is a ${resource.ResourceType}, not a function`);
  }
  return resource.PhysicalResourceId;
}
