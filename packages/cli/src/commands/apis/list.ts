import {
  GetRestApisCommand,
  GetStagesCommand as GetRestStagesCommand,
  type RestApi,
} from "@aws-sdk/client-api-gateway";
import { type Api, GetApisCommand, GetStagesCommand } from "@aws-sdk/client-apigatewayv2";
import type { Command } from "commander";
import { type NimbusClients, withClients } from "../../lib/clients.js";
import { endpointOption, type ServerFlags } from "../../lib/endpoint.js";
import { isJson, outputOption, printJson, println, table } from "../../lib/output.js";

export interface ApiInfo {
  name: string;
  apiId: string;
  /** HTTP (v2), WEBSOCKET (v2) or REST (v1). */
  kind: string;
  stages: { stageName: string; url: string; hostUrl: string }[];
}

/** `nimbus apis list`: HTTP APIs (v2) and REST APIs (v1) with the URLs they answer on Nimbus. */
export function registerApisCommands(program: Command): void {
  const apis = program.command("apis").description("HTTP APIs and REST APIs on the server");
  apis
    .command("list")
    .description("List HTTP APIs (v2) and REST APIs (v1) with the invoke URL of every stage")
    .addOption(endpointOption())
    .addOption(outputOption())
    .addHelpText(
      "after",
      `
Each stage has two URLs on Nimbus (docs/http-apis.md, docs/rest-apis.md): the path form
<endpoint>/_nimbus/execute-api/<api-id>/<stage>/ (any client) and the host form
http://<api-id>.execute-api.localhost:<port>/<stage>/. An HTTP API's $default stage serves at the root.

Example:
  nimbus apis list --output json`,
    )
    .action(async (flags: ServerFlags) => {
      const rows = await withClients(flags, (clients) => listApis(clients));
      if (isJson(flags)) return printJson({ apis: rows });
      if (rows.length === 0) return println("No APIs.");
      const lines: string[][] = [];
      for (const api of rows) {
        if (api.stages.length === 0) lines.push([api.name, api.kind, api.apiId, "-", "(no stage deployed)"]);
        for (const s of api.stages) lines.push([api.name, api.kind, api.apiId, s.stageName, s.url]);
      }
      println(table(["Name", "Kind", "Id", "Stage", "URL"], lines));
    });
}

/** Every API with its stages' URLs. */
export async function listApis(clients: NimbusClients): Promise<ApiInfo[]> {
  const endpoint = new URL(clients.endpoint);
  const hostBase = (id: string) =>
    `${endpoint.protocol}//${id}.execute-api.localhost:${endpoint.port || (endpoint.protocol === "https:" ? 443 : 80)}`;
  const pathBase = (id: string) => `${clients.endpoint}/_nimbus/execute-api/${id}`;
  const out: ApiInfo[] = [];

  const v2: Api[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.apiGatewayV2.send(new GetApisCommand({ NextToken: nextToken }));
    v2.push(...(page.Items ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  for (const api of v2) {
    const id = api.ApiId ?? "";
    const stages = await clients.apiGatewayV2
      .send(new GetStagesCommand({ ApiId: id }))
      .catch(() => ({ Items: [] }));
    out.push({
      name: api.Name ?? "",
      apiId: id,
      kind: api.ProtocolType ?? "HTTP",
      stages: (stages.Items ?? []).map((s) => {
        const stageName = s.StageName ?? "";
        const suffix = stageName === "$default" ? "/" : `/${stageName}/`;
        return { stageName, url: `${pathBase(id)}${suffix}`, hostUrl: `${hostBase(id)}${suffix}` };
      }),
    });
  }

  const v1: RestApi[] = [];
  let position: string | undefined;
  do {
    const page = await clients.apiGateway.send(new GetRestApisCommand({ position, limit: 500 }));
    v1.push(...(page.items ?? []));
    position = page.position;
  } while (position);
  for (const api of v1) {
    const id = api.id ?? "";
    const stages = await clients.apiGateway
      .send(new GetRestStagesCommand({ restApiId: id }))
      .catch(() => ({ item: [] }));
    out.push({
      name: api.name ?? "",
      apiId: id,
      kind: "REST",
      stages: (stages.item ?? []).map((s) => {
        const stageName = s.stageName ?? "";
        return { stageName, url: `${pathBase(id)}/${stageName}/`, hostUrl: `${hostBase(id)}/${stageName}/` };
      }),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.apiId.localeCompare(b.apiId));
}
