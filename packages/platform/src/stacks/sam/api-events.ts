import type { ResourceDefinition, TemplateObject, TemplateValue } from "../model.js";
import type { SamBuild } from "./builder.js";
import { SamResourceError } from "./errors.js";
import { addPermission } from "./event-support.js";
import { invokeRole } from "./rule-events.js";
import type { EventTarget, HttpApiEvent, RestApiEvent } from "./types.js";
import { getAtt, isObject, ref, sub } from "./util.js";

export const IMPLICIT_REST_API = "ServerlessRestApi";
export const IMPLICIT_HTTP_API = "ServerlessHttpApi";

const REST_KNOWN = new Set([
  "Path",
  "Method",
  "RestApiId",
  "Auth",
  "RequestParameters",
  "UnescapeMappingTemplate",
]);
const HTTP_KNOWN = new Set([
  "Path",
  "Method",
  "ApiId",
  "Auth",
  "TimeoutInMillis",
  "PayloadFormatVersion",
  "RouteSettings",
]);

/** Swagger / OpenAPI method key: lower case, ANY as `x-amazon-apigateway-any-method`. */
export function methodKey(method: string): string {
  const lower = method.toLowerCase();
  return lower === "any" ? "x-amazon-apigateway-any-method" : lower;
}

/** `${Fn.Arn}` / `${FnAliaslive}` for a Fn::Sub, from the target's ARN expression. */
function subReference(arn: TemplateValue): string {
  if (isObject(arn) && typeof arn.Ref === "string") return `\${${arn.Ref}}`;
  if (isObject(arn) && Array.isArray(arn["Fn::GetAtt"]))
    return `\${${(arn["Fn::GetAtt"] as string[]).join(".")}}`;
  throw new Error("event target ARN must be a Ref or Fn::GetAtt");
}

/** The Lambda proxy integration URI SAM writes: `arn:...:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`. */
export function lambdaIntegrationUri(arn: TemplateValue): TemplateObject {
  return sub(
    `arn:\${AWS::Partition}:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/${subReference(arn)}/invocations`,
  );
}

/** Which API an event goes to: the Ref'd one, or the implicit one (created by the driver). */
function apiIdOf(
  value: TemplateValue | undefined,
  implicit: string,
  eventId: string,
  property: string,
): string {
  if (value === undefined) return implicit;
  if (isObject(value) && typeof value.Ref === "string") return value.Ref;
  throw new SamResourceError(eventId, `'${property}' must be a Ref to an API resource in this template.`);
}

/** True when a function / state machine has an event of `type` without an explicit API id. */
export function usesImplicitApi(resource: ResourceDefinition, type: "Api" | "HttpApi"): boolean {
  const events = resource.Properties?.Events;
  if (!isObject(events)) return false;
  const idProperty = type === "Api" ? "RestApiId" : "ApiId";
  return Object.values(events).some(
    (e) =>
      isObject(e) && e.Type === type && !(isObject(e.Properties) && e.Properties[idProperty] !== undefined),
  );
}

/**
 * An `Api` event: records the path/method (with the integration) for the REST API's body and
 * adds `<Fn><Event>Permission<Stage>` (or, for a state machine, the role API Gateway assumes).
 */
export function restApiEvent(
  build: SamBuild,
  target: EventTarget,
  ownerType: string,
  eventName: string,
  p: TemplateObject,
): void {
  const eventId = `${target.logicalId}${eventName}`;
  build.checkProperties(target.logicalId, ownerType, p, REST_KNOWN, `Events.${eventName}.`);
  if (typeof p.Path !== "string" || typeof p.Method !== "string") {
    throw new SamResourceError(eventId, "Api events need 'Path' and 'Method' strings.");
  }
  const apiId = apiIdOf(p.RestApiId, IMPLICIT_REST_API, eventId, "RestApiId");
  let integration: TemplateObject;
  if (target.kind === "function") {
    const suffix = build.restStageSuffix(apiId);
    const path = p.Path.replace(/^(.+)\/$/, "$1").replace(/\{[^}]+\}/g, "*");
    const method = p.Method.toLowerCase() === "any" ? "*" : p.Method.toUpperCase();
    addPermission(build, target, `${eventId}Permission${suffix}`, "apigateway.amazonaws.com", {
      sourceArn: sub(
        `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${__ApiId__}/\${__Stage__}/${method}${path}`,
        { __ApiId__: ref(apiId), __Stage__: "*" },
      ),
    });
    integration = { type: "aws_proxy", httpMethod: "POST", uri: lambdaIntegrationUri(target.arn) };
  } else {
    const roleId = `${eventId}Role`;
    build.add(
      roleId,
      invokeRole(
        eventId,
        "apigateway.amazonaws.com",
        "states:StartExecution",
        target,
        "StartExecutionPolicy",
      ),
      target.logicalId,
    );
    integration = {
      type: "aws",
      httpMethod: "POST",
      uri: sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:states:action/StartExecution"),
      credentials: getAtt(roleId, "Arn"),
      requestTemplates: {
        "application/json": sub(
          `{"input": "$util.escapeJavaScript($input.json('$'))", "stateMachineArn": "\${${target.logicalId}}"}`,
        ),
      },
      responses: { "200": { statusCode: "200" }, "400": { statusCode: "400" } },
    };
  }
  const event: RestApiEvent = {
    eventId,
    path: p.Path,
    method: methodKey(p.Method),
    integration,
  };
  if (isObject(p.Auth)) event.auth = p.Auth;
  if (Array.isArray(p.RequestParameters)) event.requestParameters = p.RequestParameters;
  if (typeof target.attributes.Condition === "string") event.condition = target.attributes.Condition;
  const list = build.restEvents.get(apiId) ?? [];
  list.push(event);
  build.restEvents.set(apiId, list);
}

/** An `HttpApi` event: the route for the HTTP API's body and `<Fn><Event>Permission`. */
export function httpApiEvent(
  build: SamBuild,
  target: EventTarget,
  ownerType: string,
  eventName: string,
  p: TemplateObject,
): void {
  const eventId = `${target.logicalId}${eventName}`;
  build.checkProperties(target.logicalId, ownerType, p, HTTP_KNOWN, `Events.${eventName}.`);
  const apiId = apiIdOf(p.ApiId, IMPLICIT_HTTP_API, eventId, "ApiId");
  const path = typeof p.Path === "string" ? p.Path : "$default";
  const method = typeof p.Method === "string" ? methodKey(p.Method) : "x-amazon-apigateway-any-method";
  // A wildcard for the $default route: it catches every method and path. (What AWS puts in the
  // source ARN of a $default invocation is not documented precisely; `*` covers it.)
  const resource =
    path === "$default"
      ? "${__ApiId__}/${__Stage__}/*"
      : `\${__ApiId__}/\${__Stage__}/${method === "x-amazon-apigateway-any-method" ? "*" : method.toUpperCase()}${path.replace(/\{[^}]+\}/g, "*")}`;
  addPermission(build, target, `${eventId}Permission`, "apigateway.amazonaws.com", {
    sourceArn: sub(`arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:${resource}`, {
      __ApiId__: ref(apiId),
      __Stage__: "*",
    }),
  });
  const integration: TemplateObject = {
    type: "aws_proxy",
    httpMethod: "POST",
    uri: lambdaIntegrationUri(target.arn),
    payloadFormatVersion: p.PayloadFormatVersion ?? "2.0",
  };
  if (p.TimeoutInMillis !== undefined) integration.timeoutInMillis = p.TimeoutInMillis;
  const event: HttpApiEvent = {
    eventId,
    path,
    method,
    integration,
  };
  if (isObject(p.Auth)) event.auth = p.Auth;
  if (isObject(p.RouteSettings)) event.routeSettings = p.RouteSettings;
  if (typeof target.attributes.Condition === "string") event.condition = target.attributes.Condition;
  const list = build.httpEvents.get(apiId) ?? [];
  list.push(event);
  build.httpEvents.set(apiId, list);
}
