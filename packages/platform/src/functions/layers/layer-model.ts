import type { AccountScope } from "../../core/arn.js";

/** One statement of a layer version's resource policy (AddLayerVersionPermission). */
export interface LayerStatement {
  sid: string;
  action: string;
  /** As given: an account id, `*`, or `arn:aws:iam::<account>:root`. */
  principal: string;
  organizationId: string | undefined;
}

/** The stored document of one layer version (kind `layer-version`). */
export interface LayerVersionRecord {
  name: string;
  version: number;
  description: string;
  licenseInfo: string | undefined;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  createdAt: number;
  /** hex SHA-256 of the zip: the blob key and the unpacked folder name in the CodeStore. */
  codeKey: string;
  /** base64 SHA-256 of the zip, as AWS reports CodeSha256. */
  codeSha256: string;
  codeSizeBytes: number;
  unzippedSizeBytes: number;
  /** The resource policy; absent until the first AddLayerVersionPermission. */
  policy: { revisionId: string; statements: LayerStatement[] } | undefined;
}

export const KIND_LAYER_VERSION = "layer-version";

/** At most this many layers per function (AWS's limit). */
export const MAX_FUNCTION_LAYERS = 5;

/** Layer version documents sort by number inside a layer: `<name>/<zero-padded version>`. */
export function layerVersionKey(name: string, version: number): string {
  return `${name}/${String(version).padStart(10, "0")}`;
}

/** The sequence that numbers a layer's versions; numbers are never reused. */
export function layerSequence(name: string): string {
  return `layer-version:${name}`;
}

export function layerArn(scope: AccountScope, name: string): string {
  return `arn:aws:lambda:${scope.region}:${scope.accountId}:layer:${name}`;
}

export function layerVersionArn(scope: AccountScope, name: string, version: number): string {
  return `${layerArn(scope, name)}:${version}`;
}

export interface ParsedLayerArn {
  region: string;
  accountId: string;
  name: string;
  /** Present for a layer version ARN. */
  version: number | undefined;
}

const LAYER_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)(?::([0-9]+))?$/;

/** Parses `arn:aws:lambda:<region>:<account>:layer:<name>[:<version>]`; undefined when it is not one. */
export function parseLayerArn(value: string): ParsedLayerArn | undefined {
  const m = LAYER_ARN.exec(value);
  if (!m) return undefined;
  return {
    region: m[1] ?? "",
    accountId: m[2] ?? "",
    name: m[3] ?? "",
    version: m[4] === undefined ? undefined : Number(m[4]),
  };
}
