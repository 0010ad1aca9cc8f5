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
