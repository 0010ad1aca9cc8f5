import { GetResourcesCommand, GetStagesCommand as GetRestStagesCommand } from "@aws-sdk/client-api-gateway";
import { GetApiCommand, GetRoutesCommand, GetStagesCommand, type Route } from "@aws-sdk/client-apigatewayv2";
import { DescribeStackResourcesCommand } from "@aws-sdk/client-cloudformation";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import type { NimbusClients } from "../lib/clients.js";

/** One deployed function of the stack. */
export interface StackFunction {
  logicalId: string;
  /** The function's name (its physical id). */
  name: string;
  logGroup: string;
}

/** One route (or resource method) of an API, with its local URL. */
export interface ApiRoute {
  method: string;
  path: string;
  url: string;
}

/** An HTTP API (v2) or REST API (v1) of the stack. */
export interface StackApi {
  logicalId: string;
  id: string;
  kind: "HTTP API" | "REST API";
  /** The base URL of each stage (path form: works for every client, no Host header needed). */
  stageUrls: string[];
  routes: ApiRoute[];
}

export interface StackInfo {
  functions: StackFunction[];
  apis: StackApi[];
}

/**
 * The stack's functions (names and log groups) and its HTTP and REST APIs with local URLs
 * (`<endpoint>/_nimbus/execute-api/<id>/[<stage>/]<path>`; docs/http-apis.md, docs/rest-apis.md).
 */
export async function describeStackInfo(clients: NimbusClients, stackName: string): Promise<StackInfo> {
  const out = await clients.cloudFormation.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  const resources = (out.StackResources ?? []).filter(
    (r) => r.PhysicalResourceId && r.LogicalResourceId && !r.ResourceStatus?.startsWith("DELETE"),
  );
  const functions = await Promise.all(
    resources
      .filter((r) => r.ResourceType === "AWS::Lambda::Function")
      .map(async (r) => {
        const name = r.PhysicalResourceId ?? "";
        const config = await clients.lambda
          .send(new GetFunctionConfigurationCommand({ FunctionName: name }))
          .catch(() => undefined);
        return {
          logicalId: r.LogicalResourceId ?? "",
          name,
          logGroup: config?.LoggingConfig?.LogGroup ?? `/aws/lambda/${name}`,
        };
      }),
  );
  const apis: StackApi[] = [];
  for (const r of resources) {
    const id = r.PhysicalResourceId ?? "";
    const logicalId = r.LogicalResourceId ?? "";
    if (r.ResourceType === "AWS::ApiGatewayV2::Api") {
      const api = await httpApi(clients, logicalId, id).catch(() => undefined);
      if (api) apis.push(api);
    } else if (r.ResourceType === "AWS::ApiGateway::RestApi") {
      const api = await restApi(clients, logicalId, id).catch(() => undefined);
      if (api) apis.push(api);
    }
  }
  functions.sort((a, b) => a.logicalId.localeCompare(b.logicalId));
  apis.sort((a, b) => a.logicalId.localeCompare(b.logicalId));
  return { functions, apis };
}

async function httpApi(clients: NimbusClients, logicalId: string, id: string): Promise<StackApi | undefined> {
  const v2 = clients.apiGatewayV2;
  const api = await v2.send(new GetApiCommand({ ApiId: id }));
  if (api.ProtocolType && api.ProtocolType !== "HTTP") return undefined;
  const stages = (await v2.send(new GetStagesCommand({ ApiId: id }))).Items ?? [];
  const routes: Route[] = [];
  let next: string | undefined;
  do {
    const page = await v2.send(new GetRoutesCommand({ ApiId: id, NextToken: next }));
    routes.push(...(page.Items ?? []));
    next = page.NextToken;
  } while (next);
  const base = `${clients.endpoint}/_nimbus/execute-api/${id}`;
  // The $default stage serves at the root; other stages under their name.
  const stageUrls = stages.map((s) => (s.StageName === "$default" ? base : `${base}/${s.StageName}`));
  const firstStage = stageUrls[0] ?? base;
  const out: ApiRoute[] = [];
  for (const route of routes) {
    const key = route.RouteKey ?? "";
    if (key === "$default") {
      out.push({ method: "ANY", path: "/*", url: `${firstStage}/` });
      continue;
    }
    const [method = "ANY", path = "/"] = key.split(" ");
    out.push({ method, path, url: `${firstStage}${path}` });
  }
  out.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  return { logicalId, id, kind: "HTTP API", stageUrls, routes: out };
}

async function restApi(clients: NimbusClients, logicalId: string, id: string): Promise<StackApi> {
  const v1 = clients.apiGateway;
  const stages = (await v1.send(new GetRestStagesCommand({ restApiId: id }))).item ?? [];
  const base = `${clients.endpoint}/_nimbus/execute-api/${id}`;
  const stageUrls = stages.map((s) => `${base}/${s.stageName ?? ""}`);
  const firstStage = stageUrls[0] ?? base;
  const routes: ApiRoute[] = [];
  let position: string | undefined;
  do {
    const page = await v1.send(
      new GetResourcesCommand({ restApiId: id, position, embed: ["methods"], limit: 500 }),
    );
    for (const resource of page.items ?? []) {
      for (const method of Object.keys(resource.resourceMethods ?? {})) {
        const path = resource.path ?? "/";
        routes.push({ method, path, url: `${firstStage}${path === "/" ? "/" : path}` });
      }
    }
    position = page.position;
  } while (position);
  routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  return { logicalId, id, kind: "REST API", stageUrls, routes };
}

/** The functions and APIs as the lines `nimbus dev` prints after a deploy. */
export function stackInfoText(info: StackInfo): string {
  const lines: string[] = [];
  if (info.functions.length > 0) {
    lines.push("Functions:");
    const width = Math.max(...info.functions.map((f) => f.logicalId.length));
    for (const f of info.functions) lines.push(`  ${f.logicalId.padEnd(width)}  ${f.name}`);
  }
  for (const api of info.apis) {
    lines.push(`${api.kind} ${api.logicalId} (${api.id}): ${api.stageUrls.join("  ") || "(no stage)"}`);
    const width = Math.max(0, ...api.routes.map((r) => r.method.length));
    for (const r of api.routes) lines.push(`  ${r.method.padEnd(width)}  ${r.url}`);
  }
  return lines.join("\n");
}
