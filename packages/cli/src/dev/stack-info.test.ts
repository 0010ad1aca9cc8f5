import { describe, expect, it } from "vitest";
import { stackInfoText } from "./stack-info.js";

describe("stackInfoText", () => {
  it("lists functions by logical id, then each API's stage URLs and one URL per route", () => {
    const text = stackInfoText({
      functions: [
        {
          logicalId: "HelloFunction",
          name: "app-HelloFunction-ABC",
          logGroup: "/aws/lambda/app-HelloFunction-ABC",
        },
        { logicalId: "Worker", name: "app-Worker-DEF", logGroup: "/custom/worker" },
      ],
      apis: [
        {
          logicalId: "ServerlessHttpApi",
          id: "k3vq2m0x7d",
          kind: "HTTP API",
          stageUrls: ["http://127.0.0.1:4566/_nimbus/execute-api/k3vq2m0x7d"],
          routes: [
            {
              method: "GET",
              path: "/hello",
              url: "http://127.0.0.1:4566/_nimbus/execute-api/k3vq2m0x7d/hello",
            },
            {
              method: "POST",
              path: "/items",
              url: "http://127.0.0.1:4566/_nimbus/execute-api/k3vq2m0x7d/items",
            },
          ],
        },
        { logicalId: "Empty", id: "r1", kind: "REST API", stageUrls: [], routes: [] },
      ],
    });
    expect(text.split("\n")).toEqual([
      "Functions:",
      "  HelloFunction  app-HelloFunction-ABC",
      "  Worker         app-Worker-DEF",
      "HTTP API ServerlessHttpApi (k3vq2m0x7d): http://127.0.0.1:4566/_nimbus/execute-api/k3vq2m0x7d",
      "  GET   http://127.0.0.1:4566/_nimbus/execute-api/k3vq2m0x7d/hello",
      "  POST  http://127.0.0.1:4566/_nimbus/execute-api/k3vq2m0x7d/items",
      "REST API Empty (r1): (no stage)",
    ]);
  });

  it("is empty for a stack without functions or APIs", () => {
    expect(stackInfoText({ functions: [], apis: [] })).toBe("");
  });
});
