import type { ResponseV1 } from "../payload-v1/response-v1.js";
import type { GatewayAnswer } from "./gateway-response.js";
import { renderTemplate } from "./mapping-template.js";
import type { GatewayResponseDoc } from "./model.js";
import { type RequestFacts, templateContext } from "./request-facts.js";

/**
 * Applies the deployment's gateway responses to an answer API Gateway made itself: the
 * customization of its response type, else DEFAULT_4XX / DEFAULT_5XX by status. The status code,
 * headers (`gatewayresponse.header.<name>`) and body template (with `$context.error.message`,
 * `messageString` and `responseType`) replace the defaults; what a customization leaves out
 * stays as it was. Answers of integrations pass unchanged.
 */
export function customizeGatewayResponse(
  response: ResponseV1 | GatewayAnswer,
  responses: Record<string, GatewayResponseDoc> | undefined,
  facts: RequestFacts | undefined,
): ResponseV1 {
  if (!("responseType" in response) || response.responseType === undefined || !responses) return response;
  const custom =
    responses[response.responseType] ?? responses[response.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX"];
  if (!custom) return response;
  const message = response.message ?? null;
  const error = {
    message: message ?? "",
    messageString: JSON.stringify(message),
    responseType: response.responseType,
  };
  const context = { ...(facts ? templateContext(facts) : {}), error };
  const headers: Record<string, string[]> = { ...response.headers };
  for (const [target, source] of Object.entries(custom.responseParameters)) {
    const name = target.slice("gatewayresponse.header.".length);
    const value = parameterValue(source, facts, context);
    if (value === undefined) continue;
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    headers[name] = [value];
  }
  const template = custom.responseTemplates["application/json"] ?? Object.values(custom.responseTemplates)[0];
  const body =
    template === undefined
      ? response.body
      : Buffer.from(
          renderTemplate(template, {
            body: "",
            params: {
              path: facts?.pathParameters ?? {},
              querystring: facts?.query ?? {},
              header: facts?.headers ?? {},
            },
            context,
            stageVariables: facts?.stageVariables ?? {},
          }),
        );
  return { status: custom.statusCode ? Number(custom.statusCode) : response.status, headers, body };
}

function parameterValue(
  source: string,
  facts: RequestFacts | undefined,
  context: Record<string, unknown>,
): string | undefined {
  if (source.startsWith("'") && source.endsWith("'")) return source.slice(1, -1);
  if (!facts) return undefined;
  if (source.startsWith("method.request.header.")) {
    const name = source.slice(22).toLowerCase();
    return Object.entries(facts.headers).find(([k]) => k.toLowerCase() === name)?.[1];
  }
  if (source.startsWith("method.request.querystring.")) return facts.query[source.slice(27)];
  if (source.startsWith("method.request.path.")) return facts.pathParameters[source.slice(20)];
  if (source.startsWith("stageVariables.")) return facts.stageVariables[source.slice(15)];
  if (source.startsWith("context.")) {
    const found = source
      .slice(8)
      .split(".")
      .reduce<unknown>(
        (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
        context,
      );
    return found === undefined || found === null ? undefined : String(found);
  }
  return undefined;
}
