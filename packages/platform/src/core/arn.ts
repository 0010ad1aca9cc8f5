/** ARNs of the resources Nimbus serves. Region and account come from configuration. */
export interface AccountScope {
  region: string;
  accountId: string;
}

export function functionArn(scope: AccountScope, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${scope.region}:${scope.accountId}:function:${name}`;
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

export interface ParsedFunctionRef {
  name: string;
  qualifier: string | undefined;
  accountId: string | undefined;
  region: string | undefined;
}

const NAME = "[a-zA-Z0-9-_]+";
const QUAL = "[a-zA-Z0-9-_$.]+";
const FULL_ARN = new RegExp(
  `^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\\d{12}):function:(${NAME})(?::(${QUAL}))?$`,
);
const PARTIAL_ARN = new RegExp(`^(\\d{12}):function:(${NAME})(?::(${QUAL}))?$`);
const BARE = new RegExp(`^(${NAME})(?::(${QUAL}))?$`);

/**
 * Parses the forms AWS accepts for `FunctionName`: `my-fn`, `my-fn:QUAL`,
 * `123456789012:function:my-fn[:QUAL]` and the full ARN. Returns undefined when none match.
 */
export function parseFunctionRef(value: string): ParsedFunctionRef | undefined {
  let m = FULL_ARN.exec(value);
  if (m) return { region: m[1], accountId: m[2], name: m[3] ?? "", qualifier: m[4] };
  m = PARTIAL_ARN.exec(value);
  if (m) return { region: undefined, accountId: m[1], name: m[2] ?? "", qualifier: m[3] };
  m = BARE.exec(value);
  if (m) return { region: undefined, accountId: undefined, name: m[1] ?? "", qualifier: m[2] };
  return undefined;
}
