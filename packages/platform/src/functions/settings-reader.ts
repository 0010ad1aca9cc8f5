import type { WireReader } from "../aws/wire-validation.js";
import { functionsError } from "./errors.js";
import type { SettingsPatch } from "./function-service.js";
import { AWS_RUNTIME_IDS, runtimeInfo } from "./runtimes.js";

const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const HANDLER = /^[^\s]+$/;
const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
const LAYER_VERSION_ARN =
  /^arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$/;

/** Environment keys Lambda sets itself (runtime-api.md section 5). */
const RESERVED_ENV = new Set([
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
]);

/**
 * Members AWS accepts that Nimbus cannot apply yet. Each is refused by name rather than stored
 * and ignored.
 */
const UNSUPPORTED: Record<string, string> = {
  VpcConfig: "VPC networking is not supported by Nimbus; functions use the host network.",
  KMSKeyArn: "KMSKeyArn is not supported by Nimbus: environment variables are not encrypted with KMS keys.",
  FileSystemConfigs: "FileSystemConfigs (EFS) are not supported by Nimbus.",
  ImageConfig: "Container image functions (ImageConfig) are not supported by Nimbus.",
  CodeSigningConfigArn: "Code signing (CodeSigningConfigArn) is not supported by Nimbus.",
};

/** A dead-letter target: an SQS queue or SNS topic ARN (invocation-semantics.md section 2.1). */
const DEAD_LETTER_ARN = /^arn:(aws[a-zA-Z-]*)?:(sqs|sns):[a-z0-9-]+:\d{12}:[a-zA-Z0-9_.-]+$/;

/** Reads the settings members of CreateFunction / UpdateFunctionConfiguration. */
export function readSettings(
  input: Record<string, unknown>,
  reader: WireReader,
  limits: { maxEnvironmentBytes: number },
): SettingsPatch {
  for (const [member, message] of Object.entries(UNSUPPORTED)) {
    const value = input[member];
    const empty =
      value === undefined ||
      (Array.isArray(value) && value.length === 0) ||
      (member === "VpcConfig" && isEmptyVpc(value));
    if (!empty) throw functionsError.unsupported(message);
  }
  if (input.PackageType !== undefined && input.PackageType !== "Zip") {
    throw functionsError.unsupported("Only PackageType Zip is supported by Nimbus.");
  }
  const runtime = reader.enumValue("Runtime", AWS_RUNTIME_IDS);
  const settings: SettingsPatch = {
    runtime,
    handler: reader.string("Handler", { max: 128, pattern: HANDLER }),
    role: reader.string("Role", { pattern: ROLE }),
    description: reader.string("Description", { max: 256 }),
    timeoutSec: reader.integer("Timeout", { min: 1 }),
    memoryMb: reader.integer("MemorySize", { min: 128, max: 10240 }),
  };
  const layers = reader.stringList("Layers");
  if (layers !== undefined) {
    // Checked against the layers that exist (and the limit of 5) by FunctionService.
    const bad = layers.filter((arn) => arn.length > 140 || !LAYER_VERSION_ARN.test(arn));
    if (bad.length > 0)
      reader.fail(
        JSON.stringify(bad),
        "layers",
        `Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN.source}, Member must not be null]`,
      );
    settings.layers = layers;
  }
  const deadLetter = reader.object("DeadLetterConfig");
  if (deadLetter !== undefined) {
    // {} or an empty TargetArn removes the dead-letter target (UpdateFunctionConfiguration).
    const target = deadLetter.TargetArn;
    if (target !== undefined && target !== null && typeof target !== "string")
      throw functionsError.invalid("DeadLetterConfig.TargetArn must be a string.");
    if (typeof target === "string" && target !== "" && !DEAD_LETTER_ARN.test(target))
      throw functionsError.invalid(
        `The provided DeadLetterConfig TargetArn ${target} is invalid: it must be the ARN of an Amazon SQS queue or an Amazon SNS topic.`,
      );
    settings.deadLetterTargetArn = typeof target === "string" && target !== "" ? target : undefined;
  }
  const environment = reader.object("Environment");
  if (environment !== undefined)
    settings.environment = readEnvironment(environment, reader, limits.maxEnvironmentBytes);
  const storage = reader.object("EphemeralStorage");
  if (storage !== undefined) {
    const size = storage.Size;
    if (typeof size !== "number" || !Number.isInteger(size))
      throw functionsError.invalid("EphemeralStorage.Size must be an integer.");
    if (size < 512 || size > 10240)
      reader.fail(String(size), "ephemeralStorage.size", "Member must have value between 512 and 10240");
    settings.ephemeralStorageMb = size;
  }
  const architectures = reader.stringList("Architectures");
  if (architectures !== undefined) {
    if (architectures.length !== 1)
      reader.fail(JSON.stringify(architectures), "architectures", "Member must have length equal to 1");
    const arch = architectures[0];
    if (arch !== "x86_64" && arch !== "arm64") {
      reader.fail(String(arch), "architectures", "Member must satisfy enum value set: [x86_64, arm64]");
    } else settings.architecture = arch;
  }
  const tracing = reader.object("TracingConfig");
  if (tracing?.Mode !== undefined) {
    if (tracing.Mode === "Active")
      throw functionsError.unsupported(
        "TracingConfig Mode Active (X-Ray tracing) is not supported by Nimbus.",
      );
    if (tracing.Mode !== "PassThrough")
      reader.fail(
        String(tracing.Mode),
        "tracingConfig.mode",
        "Member must satisfy enum value set: [Active, PassThrough]",
      );
    settings.tracingMode = "PassThrough";
  }
  const logging = reader.object("LoggingConfig");
  if (logging !== undefined) {
    if (logging.LogFormat !== undefined && logging.LogFormat !== "Text") {
      throw functionsError.unsupported(
        "LoggingConfig LogFormat JSON is not supported by this Nimbus version; use Text.",
      );
    }
    if (logging.ApplicationLogLevel !== undefined || logging.SystemLogLevel !== undefined) {
      throw functionsError.unsupported(
        "LoggingConfig log levels need LogFormat JSON, which this Nimbus version does not support.",
      );
    }
    if (logging.LogGroup !== undefined) {
      if (typeof logging.LogGroup !== "string" || !/^[.\-_/#A-Za-z0-9]{1,512}$/.test(logging.LogGroup)) {
        reader.fail(
          String(logging.LogGroup),
          "loggingConfig.logGroup",
          "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
        );
      } else settings.logGroup = logging.LogGroup;
    }
  }
  if (runtime !== undefined && AWS_RUNTIME_IDS.includes(runtime) && !runtimeInfo(runtime)) {
    throw functionsError.unsupported(
      `Runtime ${runtime} is not supported by Nimbus. Supported: nodejs18.x-nodejs24.x, python3.9-python3.14, provided.al2, provided.al2023.`,
    );
  }
  return settings;
}

function readEnvironment(
  environment: Record<string, unknown>,
  reader: WireReader,
  maxBytes: number,
): Record<string, string> {
  const variables = environment.Variables ?? {};
  if (typeof variables !== "object" || variables === null || Array.isArray(variables)) {
    throw functionsError.invalid("Environment.Variables must be a map of strings.");
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (typeof value !== "string")
      throw functionsError.invalid(`Environment variable ${key} must be a string.`);
    if (!ENV_KEY.test(key)) {
      reader.fail(
        key,
        "environment.variables",
        "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+",
      );
    }
    out[key] = value;
  }
  const reserved = Object.keys(out).filter((k) => RESERVED_ENV.has(k));
  if (reserved.length > 0) {
    throw functionsError.invalid(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(", ")}`,
    );
  }
  const measured = JSON.stringify(out);
  if (Buffer.byteLength(measured) > maxBytes) {
    throw functionsError.invalid(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured.length > 256 ? `${measured.slice(0, 256)}...` : measured}`,
    );
  }
  return out;
}

function isEmptyVpc(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { SubnetIds?: unknown[]; SecurityGroupIds?: unknown[] };
  return (v.SubnetIds?.length ?? 0) === 0 && (v.SecurityGroupIds?.length ?? 0) === 0;
}
