/** An alias: a name for one published version (or $LATEST), optionally splitting traffic. */
export interface AliasRecord {
  name: string;
  functionName: string;
  functionVersion: string;
  description: string;
  /** At most one extra version with its share of invocations (0..1). */
  additionalVersionWeights: Record<string, number>;
  revisionId: string;
}

export const KIND_ALIAS = "function-alias";

export function aliasKey(functionName: string, alias: string): string {
  return `${functionName}/${alias}`;
}

/** Qualifiers that are not alias names: `$LATEST` and version numbers. */
export function isAliasName(qualifier: string): boolean {
  return qualifier !== "$LATEST" && !/^\d+$/.test(qualifier);
}
