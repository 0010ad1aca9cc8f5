import type { AccountScope } from "../core/arn.js";
import type { IssuedCredentials } from "../core/function-credentials.js";
import { utcDatePath } from "../core/time-format.js";
import type { FunctionConfig } from "../functions/index.js";
import { runtimeInfo } from "../functions/index.js";
import type { Interpreter, SandboxLayout, SandboxSpec } from "../sandbox/index.js";

export interface RuntimeHosts {
  node: Interpreter | undefined;
  python: Interpreter | undefined;
}

export interface SpecInputs {
  config: FunctionConfig;
  environmentId: string;
  codeDir: string;
  runtimesDir: string;
  /** The function's layers merged in order (host folder), when it has layers. */
  optDir?: string | undefined;
  /** A `provided.*` function whose bootstrap comes from a layer (/opt/bootstrap), not its code. */
  bootstrapInOpt?: boolean;
  layout: SandboxLayout;
  interpreters: RuntimeHosts;
  scope: AccountScope;
  /** Where the function's AWS SDK calls go: this Nimbus. */
  endpointUrl: string;
  maxProcesses: number;
  /** Nice value of the function's processes (sandbox/priority.ts). */
  nice: number;
  nowMs: number;
  /** PATH of the host, appended for plain-process environments. */
  hostPath: string | undefined;
  /** How the environment is started (AWS_LAMBDA_INITIALIZATION_TYPE). */
  initializationType: "on-demand" | "provisioned-concurrency";
  /** The function's own credentials (its SDK calls to Nimbus are signed with them). */
  credentials: IssuedCredentials;
  /** The AWS SDK for JavaScript v3 the Node runtime provides (runtime-sdk.ts). */
  sdk: { nodeModules: string; entries: string[] } | undefined;
}

export interface EnvironmentPlan {
  spec: Omit<SandboxSpec, "framedChannel">;
  protocol: "framed" | "http";
  logStreamName: string;
}

/** Builds the sandbox spec and the Lambda environment variables (runtime-api.md section 5). */
export function planEnvironment(inputs: SpecInputs): EnvironmentPlan | { error: string; errorType: string } {
  const { config, layout } = inputs;
  const opt = layout.optRoot;
  const info = runtimeInfo(config.runtime);
  if (!info)
    return {
      error: `Runtime ${config.runtime} is not supported by Nimbus`,
      errorType: "Runtime.InvalidRuntime",
    };
  const logStreamName = `${utcDatePath(inputs.nowMs)}/[${config.version}]${inputs.environmentId}`;
  const env: Record<string, string> = {
    ...(config.environment ?? {}),
    _HANDLER: config.handler,
    LAMBDA_TASK_ROOT: layout.taskRoot,
    LAMBDA_RUNTIME_DIR: layout.runtimesDir,
    AWS_LAMBDA_FUNCTION_NAME: config.name,
    AWS_LAMBDA_FUNCTION_VERSION: config.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: config.logGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: inputs.initializationType,
    AWS_LAMBDA_LOG_FORMAT: config.logFormat,
    AWS_REGION: inputs.scope.region,
    AWS_DEFAULT_REGION: inputs.scope.region,
    // Credentials Nimbus accepts, and its own endpoint, so the SDK inside reaches Nimbus.
    AWS_ACCESS_KEY_ID: inputs.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: inputs.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: inputs.credentials.sessionToken,
    AWS_ENDPOINT_URL: inputs.endpointUrl,
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
    PATH: `/usr/local/bin:/usr/bin/:/bin:${opt}/bin`,
    LD_LIBRARY_PATH: `/lib64:/usr/lib64:${layout.runtimesDir}:${layout.runtimesDir}/lib:${layout.taskRoot}:${layout.taskRoot}/lib:${opt}/lib`,
    AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
  };
  if (inputs.hostPath) env.PATH = `${env.PATH}:${inputs.hostPath}`;
  let argv: string[];
  let extraReadOnly: string[] = [];
  let protocol: "framed" | "http" = "framed";
  if (info.family === "node") {
    const node = inputs.interpreters.node;
    if (!node)
      return {
        error: "No Node.js interpreter is available on this host",
        errorType: "Runtime.InvalidRuntime",
      };
    env.AWS_EXECUTION_ENV = `AWS_Lambda_${config.runtime}`;
    const major = node.version.split(".")[0] ?? "";
    // Lambda's NODE_PATH. Inside a sandbox the SDK sits in /var/node_modules, found by walking up
    // from /var/task; plain processes get the host's node_modules (every package installed there).
    const sdkPath =
      layout.runtimesDir === inputs.runtimesDir
        ? inputs.sdk?.nodeModules
        : `${layout.runtimesDir}/node_modules`;
    env.NODE_PATH = [`${opt}/nodejs/node${major}/node_modules`, `${opt}/nodejs/node_modules`, sdkPath]
      .filter((p) => p !== undefined)
      .join(":");
    argv = [node.path, `${layout.runtimesDir}/node/bootstrap.mjs`];
    extraReadOnly = node.folders;
  } else if (info.family === "python") {
    const python = inputs.interpreters.python;
    if (!python)
      return {
        error: "No Python interpreter is available on this host",
        errorType: "Runtime.InvalidRuntime",
      };
    env.AWS_EXECUTION_ENV = `AWS_Lambda_${config.runtime}`;
    env.PYTHONPATH = `${layout.runtimesDir}/python`;
    env.PYTHONDONTWRITEBYTECODE = "1";
    // The runtime puts <opt>/python(/lib/pythonX.Y/site-packages) on sys.path; /opt by default.
    if (opt !== "/opt") env.NIMBUS_OPT_DIR = opt;
    argv = [python.path, `${layout.runtimesDir}/python/bootstrap.py`];
    extraReadOnly = python.folders;
  } else {
    argv = [`${inputs.bootstrapInOpt ? opt : layout.taskRoot}/bootstrap`];
    protocol = "http";
  }
  return {
    protocol,
    logStreamName,
    spec: {
      environmentId: inputs.environmentId,
      codeDir: inputs.codeDir,
      runtimesDir: inputs.runtimesDir,
      ...(inputs.optDir === undefined ? {} : { optDir: inputs.optDir }),
      extraReadOnly,
      sdk: info.family === "node" ? inputs.sdk : undefined,
      argv,
      env,
      memoryMb: config.memoryMb,
      tmpSizeMb: config.ephemeralStorageMb,
      maxProcesses: inputs.maxProcesses,
      nice: inputs.nice,
    },
  };
}
