/** A layer version a function uses, copied when the function is configured (lambda-api.md 4.1). */
export interface FunctionLayer {
  /** The layer version ARN. */
  arn: string;
  codeSizeBytes: number;
  /** hex SHA-256 of the layer's zip: its blob key and unpacked folder in the CodeStore. */
  codeKey: string;
  unzippedSizeBytes: number;
}

/** The domain shape of a function's configuration ($LATEST or a published version). */
export interface FunctionConfig {
  name: string;
  /** `$LATEST` or a published version number as a string. */
  version: string;
  runtime: string;
  handler: string;
  role: string;
  description: string;
  timeoutSec: number;
  memoryMb: number;
  environment: Record<string, string> | undefined;
  ephemeralStorageMb: number;
  architecture: "x86_64" | "arm64";
  tracingMode: "Active" | "PassThrough";
  deadLetterTargetArn: string | undefined;
  logFormat: "Text" | "JSON";
  logGroup: string;
  applicationLogLevel: string | undefined;
  systemLogLevel: string | undefined;
  /** base64 SHA-256 of the zip, as AWS reports CodeSha256. */
  codeSha256: string;
  /** hex SHA-256 of the zip: the blob key and the extracted code folder name. */
  codeKey: string;
  codeSizeBytes: number;
  unzippedSizeBytes: number;
  /**
   * Layers in extraction order (later ones overwrite earlier files in /opt). Records written
   * before layers existed have none: read it through `layersOf`.
   */
  layers?: FunctionLayer[];
  revisionId: string;
  lastModified: number;
}

/** The function record: its $LATEST configuration plus function-wide settings. */
export interface FunctionRecord {
  latest: FunctionConfig;
  createdAt: number;
  tags: Record<string, string>;
  /** Highest published version number (0 when none). */
  lastVersion: number;
  /** Reserved concurrency for all versions together (PutFunctionConcurrency); absent when unset. */
  reservedConcurrency?: number;
}

/** The layers of a configuration, `[]` for records stored without the member. */
export function layersOf(config: FunctionConfig): FunctionLayer[] {
  return config.layers ?? [];
}

export const KIND_FUNCTION = "function";
export const KIND_VERSION = "function-version";

/** Version documents sort by number inside a function: `<name>/<zero-padded version>`. */
export function versionKey(name: string, version: number): string {
  return `${name}/${String(version).padStart(10, "0")}`;
}
