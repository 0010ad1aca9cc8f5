import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { SqliteMetadataStore } from "../../storage/sqlite/sqlite-metadata-store.js";
import { REST_API_ERRORS } from "./errors.js";
import { RestApiService } from "./rest-api-service.js";
import { RestApiStore } from "./rest-api-store.js";

describe("RestApiService", () => {
  let metadata: SqliteMetadataStore;
  let apis: RestApiService;

  beforeEach(() => {
    metadata = new SqliteMetadataStore(":memory:");
    apis = new RestApiService(new RestApiStore(metadata), new ManualClock());
  });
  afterEach(async () => {
    await metadata.close();
  });

  it("keeps every one of many concurrent changes to one API", async () => {
    const api = await apis.create({ name: "busy" });
    const parts = Array.from({ length: 8 }, (_, i) => `part${i}`);
    await Promise.all(parts.map((p) => apis.createResource(api.id, api.rootResourceId, p)));
    const paths = Object.values((await apis.get(api.id)).resources).map((r) => r.path);
    expect(paths.sort()).toEqual(["/", ...parts.map((p) => `/${p}`)].sort());
  });

  it("builds paths, refuses duplicates, a second variable sibling and children of a greedy part", async () => {
    const api = await apis.create({ name: "tree" });
    const items = await apis.createResource(api.id, api.rootResourceId, "items");
    const id = await apis.createResource(api.id, items.id, "{id}");
    expect(id.path).toBe("/items/{id}");
    await expect(apis.createResource(api.id, api.rootResourceId, "items")).rejects.toMatchObject({
      code: REST_API_ERRORS.conflict,
    });
    await expect(apis.createResource(api.id, items.id, "{other}")).rejects.toMatchObject({
      code: REST_API_ERRORS.badRequest,
    });
    const greedy = await apis.createResource(api.id, api.rootResourceId, "{proxy+}");
    await expect(apis.createResource(api.id, greedy.id, "x")).rejects.toMatchObject({
      code: REST_API_ERRORS.badRequest,
    });
    await expect(apis.createResource(api.id, api.rootResourceId, "bad/part")).rejects.toMatchObject({
      code: REST_API_ERRORS.badRequest,
    });
  });

  it("deletes a resource with everything below it", async () => {
    const api = await apis.create({ name: "prune" });
    const a = await apis.createResource(api.id, api.rootResourceId, "a");
    const b = await apis.createResource(api.id, a.id, "b");
    await apis.createResource(api.id, b.id, "c");
    await apis.deleteResource(api.id, a.id);
    expect(Object.values((await apis.get(api.id)).resources).map((r) => r.path)).toEqual(["/"]);
  });

  it("refuses integrations and authorizers it cannot apply, naming them", async () => {
    const api = await apis.create({ name: "refusals" });
    await apis.putMethod(api.id, api.rootResourceId, {
      httpMethod: "GET",
      authorizationType: "NONE",
      apiKeyRequired: false,
      requestParameters: {},
      methodResponses: {},
    });
    const base = {
      requestParameters: {},
      requestTemplates: {},
      passthroughBehavior: "WHEN_NO_MATCH" as const,
      timeoutInMillis: 29_000,
      cacheNamespace: "",
      cacheKeyParameters: [],
      integrationResponses: {},
    };
    await expect(
      apis.putIntegration(api.id, api.rootResourceId, "GET", {
        ...base,
        type: "AWS",
        httpMethod: "POST",
        uri: "arn:aws:apigateway:us-east-1:s3:path/bucket/key",
      }),
    ).rejects.toMatchObject({
      code: REST_API_ERRORS.unsupported,
      message: expect.stringMatching(/other than Lambda/),
    });
    await expect(
      apis.putIntegration(api.id, api.rootResourceId, "GET", {
        ...base,
        type: "MOCK",
        timeoutInMillis: 30_000,
      }),
    ).rejects.toMatchObject({ code: REST_API_ERRORS.badRequest });
    await expect(
      apis.createAuthorizer(api.id, {
        name: "cognito",
        type: "COGNITO_USER_POOLS" as "TOKEN",
        authorizerUri: "",
        authorizerResultTtlInSeconds: 0,
      }),
    ).rejects.toMatchObject({ code: REST_API_ERRORS.unsupported });
  });
});
