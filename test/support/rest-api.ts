import {
  type APIGatewayClient,
  CreateResourceCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from "@aws-sdk/client-api-gateway";

/** The Lambda integration URI of a function (what SAM and the console put in `uri`). */
export function lambdaUri(functionName: string): string {
  return `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${functionName}/invocations`;
}

/** The root resource id of a REST API. */
export async function rootId(client: APIGatewayClient, restApiId: string): Promise<string> {
  const resources = await client.send(new GetResourcesCommand({ restApiId }));
  const root = resources.items?.find((r) => r.path === "/");
  if (!root?.id) throw new Error("no root resource");
  return root.id;
}

/** Creates the resources of a path (`/items/{id}`) below `parentId`; returns the last id. */
export async function resourcePath(
  client: APIGatewayClient,
  restApiId: string,
  parentId: string,
  path: string,
) {
  let current = parentId;
  for (const pathPart of path.split("/").filter(Boolean)) {
    const created = await client.send(new CreateResourceCommand({ restApiId, parentId: current, pathPart }));
    current = created.id ?? "";
  }
  return current;
}

/** PutMethod + an AWS_PROXY integration to `functionName`. */
export async function proxyMethod(
  client: APIGatewayClient,
  restApiId: string,
  resourceId: string,
  httpMethod: string,
  functionName: string,
  extra: { apiKeyRequired?: boolean; authorizerId?: string; timeoutInMillis?: number; iam?: boolean } = {},
): Promise<void> {
  await client.send(
    new PutMethodCommand({
      restApiId,
      resourceId,
      httpMethod,
      authorizationType: extra.authorizerId ? "CUSTOM" : extra.iam ? "AWS_IAM" : "NONE",
      ...(extra.authorizerId ? { authorizerId: extra.authorizerId } : {}),
      apiKeyRequired: extra.apiKeyRequired ?? false,
    }),
  );
  await client.send(
    new PutIntegrationCommand({
      restApiId,
      resourceId,
      httpMethod,
      type: "AWS_PROXY",
      integrationHttpMethod: "POST",
      uri: lambdaUri(functionName),
      ...(extra.timeoutInMillis ? { timeoutInMillis: extra.timeoutInMillis } : {}),
    }),
  );
}

/** The path-form URL of a stage: `<endpoint>/_nimbus/execute-api/<api-id>/<stage>`. */
export function stageUrl(endpoint: string, restApiId: string, stage: string): string {
  return `${endpoint}/_nimbus/execute-api/${restApiId}/${stage}`;
}
