import { describe, expect, it } from "vitest";
import { methodCalls } from "./method-input.js";
import { Props } from "./props.js";

const T = "AWS::ApiGateway::Method";
const calls = (values: Record<string, unknown>) => methodCalls(new Props(T, values));

describe("methodCalls", () => {
  it("maps a Method's properties to PutMethod, PutIntegration and the responses", () => {
    const out = calls({
      HttpMethod: "post",
      AuthorizationType: "CUSTOM",
      AuthorizerId: "abc123",
      ApiKeyRequired: "true",
      OperationName: "make",
      RequestParameters: { "method.request.header.x": "true" },
      MethodResponses: [{ StatusCode: 200, ResponseParameters: { "method.response.header.y": false } }],
      Integration: {
        Type: "aws",
        IntegrationHttpMethod: "POST",
        Uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations",
        PassthroughBehavior: "NEVER",
        TimeoutInMillis: "5000",
        RequestTemplates: { "application/json": "{}" },
        ConnectionType: "INTERNET",
        CacheKeyParameters: [],
        IntegrationResponses: [
          { StatusCode: "200", SelectionPattern: "", ResponseTemplates: { "text/plain": "ok" } },
        ],
      },
    });
    expect(out.httpMethod).toBe("POST");
    expect(out.method).toEqual({
      authorizationType: "CUSTOM",
      authorizerId: "abc123",
      apiKeyRequired: true,
      operationName: "make",
      requestParameters: { "method.request.header.x": true },
    });
    expect(out.integration).toEqual({
      type: "AWS",
      httpMethod: "POST",
      uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations",
      passthroughBehavior: "NEVER",
      timeoutInMillis: 5000,
      requestTemplates: { "application/json": "{}" },
      requestParameters: {},
    });
    expect(out.methodResponses).toEqual([
      {
        statusCode: "200",
        body: { responseParameters: { "method.response.header.y": false }, responseModels: {} },
      },
    ]);
    expect(out.integrationResponses).toEqual([
      {
        statusCode: "200",
        body: { selectionPattern: "", responseParameters: {}, responseTemplates: { "text/plain": "ok" } },
      },
    ]);
  });

  it("defaults to NONE without an integration, and refuses members it does not apply", () => {
    expect(calls({ HttpMethod: "GET" })).toEqual({
      httpMethod: "GET",
      method: { authorizationType: "NONE", apiKeyRequired: false, requestParameters: {} },
      integrationResponses: [],
      methodResponses: [],
    });
    expect(() => calls({ HttpMethod: "GET", Integration: { Type: "HTTP", ConnectionId: "v" } })).toThrow(
      /ConnectionId/,
    );
    expect(() =>
      calls({ HttpMethod: "GET", Integration: { Type: "HTTP", CacheKeyParameters: ["a"] } }),
    ).toThrow(/CacheKeyParameters/);
    expect(() => calls({ HttpMethod: "GET", Integration: {} })).toThrow(/Type is required/);
  });
});
