import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { REST_API_ERRORS } from "./errors.js";
import { RestApiService } from "./rest-api-service.js";
import { RestApiStore } from "./rest-api-store.js";
import { StageService } from "./stage-service.js";

describe("StageService", () => {
  let metadata: SqliteMetadataStore;
  let apis: RestApiService;
  let stages: StageService;
  let apiId: string;

  beforeEach(async () => {
    metadata = new SqliteMetadataStore(":memory:");
    const clock = new ManualClock();
    const store = new RestApiStore(metadata);
    apis = new RestApiService(store, clock);
    stages = new StageService(store, clock);
    const api = await apis.create({ name: "a" });
    apiId = api.id;
    await apis.putMethod(apiId, api.rootResourceId, {
      httpMethod: "GET",
      authorizationType: "NONE",
      apiKeyRequired: false,
      requestParameters: {},
      methodResponses: {},
    });
  });
  afterEach(async () => {
    await metadata.close();
  });

  it("refuses a deployment while a method has no integration", async () => {
    await expect(stages.createDeployment(apiId, { stageName: "s" })).rejects.toMatchObject({
      code: REST_API_ERRORS.badRequest,
      message: expect.stringMatching(/No integration defined/),
    });
  });

  describe("with a deployed stage", () => {
    beforeEach(async () => {
      const api = await apis.get(apiId);
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
      await stages.createDeployment(apiId, { stageName: "s", variables: { a: "1" } });
    });

    it("applies variable, throttling and canary patch operations", async () => {
      const canary = await stages.createDeployment(apiId, {});
      const stage = await stages.updateStage(apiId, "s", [
        { op: "replace", path: "/variables/b", value: "2" },
        { op: "remove", path: "/variables/a" },
        { op: "replace", path: "/*/*/throttling/burstLimit", value: "10" },
        { op: "replace", path: "/~1items~1{id}/GET/throttling/rateLimit", value: "2.5" },
        { op: "replace", path: "/canarySettings/percentTraffic", value: "25" },
        { op: "replace", path: "/canarySettings/deploymentId", value: canary.id },
        { op: "replace", path: "/canarySettings/stageVariableOverrides/b", value: "3" },
      ]);
      expect(stage.variables).toEqual({ b: "2" });
      expect(stage.methodSettings).toEqual({
        "*/*": { throttlingBurstLimit: 10 },
        "/items/{id}/GET": { throttlingRateLimit: 2.5 },
      });
      expect(stage.canarySettings).toEqual({
        percentTraffic: 25,
        deploymentId: canary.id,
        stageVariableOverrides: { b: "3" },
        useStageCache: false,
      });
    });

    it("refuses unsupported paths, bad values and unknown deployments without changing the stage", async () => {
      const refused = [
        [{ op: "replace", path: "/*/*/logging/loglevel", value: "INFO" }],
        [{ op: "replace", path: "/cacheClusterEnabled", value: "true" }],
        [{ op: "replace", path: "/canarySettings/percentTraffic", value: "101" }],
        [{ op: "replace", path: "/deploymentId", value: "nope00" }],
        [{ op: "copy", path: "/variables/a", value: "x" }],
      ];
      for (const ops of refused) {
        await expect(stages.updateStage(apiId, "s", ops)).rejects.toMatchObject({ status: 400 });
      }
      expect((await stages.stage(apiId, "s")).variables).toEqual({ a: "1" });
    });

    it("refuses deleting a deployment a stage serves", async () => {
      const stage = await stages.stage(apiId, "s");
      await expect(stages.deleteDeployment(apiId, stage.deploymentId)).rejects.toMatchObject({
        code: REST_API_ERRORS.badRequest,
      });
    });
  });
});
