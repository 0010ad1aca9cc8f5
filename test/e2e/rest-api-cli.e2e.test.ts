import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aws, requireAwsCli } from "../support/aws-cli.js";
import { createFixtureFunction } from "../support/functions.js";
import { startNimbus, type TestNimbus } from "../support/nimbus.js";
import { lambdaUri, stageUrl } from "../support/rest-api.js";

const cli = requireAwsCli();
let nimbus: TestNimbus;
let dir: string;

beforeAll(async () => {
  if (!cli) return;
  nimbus = await startNimbus();
  dir = await mkdtemp(join(tmpdir(), "rest-cli-"));
  await createFixtureFunction(nimbus.lambda, "rest-proxy", "node/rest-proxy");
}, 60_000);

afterAll(async () => {
  await nimbus?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!cli)("REST APIs with the AWS CLI (the docs/rest-apis.md walkthrough)", () => {
  const run = async (...args: string[]) =>
    JSON.parse((await aws(cli ?? "", nimbus.url, ["apigateway", ...args])) || "{}");

  it("builds, deploys and calls a Lambda proxy API, then imports an OpenAPI file", async () => {
    const api = await run("create-rest-api", "--name", "cli-api", "--binary-media-types", "image/png");
    expect(api.id).toMatch(/^[a-z0-9]{10}$/);
    const resources = await run("get-resources", "--rest-api-id", api.id);
    const root = resources.items.find((r: { path: string }) => r.path === "/").id;
    const items = await run(
      "create-resource",
      "--rest-api-id",
      api.id,
      "--parent-id",
      root,
      "--path-part",
      "items",
    );
    const item = await run(
      "create-resource",
      "--rest-api-id",
      api.id,
      "--parent-id",
      items.id,
      "--path-part",
      "{id}",
    );
    await run(
      "put-method",
      "--rest-api-id",
      api.id,
      "--resource-id",
      item.id,
      "--http-method",
      "GET",
      "--authorization-type",
      "NONE",
    );
    const integration = await run(
      "put-integration",
      ...["--rest-api-id", api.id, "--resource-id", item.id, "--http-method", "GET", "--type", "AWS_PROXY"],
      ...["--integration-http-method", "POST", "--uri", lambdaUri("rest-proxy")],
    );
    expect(integration.type).toBe("AWS_PROXY");
    const deployment = await run(
      "create-deployment",
      "--rest-api-id",
      api.id,
      "--stage-name",
      "prod",
      "--variables",
      "color=red",
    );
    expect(deployment.id).toBeTruthy();
    const stage = await run("get-stage", "--rest-api-id", api.id, "--stage-name", "prod");
    expect(stage.variables).toEqual({ color: "red" });
    const res = await fetch(`${stageUrl(nimbus.url, api.id, "prod")}/items/9`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-stage-variable")).toBe("red");

    const file = join(dir, "api.yaml");
    await writeFile(
      file,
      [
        "openapi: 3.0.1",
        "info: { title: imported, version: '1' }",
        "paths:",
        "  /ping:",
        "    get:",
        "      x-amazon-apigateway-integration:",
        "        type: mock",
        "        requestTemplates: { application/json: '{\"statusCode\": 200}' }",
        "        responses: { default: { statusCode: '200', responseTemplates: { application/json: '{\"pong\": true}' } } }",
      ].join("\n"),
    );
    const imported = await run("import-rest-api", "--body", `fileb://${file}`);
    expect(imported.name).toBe("imported");
    await run("create-deployment", "--rest-api-id", imported.id, "--stage-name", "dev");
    expect(await (await fetch(`${stageUrl(nimbus.url, imported.id, "dev")}/ping`)).json()).toEqual({
      pong: true,
    });
  }, 120_000);
});
