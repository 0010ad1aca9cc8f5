import { describe, expect, it } from "vitest";
import { parseTemplateText } from "./template-file.js";

describe("parseTemplateText", () => {
  it("takes the last of a duplicated key, as sam deploy does, and warns with the line", () => {
    const warnings: string[] = [];
    const template = parseTemplateText(
      "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Type: AWS::SNS::Topic\n",
      "template.yaml",
      (message) => warnings.push(message),
    );
    expect(template.Resources).toEqual({ Q: { Type: "AWS::SNS::Topic" } });
    expect(warnings).toEqual([
      "template.yaml: line 4: key 'Type' appears twice in one map; the last value is used (as sam deploy does)",
    ]);
  });
});

describe("readTemplateFile", () => {
  it("inlines an AWS::Include of a file next to the template", async () => {
    const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { readTemplateFile } = await import("./template-file.js");
    const dir = await mkdtemp(join(tmpdir(), "nimbus-include-"));
    try {
      await writeFile(
        join(dir, "template.yaml"),
        "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: Prod\n      DefinitionBody:\n        Fn::Transform: { Name: AWS::Include, Parameters: { Location: api/spec.yaml } }\n",
      );
      const { mkdir } = await import("node:fs/promises");
      await mkdir(join(dir, "api"));
      await writeFile(join(dir, "api/spec.yaml"), "swagger: '2.0'\npaths: {}\n");
      const template = await readTemplateFile(join(dir, "template.yaml"));
      expect(template.Resources?.Api).toEqual({
        Type: "AWS::Serverless::Api",
        Properties: { StageName: "Prod", DefinitionBody: { swagger: "2.0", paths: {} } },
      });
      await rm(join(dir, "api/spec.yaml"));
      await expect(readTemplateFile(join(dir, "template.yaml"))).rejects.toThrow(
        "AWS::Include: cannot read api/spec.yaml (ENOENT)",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
