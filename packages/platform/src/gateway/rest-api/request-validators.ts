import { jsonResult, readJsonBody } from "../../aws/rest-json.js";
import type { RestRouter } from "../../aws/rest-router.js";
import { conflict, notFound, unsupported } from "./errors.js";
import { type GatewayAnswer, gatewayResponse } from "./gateway-response.js";
import type { MethodDoc, RequestValidatorDoc, RestApiDoc } from "./model.js";
import type { RequestFacts } from "./request-facts.js";
import type { RestApiService } from "./rest-api-service.js";
import { newGatewayId } from "./rest-api-store.js";
import { read } from "./wire.js";

/**
 * Adds a request validator to an API (shared with the OpenAPI importer). Body validation needs
 * models (JSON Schema), which Nimbus does not have: asking for it is refused.
 */
export function addValidator(
  api: RestApiDoc,
  name: string,
  validateRequestBody: boolean,
  validateRequestParameters: boolean,
) {
  if (validateRequestBody) throw unsupported(`request body validation (models) in request validator ${name}`);
  const validators = api.requestValidators ?? {};
  if (Object.values(validators).some((v) => v.name === name))
    throw conflict(`A request validator named ${name} already exists`);
  const validator: RequestValidatorDoc = { id: newGatewayId().slice(0, 6), name, validateRequestParameters };
  api.requestValidators = { ...validators, [validator.id]: validator };
  return validator;
}

function out(v: RequestValidatorDoc) {
  return {
    id: v.id,
    name: v.name,
    validateRequestBody: false,
    validateRequestParameters: v.validateRequestParameters,
  };
}

/** CreateRequestValidator, GetRequestValidator(s), DeleteRequestValidator. */
export function addRequestValidatorRoutes(router: RestRouter, apis: RestApiService): void {
  router
    .add("POST", "/restapis/{restApiId}/requestvalidators", async (req, p) => {
      const body = readJsonBody(req);
      const validator = await apis.update(p.restApiId ?? "", (api) =>
        addValidator(
          api,
          read.required(body, "name"),
          read.bool(body, "validateRequestBody") ?? false,
          read.bool(body, "validateRequestParameters") ?? false,
        ),
      );
      return jsonResult(201, out(validator));
    })
    .add("GET", "/restapis/{restApiId}/requestvalidators", async (_req, p) => {
      const api = await apis.get(p.restApiId ?? "");
      return jsonResult(200, { item: Object.values(api.requestValidators ?? {}).map(out) });
    })
    .add("GET", "/restapis/{restApiId}/requestvalidators/{requestValidatorId}", async (_req, p) => {
      const validator = (await apis.get(p.restApiId ?? "")).requestValidators?.[p.requestValidatorId ?? ""];
      if (!validator) throw notFound("Invalid Request Validator identifier specified");
      return jsonResult(200, out(validator));
    })
    .add("DELETE", "/restapis/{restApiId}/requestvalidators/{requestValidatorId}", async (_req, p) => {
      await apis.update(p.restApiId ?? "", (api) => {
        const id = p.requestValidatorId ?? "";
        if (!api.requestValidators?.[id]) throw notFound("Invalid Request Validator identifier specified");
        const user = Object.values(api.resources).find((r) =>
          Object.values(r.methods).some((m) => m.requestValidatorId === id),
        );
        if (user) throw conflict(`Cannot delete request validator: it is used by a method of ${user.path}`);
        delete api.requestValidators[id];
      });
      return jsonResult(202, undefined);
    });
}

/**
 * The 400 API Gateway answers when a method's validator checks parameters and a required one
 * (`method.request.<where>.<name>: true`) is missing; undefined when the request passes.
 */
export function validateParameters(
  method: MethodDoc,
  validators: Record<string, RequestValidatorDoc> | undefined,
  facts: RequestFacts,
): GatewayAnswer | undefined {
  const validator =
    method.requestValidatorId === undefined ? undefined : validators?.[method.requestValidatorId];
  if (!validator?.validateRequestParameters) return undefined;
  const missing: string[] = [];
  for (const [parameter, required] of Object.entries(method.requestParameters)) {
    if (!required) continue;
    const [, , where, name = ""] = parameter.split(".");
    const present =
      where === "header"
        ? Object.keys(facts.headers).some((h) => h.toLowerCase() === name.toLowerCase())
        : where === "querystring"
          ? facts.query[name] !== undefined
          : facts.pathParameters[name] !== undefined && facts.pathParameters[name] !== "";
    if (!present) missing.push(name);
  }
  if (missing.length === 0) return undefined;
  return gatewayResponse(
    400,
    "BadRequestException",
    `Missing required request parameters: [${missing.join(", ")}]`,
    "BAD_REQUEST_PARAMETERS",
  );
}
