/** The values behind the pseudo parameters of one stack. */
export interface PseudoParameters {
  region: string;
  accountId: string;
  stackName: string;
  stackId: string;
}

/** Ref of `AWS::NoValue`: the member or element holding it is removed. */
export const NO_VALUE: unique symbol = Symbol("AWS::NoValue");

export const PSEUDO_PARAMETERS = [
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
] as const;

export function isPseudoParameter(name: string): boolean {
  return (PSEUDO_PARAMETERS as readonly string[]).includes(name);
}

/**
 * A pseudo parameter's value. Nimbus runs one partition: `aws` and `amazonaws.com`. The stack's
 * notification ARNs are not kept, so `AWS::NotificationARNs` is an empty list.
 */
export function pseudoValue(
  name: string,
  pseudo: PseudoParameters,
): string | string[] | typeof NO_VALUE | undefined {
  switch (name) {
    case "AWS::AccountId":
      return pseudo.accountId;
    case "AWS::Region":
      return pseudo.region;
    case "AWS::StackName":
      return pseudo.stackName;
    case "AWS::StackId":
      return pseudo.stackId;
    case "AWS::Partition":
      return "aws";
    case "AWS::URLSuffix":
      return "amazonaws.com";
    case "AWS::NotificationARNs":
      return [];
    case "AWS::NoValue":
      return NO_VALUE;
    default:
      return undefined;
  }
}
