import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { REST_API_ERRORS } from "./errors.js";
import { KeyService } from "./key-service.js";
import { RestApiService } from "./rest-api-service.js";
import { RestApiStore } from "./rest-api-store.js";
import { StageService } from "./stage-service.js";
import { UsageMeter } from "./usage-meter.js";

describe("KeyService stage keys", () => {
  let metadata: SqliteMetadataStore;
  let keys: KeyService;
  let apiId: string;

  beforeEach(async () => {
    metadata = new SqliteMetadataStore(":memory:");
    const clock = new ManualClock();
    const store = new RestApiStore(metadata);
    const apis = new RestApiService(store, clock);
    const stages = new StageService(store, clock);
    keys = new KeyService(store, new UsageMeter(clock), clock);
    const api = await apis.create({ name: "a" });
    apiId = api.id;
    await apis.putMethod(apiId, api.rootResourceId, {
      httpMethod: "GET",
      authorizationType: "NONE",
      apiKeyRequired: true,
      requestParameters: {},
      methodResponses: {},
    });
    await apis.putIntegration(apiId, api.rootResourceId, "GET", {
      type: "MOCK",
      requestParameters: {},
      requestTemplates: {},
      passthroughBehavior: "WHEN_NO_MATCH",
      timeoutInMillis: 29_000,
      cacheNamespace: "",
      cacheKeyParameters: [],
      integrationResponses: {},
    });
    await stages.createDeployment(apiId, { stageName: "prod" });
    await stages.createDeployment(apiId, { stageName: "beta" });
  });
  afterEach(async () => {
    await metadata.close();
  });

  it("stores the stage keys given at creation as <restApiId>/<stageName>, once each", async () => {
    const key = await keys.createApiKey({
      name: "k",
      stageKeys: [
        { restApiId: apiId, stageName: "prod" },
        { restApiId: apiId, stageName: "prod" },
      ],
    });
    expect(key.stageKeys).toEqual([`${apiId}/prod`]);
    expect((await keys.apiKey(key.id)).stageKeys).toEqual([`${apiId}/prod`]);
  });

  it("refuses a stage key naming no stage, and one missing a member", async () => {
    await expect(
      keys.createApiKey({ stageKeys: [{ restApiId: apiId, stageName: "nope" }] }),
    ).rejects.toMatchObject({
      code: REST_API_ERRORS.badRequest,
      awsName: "BadRequestException",
      message: "Invalid stage identifier specified",
    });
    await expect(keys.createApiKey({ stageKeys: [{ restApiId: apiId }] })).rejects.toMatchObject({
      code: REST_API_ERRORS.badRequest,
    });
    expect(await keys.apiKeys()).toEqual([]);
  });

  it("adds and removes stage keys with patch operations on /stages", async () => {
    const key = await keys.createApiKey({ name: "k", stageKeys: [{ restApiId: apiId, stageName: "prod" }] });
    const added = await keys.updateApiKey(key.id, [
      { op: "add", path: "/stages", value: `${apiId}/beta` },
      { op: "add", path: "/stages", value: `${apiId}/beta` },
    ]);
    expect(added.stageKeys).toEqual([`${apiId}/prod`, `${apiId}/beta`]);
    const removed = await keys.updateApiKey(key.id, [
      { op: "remove", path: "/stages", value: `${apiId}/prod` },
      { op: "remove", path: "/stages", value: `${apiId}/gone` },
    ]);
    expect(removed.stageKeys).toEqual([`${apiId}/beta`]);
    expect((await keys.apiKey(key.id)).stageKeys).toEqual([`${apiId}/beta`]);
  });

  it("refuses adding a stage that does not exist or a malformed value, and changes nothing", async () => {
    const key = await keys.createApiKey({ name: "k" });
    await expect(
      keys.updateApiKey(key.id, [
        { op: "replace", path: "/name", value: "renamed" },
        { op: "add", path: "/stages", value: `${apiId}/nope` },
      ]),
    ).rejects.toMatchObject({
      code: REST_API_ERRORS.badRequest,
      message: "Invalid stage identifier specified",
    });
    for (const value of [apiId, `${apiId}/`, "/prod", undefined]) {
      await expect(keys.updateApiKey(key.id, [{ op: "add", path: "/stages", value }])).rejects.toMatchObject({
        code: REST_API_ERRORS.badRequest,
      });
    }
    const after = await keys.apiKey(key.id);
    expect(after.name).toBe("k");
    expect(after.stageKeys).toEqual([]);
  });
});
