import { jsonResult, readJsonBody } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import { badRequest, notFound, unsupported } from "./errors.js";
import type { KeyService } from "./key-service.js";
import type { AuthorizerDoc, IntegrationDoc, MethodDoc } from "./model.js";
import { contentHandlingOf, patchOps } from "./rest-api-api.js";
import {
  checkAuthorizer,
  checkIntegration,
  checkMethod,
  methodOf,
  type RestApiService,
  resourceOf,
} from "./rest-api-service.js";
import { authorizerOut, integrationOut, methodOut, usagePlanOut } from "./wire.js";

type PatchOp = { op: string; path: string; value?: string };

/**
 * The Update* operations (JSON patch) on methods, integrations and usage plans, and the Get /
 * Delete of method and integration responses. Each supported path is applied; any other is
 * refused, naming it.
 */
export function addPatchRoutes(router: RestRouter, apis: RestApiService, keys: KeyService): void {
  const methodPath = "/restapis/{restApiId}/resources/{resourceId}/methods/{httpMethod}";
  router
    .add("PATCH", methodPath, async (req, p) => {
      const ops = patchOps(readJsonBody(req));
      const method = await apis.update(p.restApiId ?? "", (api) => {
        const m = methodOf(resourceOf(api, p.resourceId ?? ""), p.httpMethod ?? "");
        for (const op of ops) patchMethod(m, op);
        checkMethod(api, m);
        return m;
      });
      return jsonResult(200, methodOut(method));
    })
    .add("PATCH", `${methodPath}/integration`, async (req, p) => {
      const ops = patchOps(readJsonBody(req));
      const integration = await apis.update(p.restApiId ?? "", (api) => {
        const m = methodOf(resourceOf(api, p.resourceId ?? ""), p.httpMethod ?? "");
        if (!m.integration) throw notFound("Invalid Integration identifier specified");
        for (const op of ops) patchIntegration(m.integration, op);
        checkIntegration(m.integration);
        return m.integration;
      });
      return jsonResult(200, integrationOut(integration));
    })
    .add("GET", `${methodPath}/responses/{statusCode}`, async (_req, p) => {
      const m = methodOf(
        resourceOf(await apis.get(p.restApiId ?? ""), p.resourceId ?? ""),
        p.httpMethod ?? "",
      );
      const response = m.methodResponses[p.statusCode ?? ""];
      if (!response) throw notFound("Invalid Response status code specified");
      return jsonResult(200, response);
    })
    .add("DELETE", `${methodPath}/responses/{statusCode}`, async (_req, p) => {
      await apis.update(p.restApiId ?? "", (api) => {
        const m = methodOf(resourceOf(api, p.resourceId ?? ""), p.httpMethod ?? "");
        if (!m.methodResponses[p.statusCode ?? ""]) throw notFound("Invalid Response status code specified");
        delete m.methodResponses[p.statusCode ?? ""];
      });
      return jsonResult(204, undefined);
    })
    .add("GET", `${methodPath}/integration/responses/{statusCode}`, async (_req, p) => {
      const m = methodOf(
        resourceOf(await apis.get(p.restApiId ?? ""), p.resourceId ?? ""),
        p.httpMethod ?? "",
      );
      const response = m.integration?.integrationResponses[p.statusCode ?? ""];
      if (!response) throw notFound("Invalid Response status code specified");
      return jsonResult(200, response);
    })
    .add("DELETE", `${methodPath}/integration/responses/{statusCode}`, async (_req, p) => {
      await apis.update(p.restApiId ?? "", (api) => {
        const m = methodOf(resourceOf(api, p.resourceId ?? ""), p.httpMethod ?? "");
        if (!m.integration?.integrationResponses[p.statusCode ?? ""]) {
          throw notFound("Invalid Response status code specified");
        }
        delete m.integration.integrationResponses[p.statusCode ?? ""];
      });
      return jsonResult(204, undefined);
    })
    .add("PATCH", "/restapis/{restApiId}/authorizers/{authorizerId}", async (req, p) => {
      const ops = patchOps(readJsonBody(req));
      const authorizer = await apis.update(p.restApiId ?? "", (api) => {
        const current = api.authorizers[p.authorizerId ?? ""];
        if (!current) throw notFound("Invalid authorizer ID specified");
        const next = { ...current };
        for (const op of ops) patchAuthorizer(next, op);
        const { id: _id, ...settings } = next;
        checkAuthorizer(settings);
        api.authorizers[next.id] = next;
        return next;
      });
      return jsonResult(200, authorizerOut(authorizer));
    })
    .add("PATCH", "/usageplans/{usagePlanId}", async (req, p) => {
      const plan = await keys.updateUsagePlan(p.usagePlanId ?? "", patchOps(readJsonBody(req)));
      return jsonResult(200, usagePlanOut(plan));
    });
}

/** `~1` stands for `/` inside one JSON-patch path segment. */
function pointerSegment(segment: string): string {
  return segment.replaceAll("~1", "/").replaceAll("~0", "~");
}

function patchMethod(method: MethodDoc, { op, path, value }: PatchOp): void {
  if (op === "replace" && path === "/apiKeyRequired") method.apiKeyRequired = value === "true";
  else if (op === "replace" && path === "/authorizationType") {
    method.authorizationType = (value ?? "") as MethodDoc["authorizationType"];
    if (method.authorizationType === "NONE") delete method.authorizerId;
  } else if (op === "replace" && path === "/authorizerId" && value) method.authorizerId = value;
  else if (op === "replace" && path === "/operationName") method.operationName = value ?? "";
  else if (op === "replace" && path === "/requestValidatorId") {
    if (value) method.requestValidatorId = value;
    else delete method.requestValidatorId;
  } else if ((op === "add" || op === "remove") && path.startsWith("/requestParameters/")) {
    const name = pointerSegment(path.slice("/requestParameters/".length));
    if (op === "add") method.requestParameters[name] = value === "true";
    else delete method.requestParameters[name];
  } else throw unsupported(`the method patch operation ${op} ${path}`);
}

function patchIntegration(integration: IntegrationDoc, { op, path, value }: PatchOp): void {
  const [, head, rest] = /^\/([A-Za-z]+)(?:\/(.+))?$/.exec(path) ?? [];
  if (op === "replace" && rest === undefined && value !== undefined) {
    if (head === "uri") integration.uri = value;
    else if (head === "httpMethod") integration.httpMethod = value;
    else if (head === "timeoutInMillis") integration.timeoutInMillis = Number(value);
    else if (head === "contentHandling") {
      const handling = contentHandlingOf({ contentHandling: value });
      if (handling) integration.contentHandling = handling;
    } else if (head === "passthroughBehavior") {
      if (value !== "WHEN_NO_MATCH" && value !== "WHEN_NO_TEMPLATES" && value !== "NEVER") {
        throw badRequest(`Invalid passthrough behavior specified: ${value}`);
      }
      integration.passthroughBehavior = value;
    } else throw unsupported(`the integration patch path ${path}`);
    return;
  }
  if ((head === "requestTemplates" || head === "requestParameters") && rest !== undefined) {
    const name = pointerSegment(rest);
    if (op === "remove") delete integration[head][name];
    else if ((op === "add" || op === "replace") && value !== undefined) integration[head][name] = value;
    else throw badRequest(`Invalid patch operation ${op} ${path}`);
    return;
  }
  throw unsupported(`the integration patch operation ${op} ${path}`);
}

function patchAuthorizer(authorizer: AuthorizerDoc, { op, path, value }: PatchOp): void {
  if (op !== "replace") throw unsupported(`the authorizer patch operation ${op} ${path}`);
  if (path === "/name" && value) authorizer.name = value;
  else if (path === "/authorizerUri" && value) authorizer.authorizerUri = value;
  else if (path === "/identitySource") authorizer.identitySource = value ?? "";
  else if (path === "/identityValidationExpression") {
    if (value) authorizer.identityValidationExpression = value;
    else delete authorizer.identityValidationExpression;
  } else if (path === "/authorizerResultTtlInSeconds")
    authorizer.authorizerResultTtlInSeconds = Number(value);
  else if (path === "/type" && (value === "TOKEN" || value === "REQUEST")) authorizer.type = value;
  else throw unsupported(`the authorizer patch path ${path}`);
}
