import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { HttpApiService } from "./http-api-service.js";
import type { HttpApiDocument, StageRecord } from "./model.js";

function stage(name: string, autoDeploy: boolean): StageRecord {
  return {
    stageName: name,
    autoDeploy,
    stageVariables: {},
    defaultRouteSettings: {},
    routeSettings: {},
    tags: {},
    apiGatewayManaged: false,
    createdAt: 0,
    updatedAt: 0,
  };
}

function doc(apiId: string, stages: StageRecord[]): HttpApiDocument {
  return {
    api: { apiId, name: "t", disableExecuteApiEndpoint: false, tags: {}, createdAt: 0 },
    routes: {},
    integrations: {},
    authorizers: {},
    stages: Object.fromEntries(stages.map((s) => [s.stageName, s])),
    deployments: {},
  };
}

const route = (routeId: string, routeKey: string) => ({
  routeId,
  routeKey,
  authorizationType: "NONE" as const,
  apiGatewayManaged: false,
});

describe("HttpApiService", () => {
  let store: SqliteMetadataStore;
  let service: HttpApiService;

  beforeEach(() => {
    store = new SqliteMetadataStore(":memory:");
    service = new HttpApiService(store, new ManualClock());
  });

  afterEach(async () => {
    await store.close();
  });

  it("deploys each change of the definitions to AutoDeploy stages, and leaves other stages alone", async () => {
    const created = await service.create(
      doc("api0000001", [stage("$default", true), stage("manual", false)]),
    );
    const firstDeployment = created.stages.$default?.deploymentId ?? "";
    expect(firstDeployment).not.toBe("");
    expect(created.stages.manual?.deploymentId).toBeUndefined();

    await service.mutate("api0000001", (d) => {
      d.routes.r1 = route("r1", "GET /a");
      return { doc: d, value: undefined, definitionsChanged: true };
    });
    const after = await service.get("api0000001");
    const second = after.stages.$default?.deploymentId ?? "";
    expect(second).not.toBe(firstDeployment);
    expect((await service.snapshot("api0000001", second))?.routes.map((r) => r.routeKey)).toEqual(["GET /a"]);
    expect((await service.snapshot("api0000001", firstDeployment))?.routes).toEqual([]);
    expect(after.stages.manual?.deploymentId).toBeUndefined();
  });

  it("applies concurrent changes one after the other, losing none", async () => {
    await service.create(doc("api0000002", []));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        service.mutate("api0000002", (d) => {
          d.routes[`r${i}`] = route(`r${i}`, `GET /r${i}`);
          return { doc: d, value: undefined };
        }),
      ),
    );
    expect(Object.keys((await service.get("api0000002")).routes)).toHaveLength(20);
  });

  it("leaves the stored document unchanged when a change throws", async () => {
    await service.create(doc("api0000003", []));
    await expect(
      service.mutate("api0000003", (d) => {
        d.routes.r1 = route("r1", "GET /x");
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect((await service.get("api0000003")).routes).toEqual({});
  });

  it("deletes the API with its deployments", async () => {
    const created = await service.create(doc("api0000004", [stage("$default", true)]));
    const deploymentId = created.stages.$default?.deploymentId ?? "";
    await service.delete("api0000004");
    expect(await service.find("api0000004")).toBeUndefined();
    expect(await store.get("httpapi-deployment", `api0000004/${deploymentId}`)).toBeUndefined();
    await expect(service.get("api0000004")).rejects.toMatchObject({ code: "ERR_HTTPAPI_NOT_FOUND" });
  });
});
