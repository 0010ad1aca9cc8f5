import { describe, expect, it } from "vitest";
import type { TemplateJson } from "../lib/template-file.js";
import { isIgnored, localArtifacts, planChanges, watchRoots } from "./code-map.js";

const ROOT = "/app";
const TEMPLATE = "/app/template.yaml";
const folders = new Set([
  "/app",
  "/app/src/a",
  "/app/src/b",
  "/app/src/shared",
  "/app/layers/deps",
  "/app/src",
]);
const isDir = (path: string) => folders.has(path);

const template: TemplateJson = {
  Transform: "AWS::Serverless-2016-10-31",
  Globals: { Function: { Runtime: "nodejs20.x" } },
  Resources: {
    A: { Type: "AWS::Serverless::Function", Properties: { CodeUri: "src/a/", Handler: "index.handler" } },
    B: { Type: "AWS::Serverless::Function", Properties: { CodeUri: "./src/b", Handler: "index.handler" } },
    B2: { Type: "AWS::Serverless::Function", Properties: { CodeUri: "src/b", Handler: "other.handler" } },
    Published: {
      Type: "AWS::Serverless::Function",
      Properties: { CodeUri: "src/shared", AutoPublishAlias: "live" },
    },
    Inline: { Type: "AWS::Serverless::Function", Properties: { InlineCode: "exports.handler=1" } },
    Remote: { Type: "AWS::Serverless::Function", Properties: { CodeUri: "s3://bucket/key.zip" } },
    Archive: { Type: "AWS::Serverless::Function", Properties: { CodeUri: "dist/fn.zip" } },
    Plain: { Type: "AWS::Lambda::Function", Properties: { Code: "src/a" } },
    Deps: { Type: "AWS::Serverless::LayerVersion", Properties: { ContentUri: "layers/deps" } },
    Flow: {
      Type: "AWS::Serverless::StateMachine",
      Properties: { DefinitionUri: "statemachine/flow.asl.json" },
    },
    Queue: { Type: "AWS::SQS::Queue", Properties: {} },
  },
};

describe("localArtifacts", () => {
  const artifacts = localArtifacts(template, ROOT, isDir);
  const byId = (id: string) => artifacts.find((a) => a.logicalId === id);

  it("lists the same local paths nimbus deploy packages, as absolute paths", () => {
    expect(artifacts.map((a) => `${a.logicalId} ${a.path} ${a.onChange}`)).toEqual([
      "A /app/src/a reload",
      "B /app/src/b reload",
      "B2 /app/src/b reload",
      "Published /app/src/shared deploy",
      "Archive /app/dist/fn.zip deploy",
      "Plain /app/src/a reload",
      "Deps /app/layers/deps deploy",
      "Flow /app/statemachine/flow.asl.json deploy",
    ]);
  });

  it("says why a function's change needs a deploy", () => {
    expect(byId("Published")?.deployReason).toMatch(/AutoPublishAlias/);
    expect(byId("Archive")?.deployReason).toMatch(/is a file/);
  });

  it("uses Globals.Function.CodeUri, else the template folder, for functions without their own", () => {
    const withGlobal = localArtifacts(
      {
        Globals: { Function: { CodeUri: "src/" } },
        Resources: { F: { Type: "AWS::Serverless::Function", Properties: { Handler: "a.handler" } } },
      },
      ROOT,
      isDir,
    );
    expect(withGlobal.map((a) => a.path)).toEqual(["/app/src"]);
    const none = localArtifacts(
      { Resources: { F: { Type: "AWS::Serverless::Function", Properties: { Handler: "a.handler" } } } },
      ROOT,
      isDir,
    );
    expect(none.map((a) => [a.path, a.onChange])).toEqual([["/app", "reload"]]);
  });

  it("treats a Globals AutoPublishAlias like the function's own", () => {
    const out = localArtifacts(
      {
        Globals: { Function: { AutoPublishAlias: "live" } },
        Resources: { F: { Type: "AWS::Serverless::Function", Properties: { CodeUri: "src/a" } } },
      },
      ROOT,
      isDir,
    );
    expect(out[0]?.onChange).toBe("deploy");
  });
});

describe("watchRoots", () => {
  it("watches code folders recursively and the template's and files' folders flat, each once", () => {
    const artifacts = localArtifacts(template, ROOT, isDir);
    expect(watchRoots(artifacts, TEMPLATE)).toEqual([
      { dir: "/app/src/a", recursive: true },
      { dir: "/app/src/b", recursive: true },
      { dir: "/app/src/shared", recursive: true },
      { dir: "/app/layers/deps", recursive: true },
      { dir: "/app", recursive: false },
      { dir: "/app/dist", recursive: false },
      { dir: "/app/statemachine", recursive: false },
    ]);
  });

  it("drops folders inside a recursively watched one", () => {
    const artifacts = localArtifacts(
      {
        Resources: {
          Root: { Type: "AWS::Serverless::Function", Properties: {} },
          A: { Type: "AWS::Serverless::Function", Properties: { CodeUri: "src/a" } },
        },
      },
      ROOT,
      isDir,
    );
    expect(watchRoots(artifacts, TEMPLATE)).toEqual([{ dir: "/app", recursive: true }]);
  });
});

describe("planChanges", () => {
  const artifacts = localArtifacts(template, ROOT, isDir);

  it("reloads every function whose code folder holds a changed file", () => {
    expect(planChanges(["/app/src/b/index.mjs", "/app/src/a/lib/x.js"], artifacts, TEMPLATE)).toEqual({
      deploy: false,
      reload: ["A", "B", "B2", "Plain"],
    });
  });

  it("redeploys when the template, a layer, a definition or a publishing function changes", () => {
    expect(planChanges([TEMPLATE, "/app/src/a/index.mjs"], artifacts, TEMPLATE)).toEqual({
      deploy: true,
      reason: "the template changed",
      reload: [],
    });
    expect(planChanges(["/app/layers/deps/nodejs/x.js"], artifacts, TEMPLATE).deploy).toBe(true);
    expect(planChanges(["/app/statemachine/flow.asl.json"], artifacts, TEMPLATE).deploy).toBe(true);
    expect(planChanges(["/app/src/shared/util.js"], artifacts, TEMPLATE).reason).toMatch(/AutoPublishAlias/);
  });

  it("ignores files no artifact uses", () => {
    expect(planChanges(["/app/README.md", "/app/statemachine/other.json"], artifacts, TEMPLATE)).toEqual({
      deploy: false,
      reload: [],
    });
  });
});

describe("isIgnored", () => {
  it("ignores node_modules, .git, .nimbus and the data directory", () => {
    expect(isIgnored("/app/src/a/node_modules/x/index.js", "/app/src/a")).toBe(true);
    expect(isIgnored("/app/.git/index", "/app")).toBe(true);
    expect(isIgnored("/app/.nimbus/nimbus.db-wal", "/app")).toBe(true);
    expect(isIgnored("/app/data/x.db", "/app", "/app/data")).toBe(true);
    expect(isIgnored("/app/src/a/index.mjs", "/app/src/a", "/app/data")).toBe(false);
  });
});
