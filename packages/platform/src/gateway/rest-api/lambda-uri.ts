import { badRequest, unsupported } from "./errors.js";

const LAMBDA_URI =
  /^arn:aws[a-zA-Z-]*:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;

/**
 * The function an AWS / AWS_PROXY integration (or a Lambda authorizer) calls, from its URI
 * `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function-arn>/invocations`.
 * The function part may hold `${stageVariables.x}`, resolved per request.
 */
export function lambdaFunctionOf(uri: string): string {
  const match = LAMBDA_URI.exec(uri);
  if (!match?.[1]) {
    if (/^arn:aws[a-zA-Z-]*:apigateway:/.test(uri)) {
      throw unsupported(`AWS service integrations other than Lambda functions (${uri})`);
    }
    throw badRequest(`Invalid ARN specified in the request: ${uri}`);
  }
  return match[1];
}

/** Replaces `${stageVariables.name}` with the stage's values (a missing one leaves it empty). */
export function withStageVariables(text: string, variables: Record<string, string>): string {
  return text.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_m, name: string) => variables[name] ?? "");
}
