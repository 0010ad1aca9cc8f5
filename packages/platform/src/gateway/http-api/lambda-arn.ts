/**
 * Function targets of AWS_PROXY integrations and REQUEST authorizers: a function ARN (with an
 * optional qualifier) or the apigateway invocation form
 * `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations`.
 */
const FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9$_-]{1,128}))?$/;
const INVOCATION_ARN =
  /^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/;

export interface FunctionTarget {
  /** The function ARN without qualifier. */
  functionArn: string;
  qualifier: string | undefined;
}

/** The function a URI names, or undefined when it names none. */
export function functionTarget(uri: string): FunctionTarget | undefined {
  const inner = INVOCATION_ARN.exec(uri)?.[1] ?? uri;
  const match = FUNCTION_ARN.exec(inner);
  if (!match?.[1]) return undefined;
  const qualifier = match[2];
  return {
    functionArn: qualifier === undefined ? inner : inner.slice(0, -(qualifier.length + 1)),
    qualifier,
  };
}
