import { lambdaTimestamp } from "../core/time-format.js";
import { type FunctionConfig, layersOf } from "./function-model.js";

/** FunctionConfiguration as Lambda returns it (lambda-api.md section 4.1). */
export function toFunctionConfiguration(
  config: FunctionConfig,
  arn: string,
  options: { forList?: boolean } = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    FunctionName: config.name,
    FunctionArn: arn,
    Runtime: config.runtime,
    Role: config.role,
    Handler: config.handler,
    CodeSize: config.codeSizeBytes,
    Description: config.description,
    Timeout: config.timeoutSec,
    MemorySize: config.memoryMb,
    LastModified: lambdaTimestamp(config.lastModified),
    CodeSha256: config.codeSha256,
    Version: config.version,
    TracingConfig: { Mode: config.tracingMode },
    RevisionId: config.revisionId,
    PackageType: "Zip",
    Architectures: [config.architecture],
    EphemeralStorage: { Size: config.ephemeralStorageMb },
    SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
    LoggingConfig: {
      LogFormat: config.logFormat,
      LogGroup: config.logGroup,
      ...(config.applicationLogLevel === undefined
        ? {}
        : { ApplicationLogLevel: config.applicationLogLevel }),
      ...(config.systemLogLevel === undefined ? {} : { SystemLogLevel: config.systemLogLevel }),
    },
  };
  if (config.environment !== undefined) out.Environment = { Variables: config.environment };
  const layers = layersOf(config);
  if (layers.length > 0) out.Layers = layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSizeBytes }));
  if (config.deadLetterTargetArn !== undefined)
    out.DeadLetterConfig = { TargetArn: config.deadLetterTargetArn };
  if (!options.forList) {
    out.State = "Active";
    out.LastUpdateStatus = "Successful";
  }
  return out;
}
